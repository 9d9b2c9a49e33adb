package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.onnx.ClipTextEncoder;
import dev.sdembed.onnx.ClipVisionEncoder;
import dev.sdembed.onnx.LongPromptPolicy;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.TestImageFiles;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.SdPrompts;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** sdembed tokenize, embed-image, and embed-text on CLIP text models. */
class ClipCommandsTest {
    private static final Path IMAGES = TestPaths.targetDir("cli-clip-images");
    private static Path visionDir;
    private static Path cat;
    private static Path fox;

    @BeforeAll
    static void models() {
        visionDir = ClipModelDirectories.vision("cli-vision", f -> ClipTestModels.hfVisionWithProjection(f,
                VisionSpec.tiny()), null, null);
        cat = TestImageFiles.pattern(IMAGES.resolve("cat.png"), 300, 200, 1, "png");
        fox = TestImageFiles.pattern(IMAGES.resolve("fox.jpg"), 200, 260, 2, "jpg");
    }

    private static Path bpe() {
        return TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
    }

    @Test
    void tokenizePrints77IdsPerTextFromATokenizerOnlyFolder() throws IOException {
        Path dir = TestPaths.targetDir("cli-tokenizer-only");
        Files.deleteIfExists(dir.resolve("sdembed.json"));
        Files.copy(ClipTokenizers.forPad(bpe(), ClipModelDirectories.PAD_END_TOKEN),
                dir.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRun run = CliRun.of("tokenize", "--model-dir", dir.toString(), "a photo of a cat", SdPrompts.veryLong(100));

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.outLines();
        assertThat(lines).hasSize(2);
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        assertThat(first.get("text").asText()).isEqualTo("a photo of a cat");
        long[] expected = new long[77];
        java.util.Arrays.fill(expected, 49407);
        long[] framed = {49406, 320, 1125, 539, 320, 2368, 49407};
        System.arraycopy(framed, 0, expected, 0, framed.length);
        assertThat(ids(first)).containsExactly(expected);
        long[] cut = ids(Json.MAPPER.readTree(lines.get(1)));
        assertThat(cut).hasSize(77);
        assertThat(cut[0]).isEqualTo(49406);
        assertThat(cut[76]).as("the end token stays last").isEqualTo(49407);

        Files.writeString(dir.resolve("sdembed.json"), "{\"pad_token_id\": 0}");
        long[] zeroPadded = ids(Json.MAPPER.readTree(CliRun.of("tokenize", "--model-dir", dir.toString(), "a cat")
                .out()));
        assertThat(zeroPadded).startsWith(49406, 320, 2368, 49407, 0).endsWith(0);
    }

    @Test
    void tokenizeWithoutATokenizerIsAOneLineError() {
        Path dir = TestPaths.targetDir("cli-no-tokenizer");
        CliRun run = CliRun.of("tokenize", "--model-dir", dir.toString(), "x");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).singleElement().asString()
                .startsWith("sdembed: Model directory " + dir + " has no tokenizer.json");
    }

