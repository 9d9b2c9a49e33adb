package dev.sdembed.onnx;

import static dev.sdembed.testing.ClipModelDirectories.PAD_END_TOKEN;
import static dev.sdembed.testing.ClipModelDirectories.PREPROCESSOR_224;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.image.ClipPreprocessConfig;
import dev.sdembed.onnx.ModelVerifier.Problem;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.ImmichGeneration;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.OnnxModelBuilder.ExternalData;
import dev.sdembed.testing.SdPrompts;
import dev.sdembed.testing.TestImageFiles;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Immich's OpenCLIP exports as they are published, one generation each (generated graphs with the exact input and
 * output names, element types, batch axes and opsets of each exporter), give the embeddings of the same weights in
 * sdembed's own layout (int64 {@code input_ids} → {@code text_embeds}, float {@code pixel_values} → {@code image_embeds},
 * fed by {@link dev.sdembed.image.ClipPreprocessor}), whatever file layout their weights are in.
 */
class ImmichExportsTest {
    private static final Path IMAGES = TestPaths.targetDir("test-images/immich");
    private static final List<Path> FILES = new ArrayList<>();
    private static final ClipPreprocessConfig CLIP = ClipPreprocessConfig.clipDefaults();
    private static final List<String> TEXTS = List.of("a castle at night", "masterpiece, 1girl, cherry blossoms",
            "", SdPrompts.veryLong(120), "a red fox in the snow");

    @BeforeAll
    static void images() {
        int[][] sizes = {{300, 200}, {50, 90}, {224, 224}, {513, 257}, {128, 96}};
        for (int i = 0; i < sizes.length; i++) {
            FILES.add(TestImageFiles.pattern(IMAGES.resolve("pattern-" + i + ".png"), sizes[i][0], sizes[i][1],
                    40 + i, "png"));
        }
    }

