package dev.sdembed.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClipPreprocessorTest {

    @Test
    void shortestEdgeResizeTruncatesTheLongEdgeAsPython() {
        ClipPreprocessor p = ClipPreprocessor.of(ClipPreprocessConfig.clipDefaults());
        assertThat(p.resizedSize(512, 300)).containsExactly(382, 224); // 224 * 512 / 300 = 382.29
        assertThat(p.resizedSize(257, 333)).containsExactly(224, 290); // 290.23
        assertThat(p.resizedSize(100, 100)).containsExactly(224, 224);
        assertThat(p.resizedSize(1, 3000)).containsExactly(224, 672000);
    }

    @Test
    void immichRoundingRoundsTheRatioFirstAsImmichsResizePil() {
        ClipPreprocessor transformers = ClipPreprocessor.of(ClipPreprocessConfig.clipDefaults());
        ClipPreprocessor immich = ClipPreprocessor.of(ClipPreprocessConfig.clipDefaults().toBuilder()
                .longEdgeRounding(ClipPreprocessConfig.LongEdgeRounding.IMMICH).build());
        // 61 / 7 * 224 is 1951.9999999999998 in doubles; 224 * 61 / 7 is exactly 1952.
        assertThat(transformers.resizedSize(7, 61)).containsExactly(224, 1952);
        assertThat(immich.resizedSize(7, 61)).containsExactly(224, 1951);
        assertThat(immich.resizedSize(61, 7)).containsExactly(1951, 224);
        // Elsewhere the two agree, e.g. for Stable Diffusion's sizes.
        for (int[] size : new int[][] {{512, 300}, {896, 1152}, {832, 1216}, {1344, 768}, {100, 100}}) {
            assertThat(immich.resizedSize(size[0], size[1])).containsExactly(transformers.resizedSize(size[0], size[1]));
        }
    }

    @Test
    void size336ProducesA336TensorCroppedAtTheCentre() {
        // 400x300: resized to 448x336, then columns 56..391 are kept.
        byte[] rgb = new byte[400 * 300 * 3];
        for (int y = 0; y < 300; y++) {
            for (int x = 0; x < 400; x++) {
                rgb[(y * 400 + x) * 3] = (byte) (x < 200 ? 0 : 255);
            }
        }
        ClipPreprocessConfig config = ClipPreprocessConfig.clipDefaults(336);
        PixelTensor t = ClipPreprocessor.of(config).preprocess(RgbImage.of(400, 300, rgb));
        assertThat(t.shape()).containsExactly(3, 336, 336);
        float black = (0 - 0.48145466f) / 0.26862954f;
        float white = (1f - 0.48145466f) / 0.26862954f;
        // The black/white edge sits at x = 224 of the 448-wide resize, i.e. x = 168 of the crop.
        assertThat(t.get(0, 100, 150)).isEqualTo(black);
        assertThat(t.get(0, 100, 186)).isEqualTo(white);
        assertThat(t.get(0, 100, 0)).isEqualTo(black);
        assertThat(t.get(0, 100, 335)).isEqualTo(white);
        assertThat(t.get(0, 100, 167)).isLessThan(0);
        assertThat(t.get(0, 100, 168)).isGreaterThan(0);
    }

    @Test
    void cropLargerThanTheImageIsPaddedWithZeroPixels() {
        ClipPreprocessConfig config = ClipPreprocessConfig.builder().doResize(false).cropSize(6, 5)
                .doNormalize(false).build();
        byte[] rgb = new byte[3 * 2 * 3];
        java.util.Arrays.fill(rgb, (byte) 255);
        PixelTensor t = ClipPreprocessor.of(config).preprocess(RgbImage.of(3, 2, rgb));
        assertThat(t.shape()).containsExactly(3, 6, 5);
        // transformers: top pad ceil((6 - 2) / 2) = 2, left pad ceil((5 - 3) / 2) = 1.
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 5; x++) {
                boolean image = y >= 2 && y < 4 && x >= 1 && x < 4;
                assertThat(t.get(1, y, x)).as("(%d, %d)", x, y).isEqualTo(image ? 1f : 0f);
            }
        }
    }

    @Test
    void rescaleAndNormaliseUseFloat32AsNumpy() {
        ClipPreprocessConfig config = ClipPreprocessConfig.builder().doResize(false).cropSize(1).build();
        byte[] rgb = {(byte) 128, 64, 0};
        PixelTensor t = ClipPreprocessor.of(config).preprocess(RgbImage.of(1, 1, rgb));
        assertThat(t.get(0, 0, 0)).isEqualTo(((float) (128 * (1 / 255.0)) - 0.48145466f) / 0.26862954f);
        assertThat(t.get(1, 0, 0)).isEqualTo(((float) (64 * (1 / 255.0)) - 0.4578275f) / 0.26130258f);
        assertThat(t.get(2, 0, 0)).isEqualTo((0f - 0.40821073f) / 0.27577711f);
        assertThat(t.toLittleEndianBytes()).hasSize(12);
    }
}
