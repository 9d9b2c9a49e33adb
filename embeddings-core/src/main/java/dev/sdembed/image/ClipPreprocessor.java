package dev.sdembed.image;

import java.util.Objects;

/**
 * Hugging Face's {@code CLIPImageProcessor} with Pillow, reproduced exactly: resize (shortest edge to S, the other
 * edge {@code int(S * long / short)}, or Immich's {@code int(long / short * S)} when configured, Pillow's
 * resampling), centre crop with {@code top = (h - S) // 2} and
 * {@code left = (w - S) // 2} (zero-padded when the image is smaller), rescale, normalise with float32 arithmetic as
 * numpy does, channels first. Input is what {@link ImageDecoder} gives (Pillow's {@code convert("RGB")}).
 * Immutable and thread-safe.
 */
public final class ClipPreprocessor {
    private final ClipPreprocessConfig config;
    /** value[channel][8-bit sample]: rescale and normalise only ever see 256 values per channel. */
    private final float[][] values;

    private ClipPreprocessor(ClipPreprocessConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.values = new float[3][256];
        float[] mean = config.mean();
        float[] std = config.std();
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < 256; p++) {
                // transformers' rescale multiplies in float64 and casts to float32; normalize works in float32.
                float v = config.doRescale() ? (float) (p * config.rescaleFactor()) : p;
                values[c][p] = config.doNormalize() ? (v - mean[c]) / std[c] : v;
            }
        }
    }

    public static ClipPreprocessor of(ClipPreprocessConfig config) {
        return new ClipPreprocessor(config);
    }

    public ClipPreprocessConfig config() {
        return config;
    }

    /** The model input for one decoded image. */
    public PixelTensor preprocess(RgbImage image) {
        RgbImage resized = image;
        if (config.doResize()) {
            int[] size = resizedSize(image.width(), image.height());
            resized = PillowResize.resize(image, size[0], size[1], config.resample());
        }
        int w = resized.width();
        int h = resized.height();
        int outH = config.doCenterCrop() ? config.cropHeight() : h;
        int outW = config.doCenterCrop() ? config.cropWidth() : w;
        // floorDiv: a crop larger than the image starts at a negative offset, i.e. the image is centred in zeros.
        int top = Math.floorDiv(h - outH, 2);
        int left = Math.floorDiv(w - outW, 2);
        byte[] rgb = resized.buffer();
        float[] out = new float[3 * outH * outW];
        int plane = outH * outW;
        for (int y = 0; y < outH; y++) {
            int sy = y + top;
            for (int x = 0; x < outW; x++) {
                int sx = x + left;
                int o = y * outW + x;
                if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
                    out[o] = values[0][0];
                    out[plane + o] = values[1][0];
                    out[2 * plane + o] = values[2][0];
                } else {
                    int i = (sy * w + sx) * 3;
                    out[o] = values[0][rgb[i] & 0xff];
                    out[plane + o] = values[1][rgb[i + 1] & 0xff];
                    out[2 * plane + o] = values[2][rgb[i + 2] & 0xff];
                }
            }
        }
        return PixelTensor.wrap(3, outH, outW, out);
    }

    /** {width, height} after the resize step, as transformers' get_resize_output_image_size computes it. */
    int[] resizedSize(int width, int height) {
        if (config.shortestEdge() == 0) {
            return new int[] {config.resizeWidth(), config.resizeHeight()};
        }
        long size = config.shortestEdge();
        int shortSide = Math.min(width, height);
        int longSide = Math.max(width, height);
        // Python's int(size * long / short): true division of integers, then truncation; Immich rounds the ratio
        // to a double before it multiplies, int(long / short * size).
        int newLong = config.longEdgeRounding() == ClipPreprocessConfig.LongEdgeRounding.IMMICH
                ? (int) ((double) longSide / shortSide * size)
                : (int) ((double) (size * longSide) / shortSide);
        return width <= height ? new int[] {(int) size, newLong} : new int[] {newLong, (int) size};
    }
}