    @ParameterizedTest
    @EnumSource(ImmichGeneration.class)
    void everyVisionGenerationEmbedsLikeTheSameWeightsInSdembedsLayout(ImmichGeneration generation) {
        Path own = ClipModelDirectories.vision("immich-own-vision", f -> ClipTestModels.openClipVision(f,
                VisionSpec.tiny(), "pixel_values", "image_embeds"), PREPROCESSOR_224, null);
        List<Embedding> expected;
        try (ClipVisionEncoder encoder = ClipVisionEncoder.builder(own).preprocessThreads(1).build()) {
            expected = encoder.embedFiles(FILES);
        }
        for (ExternalData weights : ExternalData.values()) {
            Path dir = immichVision("immich-vision-" + generation + "-" + weights, generation, weights);
            assertThat(ModelInspection.of(dir).kind()).isEqualTo(ModelKind.CLIP_VISION);
            assertThat(ModelVerifier.verify(dir).problems()).as(generation + ", " + weights).isEmpty();
            try (ClipVisionEncoder encoder = ClipVisionEncoder.builder(dir).preprocessThreads(1)
                    .options(OnnxOptions.builder().maxBatchSize(3).build()).build()) {
                assertThat(encoder.info().dimension()).isEqualTo(VisionSpec.tiny().dim());
                assertThat(encoder.preprocessing().doNormalize()).as("mean/std are the graph's")
                        .isEqualTo(!generation.uint8Pixels);
                List<Embedding> actual = encoder.embedFiles(FILES);
                for (int i = 0; i < FILES.size(); i++) {
                    assertThat(actual.get(i).maxAbsDifference(expected.get(i))).as("%s, %s, image %d", generation,
                            weights, i).isLessThan(tolerance(generation));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ImmichGeneration.class)
    void everyTextGenerationEmbedsLikeTheSameWeightsInSdembedsLayout(ImmichGeneration generation) {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path tokenizer = ClipTokenizers.forPad(bpe, PAD_END_TOKEN);
        Path own = ClipModelDirectories.text("immich-own-text", tokenizer,
                f -> ClipTestModels.openClipText(f, TextSpec.tiny(), "input_ids", "text_embeds"), null);
        List<Embedding> expected;
        try (ClipTextEncoder encoder = ClipTextEncoder.open(own)) {
            expected = encoder.embedAll(TEXTS);
        }
        for (ExternalData weights : ExternalData.values()) {
            Path dir = ClipModelDirectories.text("immich-text-" + generation + "-" + weights, tokenizer,
                    f -> ClipTestModels.immichText(f, TextSpec.tiny(), generation, weights),
                    "{\"kind\": \"clip-text\", \"dimension\": 8, \"pad_token_id\": 49407}");
            assertThat(ModelInspection.of(dir).kind()).isEqualTo(ModelKind.CLIP_TEXT);
            assertThat(ModelVerifier.verify(dir).problems()).as(generation + ", " + weights).isEmpty();
            try (ClipTextEncoder encoder = ClipTextEncoder.builder(dir)
                    .options(OnnxOptions.builder().maxBatchSize(4).build()).build()) {
                List<Embedding> batched = encoder.embedAll(TEXTS);
                for (int i = 0; i < TEXTS.size(); i++) {
                    assertThat(batched.get(i).maxAbsDifference(expected.get(i))).as("%s, %s, text %d", generation,
                            weights, i).isLessThan(tolerance(generation));
                    assertThat(encoder.embed(TEXTS.get(i)).maxAbsDifference(batched.get(i)))
                            .as("one text alone gives what it gives in a batch").isLessThan(1e-6);
                }
                // A fixed batch axis caps every inference at its size; a dynamic one takes the configured 4.
                if (generation.dynamicBatch) {
                    assertThat(encoder.inputShapes()).contains("text[4, 77]");
                } else {
                    assertThat(encoder.inputShapes()).containsExactly("text[1, 77]");
                }
            }
        }
    }

    @Test
    void theFingerprintCoversEveryWeightFile() throws IOException {
        for (ExternalData weights : List.of(ExternalData.ONE_FILE, ExternalData.FILE_PER_TENSOR)) {
            Path dir = immichVision("immich-fingerprint-" + weights, ImmichGeneration.OPSET_17, weights);
            List<Path> data;
            try (var files = Files.list(dir)) {
                data = files.filter(f -> !f.getFileName().toString().endsWith(".json")
                        && !f.getFileName().toString().equals("model.onnx")).sorted().toList();
            }
            assertThat(data).as(weights.toString()).hasSize(weights == ExternalData.ONE_FILE ? 1 : 2);
            String before = ModelDirectory.open(dir).fingerprint();
            assertThat(before).isNotEqualTo(ContentHash.ofFile(dir.resolve("model.onnx")).hex());

            Path last = data.get(data.size() - 1);
            byte[] bytes = Files.readAllBytes(last);
            bytes[bytes.length - 1] ^= 1;
            Files.write(last, bytes);
            assertThat(ModelDirectory.open(dir).fingerprint()).as("a changed weight file, " + weights)
                    .isNotEqualTo(before);
        }
    }

    @Test
    void verifyStillNamesWhatIsWrongInABrokenExport() throws IOException {
        Path dir = immichVision("immich-broken", ImmichGeneration.OPSET_23_UINT8, ExternalData.FILE_PER_TENSOR);
        Files.delete(dir.resolve("visual_projection_attr__value"));

        List<Problem> problems = ModelVerifier.verify(dir).problems();

        assertThat(problems).extracting(Problem::message)
                .anyMatch(m -> m.contains("external-data file 'visual_projection_attr__value'"));

        Path fourChannels = ClipModelDirectories.vision("immich-rgba", f -> new dev.sdembed.testing.OnnxModelBuilder(
                "rgba").input("image", dev.sdembed.testing.OnnxModelBuilder.UINT8, "batch", 224, 224, 4)
                .node("Cast", List.of("image"), List.of("f"), dev.sdembed.testing.OnnxModelBuilder.Attr.i("to", 1))
                .node("ReduceMean", List.of("f"), List.of("embedding"),
                        dev.sdembed.testing.OnnxModelBuilder.Attr.ints("axes", 1, 2),
                        dev.sdembed.testing.OnnxModelBuilder.Attr.i("keepdims", 0))
                .output("embedding", dev.sdembed.testing.OnnxModelBuilder.FLOAT, "batch", 4).write(f),
                PREPROCESSOR_224, "{\"kind\": \"clip-vision\"}");
        assertThat(ModelVerifier.verify(fourChannels).problems()).extracting(Problem::message)
                .anyMatch(m -> m.contains("input 'image' is UINT8 [batch,224,224,4]; expected float32 [batch, 3, S, S]"
                        + " or uint8 [batch, S, S, 3]"));
    }

    /** A vision directory as {@code sdembed models pull} leaves it: Immich's graph, HF preprocessing, sdembed.json. */
    private static Path immichVision(String name, ImmichGeneration generation, ExternalData weights) {
        return ClipModelDirectories.vision(name, f -> ClipTestModels.immichVision(f, VisionSpec.tiny(), generation,
                CLIP.mean(), CLIP.std(), weights), PREPROCESSOR_224, "{\"kind\": \"clip-vision\", \"dimension\": 8}");
    }

    /** float16 outputs carry 11 significant bits: an embedding component of a unit vector moves by under 1e-3. */
    private static double tolerance(ImmichGeneration generation) {
        return generation.fp16Outputs ? 2e-3 : 1e-5;
    }
}
