package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestPaths;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Precision FP16 loads {@code model_fp16.onnx} beside {@code model.onnx}. Real fp16 CLIP weights cannot be had here,
 * so the variant is another tiny random-weight graph with the same signature: what is tested is which file is
 * loaded and fingerprinted, not fp16 arithmetic.
 */
class PrecisionVariantTest {

    @Test
    void fp16LoadsAndFingerprintsTheVariantFile() {
        Path dir = ClipModelDirectories.vision("precision-variant", f -> ClipTestModels.hfVisionWithProjection(f,
                VisionSpec.tiny()), null, null);
        Path variant = ClipTestModels.hfVisionWithProjection(dir.resolve(ModelDirectory.FP16_MODEL_FILE),
                new VisionSpec(224, 32, 16, 8, 99));
        Path image = SdTestImages.a1111(TestPaths.targetDir("precision-variant-images").resolve("a.png"), 16, 3,
                "a red fox", null);
        OnnxOptions fp16 = OnnxOptions.builder().intraOpThreads(1).precision(OnnxOptions.Precision.FP16).build();
        try (ClipVisionEncoder full = ClipVisionEncoder.builder(dir).preprocessThreads(1).build();
             ClipVisionEncoder half = ClipVisionEncoder.builder(dir).options(fp16).preprocessThreads(1).build()) {
            assertThat(half.info().fingerprint()).isEqualTo(ContentHash.ofFile(variant).hex())
                    .isNotEqualTo(full.info().fingerprint());
            assertThat(full.info().fingerprint()).isEqualTo(ContentHash.ofFile(dir.resolve("model.onnx")).hex());
            Embedding a = full.embedFile(image);
            Embedding b = half.embedFile(image);
            assertThat(a.maxAbsDifference(b)).as("different weights were loaded").isGreaterThan(1e-3f);
        }
    }

    @Test
    void fp16WithoutTheVariantNamesTheMissingFile() {
        Path dir = ClipModelDirectories.vision("precision-missing", f -> ClipTestModels.hfVisionWithProjection(f,
                VisionSpec.tiny()), null, null);
        OnnxOptions fp16 = OnnxOptions.builder().precision(OnnxOptions.Precision.FP16).build();

        assertThatThrownBy(() -> ClipVisionEncoder.builder(dir).options(fp16).build())
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("Model directory " + dir.toAbsolutePath().normalize()
                        + " has no model_fp16.onnx (found: model.onnx) for precision fp16.");
    }
}
