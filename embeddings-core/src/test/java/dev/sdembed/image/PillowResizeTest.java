package dev.sdembed.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PillowResizeTest {

    /**
     * An independent, floating-point formulation of the same antialiased convolution (double weights, no fixed
     * point; like Pillow it rounds and clips to 8 bits between the passes, which matters on noise): Pillow's integer
     * pipeline may differ from it by rounding only. Catches wrong supports, centres, bounds or pass order, which
     * would be off by far more.
     */
    @ParameterizedTest
    @EnumSource(ResampleFilter.class)
    void agreesWithAFloatingPointConvolutionUpToRounding(ResampleFilter filter) {
        RgbImage image = noise(97, 61, 3);
        for (int[] size : new int[][] {{224, 130}, {40, 23}, {336, 211}, {97, 30}, {50, 61}}) {
            RgbImage fast = PillowResize.resize(image, size[0], size[1], filter);
            double[] exact = floatResize(image, size[0], size[1], filter);
            int worst = 0;
            for (int i = 0; i < exact.length; i++) {
                int expected = (int) Math.max(0, Math.min(255, Math.round(exact[i])));
                worst = Math.max(worst, Math.abs(expected - (fast.buffer()[i] & 0xff)));
            }
            assertThat(worst).as("%s to %dx%d", filter, size[0], size[1]).isLessThanOrEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(ResampleFilter.class)
    void keepsAFlatColourFlat(ResampleFilter filter) {
        byte[] rgb = new byte[50 * 31 * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) 12;
            rgb[i + 1] = (byte) 200;
            rgb[i + 2] = (byte) 255;
        }
        RgbImage resized = PillowResize.resize(RgbImage.of(50, 31, rgb), 17, 80, filter);
        for (int y = 0; y < 80; y++) {
            for (int x = 0; x < 17; x++) {
                assertThat(resized.rgbAt(x, y)).isEqualTo(0x0cc8ff);
            }
        }
    }

    @Test
    void sameSizeIsTheSameImage() {
        RgbImage image = noise(20, 10, 1);
        assertThat(PillowResize.resize(image, 20, 10, ResampleFilter.BICUBIC)).isSameAs(image);
    }

    @Test
    void bicubicOvershootIsClippedTo8Bits() {
        // A hard black/white edge rings under bicubic: the result must be clipped, not wrapped around.
        byte[] rgb = new byte[8 * 1 * 3];
        for (int x = 4; x < 8; x++) {
            rgb[x * 3] = rgb[x * 3 + 1] = rgb[x * 3 + 2] = (byte) 255;
        }
        RgbImage edge = RgbImage.of(8, 1, rgb);
        RgbImage up = PillowResize.resize(edge, 32, 1, ResampleFilter.BICUBIC);
        double[] exact = floatResize(edge, 32, 1, ResampleFilter.BICUBIC, false);
        int clipped = 0;
        for (int i = 0; i < exact.length; i++) {
            int v = up.buffer()[i] & 0xff;
            if (exact[i] < -0.5) {
                assertThat(v).as("undershoot at %d", i / 3).isZero();
                clipped++;
            } else if (exact[i] > 255.5) {
                assertThat(v).as("overshoot at %d", i / 3).isEqualTo(255);
                clipped++;
            }
        }
        assertThat(clipped).as("samples that ring past 0 or 255").isPositive();
    }

    @Test
    void rejectsEmptyTargets() {
        assertThatThrownBy(() -> PillowResize.resize(noise(4, 4, 1), 0, 4, ResampleFilter.BICUBIC))
                .isInstanceOf(InvalidInputException.class).hasMessage("Resize target width is 0; expected at least 1");
    }

    @Test
    void filterCodesAreThoseOfPillow() {
        assertThat(ResampleFilter.fromPillowCode(3)).isEqualTo(ResampleFilter.BICUBIC);
        assertThat(ResampleFilter.fromPillowCode(1)).isEqualTo(ResampleFilter.LANCZOS);
        assertThat(ResampleFilter.fromPillowCode(2)).isEqualTo(ResampleFilter.BILINEAR);
        assertThatThrownBy(() -> ResampleFilter.fromPillowCode(0))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("Unsupported resampling filter 0");
    }

    static RgbImage noise(int w, int h, long seed) {
        byte[] rgb = new byte[w * h * 3];
        new Random(seed).nextBytes(rgb);
        return RgbImage.of(w, h, rgb);
    }

    private static double[] floatResize(RgbImage image, int outW, int outH, ResampleFilter filter) {
        return floatResize(image, outW, outH, filter, true);
    }

    private static double[] floatResize(RgbImage image, int outW, int outH, ResampleFilter filter,
                                        boolean roundBetweenPasses) {
        int w = image.width();
        int h = image.height();
        double[] src = new double[w * h * 3];
        for (int i = 0; i < src.length; i++) {
            src[i] = image.buffer()[i] & 0xff;
        }
        double[] tmp = new double[outW * h * 3];
        double[][] kx = weights(w, outW, filter);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < outW; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int i = 0; i < w; i++) {
                        s += kx[x][i] * src[(y * w + i) * 3 + c];
                    }
                    tmp[(y * outW + x) * 3 + c] = roundBetweenPasses ? Math.max(0, Math.min(255, Math.floor(s + 0.5))) : s;
                }
            }
        }
        double[] out = new double[outW * outH * 3];
        double[][] ky = weights(h, outH, filter);
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int i = 0; i < h; i++) {
                        s += ky[y][i] * tmp[(i * outW + x) * 3 + c];
                    }
                    out[(y * outW + x) * 3 + c] = s;
                }
            }
        }
        return out;
    }

    /** Dense weights: output o samples the input around (o + 0.5) * scale with the filter stretched by scale. */
    private static double[][] weights(int in, int out, ResampleFilter filter) {
        double scale = (double) in / out;
        double stretch = Math.max(1, scale);
        double[][] k = new double[out][in];
        for (int o = 0; o < out; o++) {
            double center = (o + 0.5) * scale;
            double total = 0;
            for (int i = 0; i < in; i++) {
                // The support window rounded to whole pixels decides ties at a box filter's edges; the argument
                // is formed as Pillow forms it for the same reason.
                double support = filter.support() * stretch;
                if (i >= Math.floor(center - support + 0.5) && i < Math.floor(center + support + 0.5)) {
                    k[o][i] = filter.weight((i - center + 0.5) * (1.0 / stretch));
                    total += k[o][i];
                }
            }
            for (int i = 0; i < in; i++) {
                k[o][i] /= total;
            }
        }
        return k;
    }
}
