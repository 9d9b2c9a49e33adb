package dev.sdembed.onnx;

import static dev.sdembed.testing.ClipModelDirectories.PAD_END_TOKEN;
import static dev.sdembed.testing.ClipModelDirectories.PAD_ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sdembed.ModelLoadException;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.GoldenTokens;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CLIP model inputs from tokenizer.json files written from OpenAI's vocabulary, against OpenAI's reference ids. */
class ClipTokenizerTest {
    static final long SOT = 49406;
    static final long EOT = 49407;
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path bpe;
    static List<GoldenTokens> golden;

    @BeforeAll
    static void fixtures() throws IOException {
        bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        golden = GoldenTokens.fixture();
    }

    /** The reference model input: [sot] + bpe + [eot], cut to 77 with eot kept last, then padded. */
    static long[] expectedInput(long[] bpeIds, long pad) {
        long[] ids = new long[77];
        Arrays.fill(ids, pad);
        ids[0] = SOT;
        int n = Math.min(bpeIds.length, 75);
        System.arraycopy(bpeIds, 0, ids, 1, n);
        ids[n + 1] = EOT;
        return ids;
    }

    @Test
    void inputIdsAreStartTokenGoldenIdsEndTokenCutTo77AndPaddedWithTheEndToken() {
        Path dir = tokenizerDir("tok-pad-end", PAD_END_TOKEN);
        assertThat(golden).anySatisfy(g -> assertThat(g.bpeIds().length).isGreaterThan(75));
        try (ClipTokenizer tokenizer = ClipTokenizer.open(dir)) {
            assertThat(tokenizer.padId()).isEqualTo(EOT);
            assertThat(tokenizer.contextLength()).isEqualTo(77);
            for (GoldenTokens g : golden) {
                assertThat(tokenizer.textIds(g.text())).as(g.text()).containsExactly(g.bpeIds());
                assertThat(tokenizer.inputIds(g.text())).as(g.text()).containsExactly(expectedInput(g.bpeIds(), EOT));
            }
        }
    }

    @Test
    void openClipTokenizerPadsWithZero() {
        Path dir = tokenizerDir("tok-pad-zero", PAD_ZERO);
        try (ClipTokenizer tokenizer = ClipTokenizer.open(dir)) {
            assertThat(tokenizer.padId()).isZero();
            for (GoldenTokens g : golden) {
                assertThat(tokenizer.inputIds(g.text())).as(g.text()).containsExactly(expectedInput(g.bpeIds(), 0));
            }
        }
    }

    @Test
    void padIdComesFromTheArgumentTheManifestTheTokenizerFileTheTokenizerConfigThenTheEndToken() throws IOException {
        Path dir = tokenizerDir("tok-pad-sources", PAD_ZERO);
        try (ClipTokenizer fromFile = ClipTokenizer.open(dir);
             ClipTokenizer fromArgument = ClipTokenizer.open(dir, 320L)) {
            assertThat(fromFile.padId()).as("tokenizer.json padding").isZero();
            assertThat(fromArgument.padId()).isEqualTo(320);
        }
        ClipModelDirectories.manifest(dir, "{\"pad_token_id\": 49407}");
        try (ClipTokenizer t = ClipTokenizer.open(dir)) {
            assertThat(t.padId()).as("manifest over tokenizer.json").isEqualTo(EOT);
        }
        ClipModelDirectories.manifest(dir, null);
        ObjectNode json = (ObjectNode) JSON.readTree(dir.resolve("tokenizer.json").toFile());
        json.remove("padding");
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), json);
        try (ClipTokenizer t = ClipTokenizer.open(dir)) {
            assertThat(t.padId()).as("no padding anywhere: the end token").isEqualTo(EOT);
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"!\"}");
        try (ClipTokenizer t = ClipTokenizer.open(dir)) {
            assertThat(t.padId()).as("tokenizer_config.json pad_token").isZero();
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": {\"content\": \"<pad>\"}}");
        assertThatThrownBy(() -> ClipTokenizer.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Tokenizer config " + dir.resolve("tokenizer_config.json") + " names pad_token '<pad>',"
                        + " which " + dir.resolve("tokenizer.json") + " does not contain");
    }

    @Test
    void chunkedWindowsHoldConsecutive75TokenRunsEachFramedAndPadded() {
        GoldenTokens longest = golden.stream().max((a, b) -> a.bpeIds().length - b.bpeIds().length).orElseThrow();
        try (ClipTokenizer tokenizer = ClipTokenizer.open(tokenizerDir("tok-windows", PAD_END_TOKEN))) {
            long[] ids = longest.bpeIds();
            List<ClipTokenizer.Window> windows = tokenizer.windows(longest.text(), LongPromptPolicy.CHUNKED);
            assertThat(windows).hasSize((ids.length + 74) / 75);
            for (int w = 0; w < windows.size(); w++) {
                long[] part = Arrays.copyOfRange(ids, w * 75, Math.min(ids.length, (w + 1) * 75));
                assertThat(windows.get(w).tokens()).isEqualTo(part.length);
                assertThat(windows.get(w).ids()).containsExactly(expectedInput(part, EOT));
            }
            assertThat(tokenizer.windows(longest.text(), LongPromptPolicy.TRUNCATE)).singleElement()
                    .satisfies(w -> assertThat(w.ids()).containsExactly(expectedInput(ids, EOT)));
            ClipTokenizer.Window empty = tokenizer.windows("", LongPromptPolicy.CHUNKED).get(0);
            assertThat(empty.ids()).startsWith(SOT, EOT, EOT);
            assertThat(empty.tokens()).as("an empty text still weighs").isOne();
        }
    }

    @Test
    void aDirectoryWithoutTokenizerIsNamed() throws IOException {
        Path dir = Files.createDirectories(TestPaths.targetDir("test-models/clip/tok-missing"));
        Files.deleteIfExists(dir.resolve("tokenizer.json"));
        assertThatThrownBy(() -> ClipTokenizer.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("Model directory " + dir + " has no tokenizer.json (found: ")
                .hasMessageContaining("sdembed models clip-tokenizer");
    }

    @Test
    void aNonClipTokenizerIsRefused() throws IOException {
        Path dir = TestPaths.targetDir("test-models/clip/tok-bert");
        Files.copy(TestModels.bgeSmall().resolve("tokenizer.json"), dir.resolve("tokenizer.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> ClipTokenizer.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Tokenizer " + dir.resolve("tokenizer.json") + " has no <|startoftext|> token, so it is"
                        + " not a CLIP tokenizer. Use the CLIP model's tokenizer.json, or write one from OpenAI's"
                        + " vocabulary with: sdembed models clip-tokenizer");
    }

    static Path tokenizerDir(String name, String pad) {
        Path dir = TestPaths.targetDir("test-models/clip/" + name);
        try {
            for (String f : new String[] {"sdembed.json", "tokenizer_config.json", "model.onnx"}) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.copy(ClipTokenizers.forPad(bpe, pad), dir.resolve("tokenizer.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir;
    }
}
