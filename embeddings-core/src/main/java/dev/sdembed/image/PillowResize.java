package dev.sdembed.image;

import dev.sdembed.Checks;

/**
 * Pillow's {@code Image.resize(size, filter)} for RGB images, bit for bit (Pillow's {@code ImagingResample}):
 * separable convolution, filter support widened by the downscale factor (antialiasing), coefficients normalised and
 * turned into 22-bit fixed point, each pass rounded and clipped to 8 bits, the horizontal pass first and only over
 * the rows the vertical pass reads. No library does this exactly, and CLIP was trained on Pillow's output.
 */
public final class PillowResize {
    /** Pillow's PRECISION_BITS: 32 bits minus 8 for the result and 2 for overshoot of the filter. */
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private PillowResize() {
    }

    /** {@code image} resized to {@code width x height}; the same image when the size does not change. */
    public static RgbImage resize(RgbImage image, int width, int height, ResampleFilter filter) {
        Checks.positive("Resize target width", width);
        Checks.positive("Resize target height", height);
        boolean horizontal = width != image.width();
        boolean vertical = height != image.height();
        if (!horizontal && !vertical) {
            return image;
        }
        Coefficients rows = Coefficients.of(image.height(), height, filter);
        byte[] pixels = image.buffer();
        int pixelsWidth = image.width();
        if (horizontal) {
            int first = rows.bounds[0];
            int last = rows.bounds[(height - 1) * 2] + rows.bounds[(height - 1) * 2 + 1];
            for (int i = 0; i < height; i++) {
                rows.bounds[i * 2] -= first;
            }
            pixels = horizontal(pixels, pixelsWidth, first, last - first, Coefficients.of(image.width(), width, filter));
            pixelsWidth = width;
        }
        if (vertical) {
            pixels = vertical(pixels, pixelsWidth, height, rows);
        }
        return RgbImage.wrap(width, height, pixels);
    }

    private static byte[] horizontal(byte[] in, int inWidth, int firstRow, int rowCount, Coefficients c) {
        int outWidth = c.outSize;
        byte[] out = new byte[outWidth * rowCount * 3];
        int[] k = c.fixed;
        for (int y = 0; y < rowCount; y++) {
            int rowStart = (y + firstRow) * inWidth * 3;
            int o = y * outWidth * 3;
            for (int x = 0; x < outWidth; x++, o += 3) {
                int min = c.bounds[x * 2];
                int count = c.bounds[x * 2 + 1];
                int kStart = x * c.size;
                int r = HALF;
                int g = HALF;
                int b = HALF;
                for (int i = 0, p = rowStart + min * 3; i < count; i++, p += 3) {
                    int w = k[kStart + i];
                    r += (in[p] & 0xff) * w;
                    g += (in[p + 1] & 0xff) * w;
                    b += (in[p + 2] & 0xff) * w;
                }
                out[o] = clip8(r);
                out[o + 1] = clip8(g);
                out[o + 2] = clip8(b);
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] in, int width, int outHeight, Coefficients c) {
        int stride = width * 3;
        byte[] out = new byte[stride * outHeight];
        int[] sums = new int[stride];
        int[] k = c.fixed;
        for (int y = 0; y < outHeight; y++) {
            int min = c.bounds[y * 2];
            int count = c.bounds[y * 2 + 1];
            java.util.Arrays.fill(sums, HALF);
            // Row by row instead of Pillow's column order: integer sums come out identical, memory access is linear.
            for (int i = 0; i < count; i++) {
                int w = k[y * c.size + i];
                int rowStart = (min + i) * stride;
                for (int s = 0; s < stride; s++) {
                    sums[s] += (in[rowStart + s] & 0xff) * w;
                }
            }
            int o = y * stride;
            for (int s = 0; s < stride; s++) {
                out[o + s] = clip8(sums[s]);
            }
        }
        return out;
    }

    private static byte clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** For each output position: the first input index, how many inputs, and their fixed-point weights. */
    private static final class Coefficients {
        final int outSize;
        final int size;
        final int[] bounds;
        final int[] fixed;

        private Coefficients(int outSize, int size, int[] bounds, int[] fixed) {
            this.outSize = outSize;
            this.size = size;
            this.bounds = bounds;
            this.fixed = fixed;
        }

        static Coefficients of(int inSize, int outSize, ResampleFilter filter) {
            // Pillow computes the box extent in float, then widens to double.
            double scale = (double) ((float) inSize - 0.0f) / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support() * filterScale;
            int size = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[outSize * 2];
            int[] fixed = new int[outSize * size];
            double[] weights = new double[size];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double inverse = 1.0 / filterScale;
                int min = (int) (center - support + 0.5);
                if (min < 0) {
                    min = 0;
                }
                int max = (int) (center + support + 0.5);
                if (max > inSize) {
                    max = inSize;
                }
                max -= min;
                double total = 0.0;
                for (int x = 0; x < max; x++) {
                    double w = filter.weight((x + min - center + 0.5) * inverse);
                    weights[x] = w;
                    total += w;
                }
                for (int x = 0; x < max; x++) {
                    double w = total != 0.0 ? weights[x] / total : weights[x];
                    fixed[xx * size + x] = w < 0
                            ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                            : (int) (0.5 + w * (1 << PRECISION_BITS));
                }
                bounds[xx * 2] = min;
                bounds[xx * 2 + 1] = max;
            }
            return new Coefficients(outSize, size, bounds, fixed);
        }
    }
}