    @Test
    void embedImagePrintsTheEncodersEmbeddingsInInputOrder() throws IOException {
        CliRun run = CliRun.of("embed-image", "--model-dir", visionDir.toString(), "--batch-size", "1",
                "--preprocess-threads", "1", fox.toString(), cat.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.outLines();
        assertThat(lines).hasSize(2);
        try (ClipVisionEncoder encoder = ClipVisionEncoder.open(visionDir)) {
            List<Embedding> expected = encoder.embedFiles(List.of(fox, cat));
            for (int i = 0; i < 2; i++) {
                JsonNode line = Json.MAPPER.readTree(lines.get(i));
                assertThat(line.get("image").asText()).isEqualTo((i == 0 ? fox : cat).toString());
                assertThat(line.get("dim").asInt()).isEqualTo(8);
                assertThat(embedding(line).maxAbsDifference(expected.get(i))).isLessThan(1e-6);
            }
        }
    }

    @Test
    void aBadImageGetsAnErrorLineTheOthersAreStillEmbeddedAndTheExitCodeSaysSo() throws IOException {
        Path empty = Files.write(IMAGES.resolve("empty.png"), new byte[0]);
        CliRun run = CliRun.of("embed-image", "--model-dir", visionDir.toString(), cat.toString(), empty.toString(),
                fox.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.outLines()) {
            lines.add(Json.MAPPER.readTree(line));
        }
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).get("dim").asInt()).isEqualTo(8);
        assertThat(lines.get(1).get("image").asText()).isEqualTo(empty.toString());
        assertThat(lines.get(1).get("error").asText())
                .isEqualTo("Cannot decode image " + empty + ": empty file (0 bytes)");
        assertThat(lines.get(1).has("embedding")).isFalse();
        assertThat(lines.get(2).get("image").asText()).isEqualTo(fox.toString());
        assertThat(run.errLines()).containsExactly(
                "sdembed: 1 of 3 images could not be embedded (see their \"error\" lines)");
    }

    @Test
    void embedImageOnAnUnavailableGpuFailsOrFallsBackAsAsked() {
        CliRun failing = CliRun.of("embed-image", "--model-dir", visionDir.toString(), "--device", "cuda:0",
                cat.toString());
        assertThat(failing.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(failing.out()).isEmpty();
        assertThat(failing.errLines()).singleElement().asString()
                .startsWith("sdembed: Encoder 'cli-vision' cannot run on cuda:0: ");

        CliRun fallback = CliRun.of("embed-image", "--model-dir", visionDir.toString(), "--device", "cuda:0",
                "--device-fallback", "cpu", cat.toString());
        assertThat(fallback.exitCode()).as(fallback.err()).isZero();
        assertThat(fallback.outLines()).hasSize(1);
    }

    @Test
    void embedImageRejectsNonsenseLimits() {
        CliRun run = CliRun.of("embed-image", "--model-dir", visionDir.toString(), "--max-pixels", "0",
                cat.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("sdembed: --max-pixels is 0; expected 1 to 700000000");
        CliRun threads = CliRun.of("embed-image", "--model-dir", visionDir.toString(), "--preprocess-threads",
                "100000", cat.toString());
        assertThat(threads.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(threads.errLines()).containsExactly("sdembed: --preprocess-threads is 100000; expected 1 to 1024");
    }

    @Test
    void embedTextWorksForClipTextModelsWithEitherLongPromptPolicy() throws IOException {
        Path dir = ClipModelDirectories.text("cli-text", ClipTokenizers.forPad(bpe(), ClipModelDirectories.PAD_END_TOKEN),
                f -> ClipTestModels.hfTextWithProjection(f, TextSpec.tiny()), null);
        String longPrompt = SdPrompts.veryLong(160);
        CliRun truncated = CliRun.of("embed-text", "--model-dir", dir.toString(), "a cat", longPrompt);
        CliRun chunked = CliRun.of("embed-text", "--model-dir", dir.toString(), "--long-prompts", "chunked", "a cat",
                longPrompt);
        assertThat(truncated.exitCode()).as(truncated.err()).isZero();
        assertThat(chunked.exitCode()).as(chunked.err()).isZero();
        try (ClipTextEncoder truncating = ClipTextEncoder.open(dir);
             ClipTextEncoder chunking = ClipTextEncoder.builder(dir).longPrompts(LongPromptPolicy.CHUNKED).build()) {
            List<String> t = truncated.outLines();
            List<String> c = chunked.outLines();
            assertThat(embedding(Json.MAPPER.readTree(t.get(1))).maxAbsDifference(truncating.embed(longPrompt)))
                    .isLessThan(1e-6);
            assertThat(embedding(Json.MAPPER.readTree(c.get(1))).maxAbsDifference(chunking.embed(longPrompt)))
                    .isLessThan(1e-6);
            assertThat(embedding(Json.MAPPER.readTree(c.get(1))).maxAbsDifference(truncating.embed(longPrompt)))
                    .as("chunking changes a long prompt").isGreaterThan(1e-3);
            assertThat(Json.MAPPER.readTree(c.get(0)).get("embedding"))
                    .as("and leaves a short one alone").isEqualTo(Json.MAPPER.readTree(t.get(0)).get("embedding"));
        }
    }

    @Test
    void longPromptPolicyOnABertModelIsAUsageError() {
        CliRun run = CliRun.of("embed-text", "--model-dir", TestModels.bgeSmall().toString(), "--long-prompts",
                "chunked", "x");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).singleElement().asString()
                .startsWith("sdembed: Long prompt policy CHUNKED applies to CLIP text models; ");
    }

    private static long[] ids(JsonNode line) {
        JsonNode ids = line.get("ids");
        long[] out = new long[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i).asLong();
        }
        return out;
    }

    private static Embedding embedding(JsonNode line) {
        JsonNode values = line.get("embedding");
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) values.get(i).asDouble();
        }
        return Embedding.of(v);
    }
}
