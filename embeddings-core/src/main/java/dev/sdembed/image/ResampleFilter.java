package dev.sdembed.image;

import dev.sdembed.InvalidInputException;

/**
 * Pillow's convolution resampling filters, with the numeric codes Pillow and Hugging Face's
 * {@code preprocessor_config.json} ({@code "resample": 3}) use. Nearest-neighbour (code 0) is a different algorithm
 * in Pillow and is not offered.
 */
public enum ResampleFilter {
    LANCZOS(1, 3.0),
    BILINEAR(2, 1.0),
    BICUBIC(3, 2.0),
    BOX(4, 0.5),
    HAMMING(5, 1.0);

    private final int pillowCode;
    private final double support;

    ResampleFilter(int pillowCode, double support) {
        this.pillowCode = pillowCode;
        this.support = support;
    }

    /** The {@code PIL.Image.Resampling} value. */
    public int pillowCode() {
        return pillowCode;
    }

    /** Half-width of the filter at scale 1, in source pixels. */
    public double support() {
        return support;
    }

    /** The filter for a {@code PIL.Image.Resampling} code. */
    public static ResampleFilter fromPillowCode(int code) {
        for (ResampleFilter f : values()) {
            if (f.pillowCode == code) {
                return f;
            }
        }
        throw new InvalidInputException("Unsupported resampling filter " + code + "; expected one of 1 (LANCZOS), "
                + "2 (BILINEAR), 3 (BICUBIC), 4 (BOX), 5 (HAMMING)");
    }

    /** The filter's weight at distance x (in filter units), evaluated in Pillow's operation order. */
    double weight(double x) {
        switch (this) {
            case BOX:
                return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
            case BILINEAR:
                x = Math.abs(x);
                return x < 1.0 ? 1.0 - x : 0.0;
            case HAMMING:
                x = Math.abs(x);
                if (x == 0.0) {
                    return 1.0;
                }
                if (x >= 1.0) {
                    return 0.0;
                }
                x = x * Math.PI;
                return Math.sin(x) / x * (0.54f + 0.46f * Math.cos(x));
            case BICUBIC:
                // Keys' cubic convolution with a = -0.5.
                final double a = -0.5;
                x = Math.abs(x);
                if (x < 1.0) {
                    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                }
                if (x < 2.0) {
                    return (((x - 5) * x + 8) * x - 4) * a;
                }
                return 0.0;
            case LANCZOS:
                return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
            default:
                throw new IllegalStateException(name());
        }
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        x = x * Math.PI;
        return Math.sin(x) / x;
    }
}
