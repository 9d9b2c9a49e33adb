package dev.sdembed.bench.realistic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sdembed.bench.realistic.RealisticModels.Spec;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.OnnxEncoders;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.testing.TestImageFiles;
import dev.sdembed.testing.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Generated models load in ONNX Runtime with the real output dimension and embed through the SDK's encoders. Only
 * ViT-B/32 is generated at full depth (≈ 350 MB); the others with 2 blocks, which keeps every operator, the full
 * token table and the real widths.
 */
class RealisticModelsTest {
    private static final OnnxOptions OPTIONS = OnnxOptions.builder().intraOpThreads(2).build();

    @Test
    void fullDepthVitB32EmbedsImagesAtItsRealDimension() {
        Path dir = RealisticModels.directory(Spec.of(RealisticArch.VIT_B_32), null);

        assertImageModel(dir, RealisticArch.VIT_B_32);
    }

    @ParameterizedTest
    @EnumSource(value = RealisticArch.class, names = {"VIT_L_14", "VIT_H_14"})
    void twoBlockVisionModelsEmbedImages(RealisticArch arch) {
        assertImageModel(RealisticModels.directory(Spec.of(arch).withLayers(2), null), arch);
    }

    @ParameterizedTest
    @EnumSource(value = RealisticArch.class, names = {"CLIP_L_TEXT", "BIGG_TEXT"})
    void twoBlockTextModelsEmbedPromptsAtTheEndToken(RealisticArch arch) {
        Path dir = RealisticModels.directory(Spec.of(arch).withLayers(2), bpe());

        // OnnxEncoders picks the encoder from the graph's signature, as for a real export.
        try (TextEncoder encoder = OnnxEncoders.text(dir, OPTIONS)) {
            assertThat(encoder.info().dimension()).isEqualTo(arch.dimension());
            List<Embedding> e = encoder.embedAll(List.of("a castle on a hill, oil painting",
                    "a castle on a hill, oil painting", "a castle on a hill, watercolor"));

            assertThat(e).allSatisfy(x -> {
                assertThat(x.dimension()).isEqualTo(arch.dimension());
                assertThat(x.norm()).isCloseTo(1.0, within(1e-4));
            });
            assertThat(e.get(0).maxAbsDifference(e.get(1))).isZero();
            // The causal tower pools at the end token, so a different last word changes the embedding.
            assertThat(e.get(0).cosine(e.get(2))).isLessThan(0.9999);
        }
    }

    @Test
    void externalWeightsGiveTheSameEmbeddingsAsInlineOnes() {
        Path root = TestPaths.targetDir("realistic-models-external");
        Spec spec = Spec.of(RealisticArch.VIT_H_14).withLayers(1);
        Path inline = RealisticModels.directory(spec, null, root.resolve("inline"), RealisticModels.INLINE_LIMIT);
        Path external = RealisticModels.directory(spec, null, root.resolve("external"), 0);

        assertThat(external.resolve(RealisticModels.EXTERNAL_DATA)).isRegularFile();
        assertThat(inline.resolve(RealisticModels.EXTERNAL_DATA)).doesNotExist();
        assertThat(embedPattern(external).maxAbsDifference(embedPattern(inline))).isZero();
    }

    @Test
    void reusesACachedModelAndRegeneratesWhenTheGeneratorVersionDiffers() throws Exception {
        Path root = TestPaths.targetDir("realistic-models-cache");
        Spec spec = Spec.of(RealisticArch.VIT_B_32).withLayers(1);
        Path dir = RealisticModels.directory(spec, null, root, RealisticModels.INLINE_LIMIT);
        Path model = dir.resolve("model.onnx");
        Files.writeString(dir.resolve("marker"), "kept while cached");

        RealisticModels.directory(spec, null, root, RealisticModels.INLINE_LIMIT);
        assertThat(dir.resolve("marker")).exists();

        Files.writeString(dir.resolve(RealisticModels.VERSION_FILE), "0 older generator\n");
        RealisticModels.directory(spec, null, root, RealisticModels.INLINE_LIMIT);
        assertThat(dir.resolve("marker")).doesNotExist();
        assertThat(model).isRegularFile();
        assertThat(Files.readString(dir.resolve(RealisticModels.VERSION_FILE))).startsWith(
                RealisticModels.GENERATOR_VERSION + " vit-b-32-1l ");
    }

    private static void assertImageModel(Path dir, RealisticArch arch) {
        Embedding e = embedPattern(dir);
        assertThat(e.dimension()).isEqualTo(arch.dimension());
        assertThat(e.norm()).isCloseTo(1.0, within(1e-4));
    }

    private static Embedding embedPattern(Path dir) {
        Path image = TestImageFiles.pattern(TestPaths.targetDir("realistic-images").resolve("pattern.png"),
                320, 240, 3, "png");
        try (ImageEncoder encoder = OnnxEncoders.image(dir, OPTIONS)) {
            return encoder.embedFiles(List.of(image)).get(0);
        }
    }

    private static Path bpe() {
        return TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
    }
}
