package dev.sdembed.image.internal;

import dev.sdembed.image.internal.Container.JpegColorSpace;
import dev.sdembed.image.internal.Container.PngInfo;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Converts decoded samples to 8-bit RGB exactly as Pillow's {@code Image.open(f).convert("RGB")} does. Works on
 * raw raster samples, never on {@code getRGB}, which would apply Java2D colour management. Alpha is dropped, not
 * composited; embedded colour profiles and gamma are ignored, as Pillow ignores them.
 */
public final class PillowRgb {

    private PillowRgb() {
    }

    /**
     * PNG, following Pillow 9.4's PngImagePlugin modes: 1/2/4-bit grey scaled to 0..255; 16-bit grey opens as mode
     * "I" and {@code convert("RGB")} clips it to 255 (it does not scale); every other 16-bit type keeps the high
     * byte; palette entries past the PLTE chunk are Pillow's default grey ramp (index i is (i, i, i)).
     */
    public static byte[] fromPng(BufferedImage image, PngInfo png) {
        Raster raster = image.getRaster();
        int bits = raster.getSampleModel().getSampleSize(0);
        if (png.colorType() == 3 && image.getColorModel() instanceof IndexColorModel palette) {
            byte[][] luts = new byte[3][1 << bits];
            for (int i = 0; i < luts[0].length; i++) {
                boolean defined = i < png.paletteEntries() && i < palette.getMapSize();
                luts[0][i] = (byte) (defined ? palette.getRed(i) : i);
                luts[1][i] = (byte) (defined ? palette.getGreen(i) : i);
                luts[2][i] = (byte) (defined ? palette.getBlue(i) : i);
            }
            return mapBands(raster, new int[] {0, 0, 0}, luts);
        }
        // By PNG colour type, not colour model: the JDK reader hands out 1-bit grey with an IndexColorModel.
        boolean grey = png.colorType() == 0 || png.colorType() == 4;
        byte[] lut = bits == 8 ? null : new byte[1 << bits];
        for (int v = 0; lut != null && v < lut.length; v++) {
            if (bits < 8) {
                lut[v] = (byte) (v * 255 / ((1 << bits) - 1));
            } else {
                lut[v] = (byte) (png.colorType() == 0 ? Math.min(v, 255) : v >> 8);
            }
        }
        int[] bands = grey ? new int[] {0, 0, 0} : new int[] {0, 1, 2};
        return mapBands(raster, bands, new byte[][] {lut, lut, lut});
    }

    /**
     * 8-bit RGB or RGBA samples in band order R, G, B (A), as TwelveMonkeys' WebP reader produces them, drawn at
     * (x, y) onto a canvas that is black where the frame does not cover it: libwebp's animation decoder clears the
     * canvas to transparent black before the first frame, and dropping alpha leaves black.
     */
    public static byte[] fromWebp(BufferedImage frame, int canvasWidth, int canvasHeight, int x, int y) {
        byte[] rgb = mapBands(frame.getRaster(), new int[] {0, 1, 2}, new byte[3][]);
        if (x == 0 && y == 0 && frame.getWidth() == canvasWidth && frame.getHeight() == canvasHeight) {
            return rgb;
        }
        byte[] canvas = new byte[canvasWidth * canvasHeight * 3];
        int w = Math.min(frame.getWidth(), canvasWidth - x);
        for (int row = 0; row < frame.getHeight() && y + row < canvasHeight; row++) {
            System.arraycopy(rgb, row * frame.getWidth() * 3, canvas, ((y + row) * canvasWidth + x) * 3, w * 3);
        }
        return canvas;
    }

    /**
     * Raw JPEG samples (as libjpeg stores them, before any colour transform) to RGB as libjpeg and Pillow produce
     * it: YCbCr with libjpeg's fixed-point tables; CMYK read with Adobe's inverted polarity (Pillow's "CMYK;I"),
     * YCCK turned into CMYK by libjpeg first, then Pillow's {@code cmyk2rgb}.
     */
    public static byte[] fromJpeg(Raster raster, JpegColorSpace colorSpace) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int n = raster.getNumBands();
        byte[] rgb = new byte[w * h * 3];
        int[] row = new int[w * n];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            int o = y * w * 3;
            for (int x = 0, i = 0; x < w; x++, i += n, o += 3) {
                switch (colorSpace) {
                    case GRAY -> rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) row[i];
                    case RGB -> {
                        rgb[o] = (byte) row[i];
                        rgb[o + 1] = (byte) row[i + 1];
                        rgb[o + 2] = (byte) row[i + 2];
                    }
                    case YCBCR -> Jpeg.yccToRgb(row[i], row[i + 1], row[i + 2], rgb, o);
                    case CMYK -> Jpeg.cmykToRgb(255 - row[i], 255 - row[i + 1], 255 - row[i + 2], 255 - row[i + 3],
                            rgb, o);
                    case YCCK -> {
                        // libjpeg's ycck_cmyk_convert gives 255 - (the YCC->RGB value); Pillow's "CMYK;I" inverts
                        // all four channels back: C, M, Y become the YCC->RGB values and K becomes 255 - K.
                        Jpeg.yccToRgb(row[i], row[i + 1], row[i + 2], rgb, o);
                        Jpeg.cmykToRgb(rgb[o] & 0xff, rgb[o + 1] & 0xff, rgb[o + 2] & 0xff, 255 - row[i + 3], rgb, o);
                    }
                    default -> throw new IllegalArgumentException("colour space " + colorSpace);
                }
            }
        }
        return rgb;
    }

    /** Output channel c = lut[c][sample of band bands[c]] (identity where lut[c] is null). */
    private static byte[] mapBands(Raster raster, int[] bands, byte[][] luts) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] rgb = new byte[w * h * 3];
        if (raster.getDataBuffer() instanceof DataBufferByte buffer
                && raster.getSampleModel() instanceof ComponentSampleModel model
                && model.getSampleSize(0) == 8 && buffer.getNumBanks() == 1) {
            byte[] data = buffer.getData();
            int pixelStride = model.getPixelStride();
            int[] offsets = model.getBandOffsets();
            int tx = raster.getMinX() - raster.getSampleModelTranslateX();
            int ty = raster.getMinY() - raster.getSampleModelTranslateY();
            for (int y = 0; y < h; y++) {
                int base = buffer.getOffset() + (ty + y) * model.getScanlineStride() + tx * pixelStride;
                for (int c = 0; c < 3; c++) {
                    byte[] lut = luts[c];
                    int s = base + offsets[bands[c]];
                    for (int x = 0, o = y * w * 3 + c; x < w; x++, o += 3, s += pixelStride) {
                        rgb[o] = lut == null ? data[s] : lut[data[s] & 0xff];
                    }
                }
            }
            return rgb;
        }
        int[] samples = new int[w];
        for (int y = 0; y < h; y++) {
            for (int c = 0; c < 3; c++) {
                raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, bands[c], samples);
                byte[] lut = luts[c];
                for (int x = 0, o = y * w * 3 + c; x < w; x++, o += 3) {
                    int v = samples[x];
                    rgb[o] = lut == null ? (byte) v : lut[v];
                }
            }
        }
        return rgb;
    }
}
