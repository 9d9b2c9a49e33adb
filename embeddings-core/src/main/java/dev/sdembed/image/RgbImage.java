package dev.sdembed.image;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import java.util.Arrays;

/**
 * A decoded image: 8-bit RGB, row-major, channels interleaved ({@code R,G,B,R,G,B,...}). A value: the pixel array
 * is copied in and out; the preprocessing in this package reads it without copying.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] rgb;

    private RgbImage(int width, int height, byte[] rgb) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    /** Copies {@code rgb}, which must hold exactly {@code width * height * 3} bytes. */
    public static RgbImage of(int width, int height, byte[] rgb) {
        return new RgbImage(width, height, checked(width, height, rgb).clone());
    }

    /** Takes ownership of {@code rgb} without copying: for decoders in this package. */
    static RgbImage wrap(int width, int height, byte[] rgb) {
        return new RgbImage(width, height, checked(width, height, rgb));
    }

    private static byte[] checked(int width, int height, byte[] rgb) {
        Checks.positive("Image width", width);
        Checks.positive("Image height", height);
        if (rgb == null || rgb.length != (long) width * height * 3) {
            throw new InvalidInputException("An RGB image of " + width + "x" + height + " needs "
                    + (long) width * height * 3 + " bytes; got " + (rgb == null ? "null" : rgb.length));
        }
        return rgb;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** A copy of the interleaved RGB bytes. */
    public byte[] rgb() {
        return rgb.clone();
    }

    /** The pixel at (x, y) as {@code 0xRRGGBB}. */
    public int rgbAt(int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height) {
            throw new IndexOutOfBoundsException("Pixel (" + x + ", " + y + ") is outside " + width + "x" + height);
        }
        int i = (y * width + x) * 3;
        return (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | rgb[i + 2] & 0xff;
    }

    /** The backing array, never handed out of the package. */
    byte[] buffer() {
        return rgb;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage i && i.width == width && i.height == height && Arrays.equals(rgb, i.rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
