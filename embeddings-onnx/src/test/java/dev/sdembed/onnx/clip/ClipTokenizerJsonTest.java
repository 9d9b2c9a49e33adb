package dev.sdembed.onnx.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.testing.GoldenTokens;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The written tokenizer.json, loaded by DJL's Hugging Face tokenizer (the runtime the encoders use), must give the
 * ids of OpenAI's reference tokenizer for every golden line.
 */
class ClipTokenizerJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @BeforeAll
    static void offlineCpuTokenizer() {
        // DJL would fetch a CUDA build where it sees CUDA; the bundled CPU build is the one to use.
        if (System.getProperty("RUST_FLAVOR") == null) {
            System.setProperty("RUST_FLAVOR", "cpu");
        }
    }

    @Test
    void reproducesEveryGoldenLineOfOpenAisTokenizer() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path file = ClipTokenizerJson.write(bpe, dir, null);
        List<GoldenTokens> golden = GoldenTokens.fixture();
        assertThat(golden).hasSizeGreaterThanOrEqualTo(10);
        try (HuggingFaceTokenizer raw = HuggingFaceTokenizer.builder().optTokenizerPath(file)
                .optAddSpecialTokens(true).optTruncation(false).optPadding(false).build()) {
            for (GoldenTokens g : golden) {
                long[] expected = frame(g.bpeIds());
                assertThat(raw.encode(g.text()).getIds()).as(g.text()).containsExactly(expected);
            }
        }
    }

    @Test
    void huggingFaceVocabAndMergesConvertToTheSameTokenizerAsOpenAisBpeFile() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path hfFiles = dev.sdembed.onnx.testing.ClipTokenizers.huggingFaceFiles(bpe, dir.resolve("tokenizer_2"));
        Path converted = ClipTokenizerJson.writeFromHuggingFaceFiles(hfFiles.resolve("vocab.json"),
                hfFiles.resolve("merges.txt"), dir.resolve("converted"), "!");
        Path fromBpe = ClipTokenizerJson.write(bpe, dir.resolve("from-bpe"), "!");

        assertThat(Files.readAllBytes(converted)).as("the same document").isEqualTo(Files.readAllBytes(fromBpe));
        assertThat(JSON.readTree(converted.toFile()).at("/padding/pad_id").asInt()).as("SDXL's tokenizer_2 pad")
                .isZero();
        try (HuggingFaceTokenizer a = contextLength77(converted); HuggingFaceTokenizer b = contextLength77(fromBpe)) {
            for (GoldenTokens g : GoldenTokens.fixture()) {
                assertThat(a.encode(g.text()).getIds()).as(g.text()).containsExactly(b.encode(g.text()).getIds())
                        .containsExactly(contextOf(g.bpeIds(), 0));
            }
        }
    }

    @Test
    void aVocabularyThatIsNotClipsIsRefusedNamingTheFile() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path hfFiles = dev.sdembed.onnx.testing.ClipTokenizers.huggingFaceFiles(bpe, dir.resolve("tokenizer"));
        Path vocab = hfFiles.resolve("vocab.json");
        Files.writeString(vocab, Files.readString(vocab).replace("\"a\" : 64,", "\"a\" : 65,"));

        assertThatThrownBy(() -> ClipTokenizerJson.writeFromHuggingFaceFiles(vocab, hfFiles.resolve("merges.txt"),
                dir.resolve("out"), "!"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Vocabulary " + vocab + " is not the CLIP vocabulary that " + hfFiles.resolve("merges.txt")
                        + " makes ('a' is 65 there, 64 in CLIP's); only OpenAI's CLIP BPE files can be converted");
        Files.writeString(hfFiles.resolve("merges.txt"), "#version: 0.2\na b\n");
        assertThatThrownBy(() -> ClipTokenizerJson.writeFromHuggingFaceFiles(vocab, hfFiles.resolve("merges.txt"),
                dir.resolve("out"), "!"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Merges file " + hfFiles.resolve("merges.txt") + " has 1 merges; CLIP needs 48894 (is it a"
                        + " CLIP tokenizer's merges.txt?)");
    }

    @Test
    void truncatesTo77KeepingTheEndTokenAndPadsWithTheEndToken() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path file = ClipTokenizerJson.write(bpe, dir, null);
        JsonNode json = JSON.readTree(file.toFile());
        assertThat(json.at("/padding/pad_id").asInt()).isEqualTo(49407);
        assertThat(json.at("/padding/pad_token").asText()).isEqualTo("<|endoftext|>");
        List<GoldenTokens> golden = GoldenTokens.fixture();
        assertThat(golden).anySatisfy(g -> assertThat(g.bpeIds().length).isGreaterThan(75));
        try (HuggingFaceTokenizer tokenizer = contextLength77(file)) {
            for (GoldenTokens g : golden) {
                Encoding encoding = tokenizer.encode(g.text());
                assertThat(encoding.getIds()).as(g.text()).containsExactly(contextOf(g.bpeIds(), 49407));
                long attended = Arrays.stream(encoding.getAttentionMask()).sum();
                assertThat(attended).isEqualTo(Math.min(77, g.bpeIds().length + 2));
            }
        }
    }

    @Test
    void openClipPadsWithIdZero() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path file = ClipTokenizerJson.write(bpe, dir, "!");
        try (HuggingFaceTokenizer tokenizer = contextLength77(file)) {
            for (GoldenTokens g : GoldenTokens.fixture()) {
                assertThat(tokenizer.encode(g.text()).getIds()).as(g.text()).containsExactly(contextOf(g.bpeIds(), 0));
            }
        }
    }

    @Test
    void vocabularyIsOpenAis() {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Map<String, Integer> vocab = ClipTokenizerJson.vocabulary(ClipTokenizerJson.readMerges(bpe));
        assertThat(vocab).hasSize(49_408);
        assertThat(vocab.get("!")).isZero();
        assertThat(vocab.get("!</w>")).isEqualTo(256);
        assertThat(vocab.get("<|startoftext|>")).isEqualTo(49406);
        assertThat(vocab.get("<|endoftext|>")).isEqualTo(49407);
        // Golden: "a photo of a cat" is 320 1125 539 320 2368.
        assertThat(vocab.get("a</w>")).isEqualTo(320);
        assertThat(vocab.get("cat</w>")).isEqualTo(2368);
        assertThat(ClipTokenizerJson.byteAlphabet()).hasSize(256).doesNotHaveDuplicates().contains("Ġ", "Ā");
    }

    @Test
    void rejectsAPadTokenOutsideTheVocabulary() {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        assertThatThrownBy(() -> ClipTokenizerJson.write(bpe, dir, "<pad>"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("Pad token '<pad>' is not in the CLIP vocabulary");
    }

    @Test
    void namesTheFileOfEveryBadVocabulary() throws IOException {
        Path missing = dir.resolve("missing.txt.gz");
        assertThatThrownBy(() -> ClipTokenizerJson.readMerges(missing))
                .isInstanceOf(ModelLoadException.class).hasMessage("BPE vocabulary " + missing + " does not exist");

        Path plain = Files.writeString(dir.resolve("plain.txt"), "#version: 0.2\na b\n");
        assertThatThrownBy(() -> ClipTokenizerJson.readMerges(plain))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("is not gzip-compressed");

        Path tooShort = gzip("short.txt.gz", "#version: 0.2\ni n\nt h\n");
        assertThatThrownBy(() -> ClipTokenizerJson.readMerges(tooShort))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("BPE vocabulary " + tooShort + " has 2 merges; CLIP needs 48894 (is it"
                        + " bpe_simple_vocab_16e6.txt.gz?)");

        Path malformed = gzip("bad.txt.gz", "#version: 0.2\ni n\nthree symbols here\n");
        assertThatThrownBy(() -> ClipTokenizerJson.readMerges(malformed))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("line 3 is not a merge of two symbols");
    }

    /**
     * DJL drops a file's padding unless padding is asked for; asked for, it pads with the file's pad id (which is
     * what is under test: DJL's own default would be 0).
     */
    private static HuggingFaceTokenizer contextLength77(Path file) throws IOException {
        return HuggingFaceTokenizer.builder().optTokenizerPath(file).optAddSpecialTokens(true)
                .optTruncation(true).optPadding(true).optPadToMaxLength().optMaxLength(77).build();
    }

    private Path gzip(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    private static long[] frame(long[] bpe) {
        long[] ids = new long[bpe.length + 2];
        ids[0] = 49406;
        System.arraycopy(bpe, 0, ids, 1, bpe.length);
        ids[ids.length - 1] = 49407;
        return ids;
    }

    /** [sot] + bpe + [eot], truncated to 77 with eot kept last, then padded to 77. */
    private static long[] contextOf(long[] bpe, long padId) {
        long[] framed = frame(bpe);
        long[] ids = new long[77];
        Arrays.fill(ids, padId);
        if (framed.length > 77) {
            System.arraycopy(framed, 0, ids, 0, 76);
            ids[76] = 49407;
        } else {
            System.arraycopy(framed, 0, ids, 0, framed.length);
        }
        return ids;
    }
}
