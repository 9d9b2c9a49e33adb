package dev.sdembed.metadata.internal;

import dev.sdembed.image.internal.PathImageInputStream;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Parameters hidden in pixel least-significant bits by the A1111 "stealth pnginfo" extension (NovelAI uses the
 * same scheme). Bits run column by column (x outer, y inner): in alpha mode one bit per pixel from the alpha
 * channel, in RGB mode three per pixel from red, green and blue. The stream is a 15-byte signature
 * ({@code stealth_pnginfo}/{@code stealth_pngcomp} for alpha, {@code stealth_rgbinfo}/{@code stealth_rgbcomp} for
 * RGB; "comp" means gzip), a 32-bit big-endian payload length in bits, then the payload.
 *
 * <p>Only the columns that hold the stream are kept in memory: the pixels are decoded through ImageIO with a
 * source region, first for the header, then for the payload it announces (bounded by the text limit).
 */
final class StealthPngInfo {
    private static final int SIGNATURE_BITS = 15 * 8;
    private static final int HEADER_BITS = SIGNATURE_BITS + 32;
    /** 64 megapixels: far beyond generated images, small enough to decode in about a second. */
    static final long MAX_PIXELS = 64L * 1024 * 1024;

    /** The decoded payload and whether it came from the alpha channel. */
    record Payload(String text, boolean alpha) {
    }

    private StealthPngInfo() {
    }

    /** The hidden text, or null when the image carries none. */
    static Payload read(Path file, ReadLimits limits, Entries entries) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("png");
        if (!readers.hasNext()) {
            return null;
        }
        ImageReader reader = readers.next();
        try (ImageInputStream in = PathImageInputStream.open(file)) {
            reader.setInput(in, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if ((long) width * height > MAX_PIXELS) {
                // Searching means inflating every row: a tiny file can declare billions of pixels.
                entries.warn("PNG of " + width + "x" + height + " pixels is over the " + MAX_PIXELS
                        + "-pixel limit for the stealth-parameters search; not searched");
                return null;
            }
            BufferedImage header = readColumns(reader, width, height, HEADER_BITS);
            if (header == null) {
                return null;
            }
            boolean alpha = header.getColorModel().hasAlpha() && header.getRaster().getNumBands() == 4;
            Mode mode = alpha ? Mode.detect(header, true) : null;
            if (mode == null && header.getRaster().getNumBands() >= 3) {
                mode = Mode.detect(header, false);
            }
            if (mode == null) {
                return null;
            }
            long payloadBits = new BitStream(header.getRaster(), mode.alpha).skip(SIGNATURE_BITS).read(32);
            if (payloadBits <= 0 || payloadBits % 8 != 0 || payloadBits / 8 > limits.maxTextBytes()
                    || HEADER_BITS + payloadBits > (long) width * height * mode.bitsPerPixel()) {
                entries.warn("PNG pixel data has a stealth-parameters signature but an impossible length of "
                        + payloadBits + " bits; ignored");
                return null;
            }
            BufferedImage all = readColumns(reader, width, height, mode, HEADER_BITS + payloadBits);
            BitStream bits = new BitStream(all.getRaster(), mode.alpha).skip(HEADER_BITS);
            byte[] payload = new byte[(int) (payloadBits / 8)];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) bits.read(8);
            }
            if (mode.compressed) {
                payload = Texts.inflate(payload, 0, payload.length, true, limits.maxTextBytes());
            }
            String text = Texts.strictUtf8(payload, 0, payload.length);
            if (text == null) {
                entries.warn("stealth parameters in the PNG pixels are not valid UTF-8; undecodable bytes replaced");
                text = new String(payload, StandardCharsets.UTF_8);
            }
            return new Payload(text, mode.alpha);
        } catch (IOException | RuntimeException | Texts.TooLargeException e) {
            entries.warn("PNG pixel data could not be searched for stealth parameters: " + e.getMessage());
            return null;
        } finally {
            reader.dispose();
        }
    }

    private static BufferedImage readColumns(ImageReader reader, int width, int height, int bits)
            throws IOException {
        // The header fits in 152 alpha bits; RGB mode needs fewer pixels, so read enough for alpha mode.
        return (long) width * height < bits ? null : readColumns(reader, width, height, null, bits);
    }

    private static BufferedImage readColumns(ImageReader reader, int width, int height, Mode mode, long bits)
            throws IOException {
        long pixels = mode == null ? bits : (bits + mode.bitsPerPixel() - 1) / mode.bitsPerPixel();
        int columns = (int) Math.min(width, (pixels + height - 1) / height);
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceRegion(new Rectangle(0, 0, columns, height));
        return reader.read(0, param);
    }

    private enum Mode {
        ALPHA_INFO("stealth_pnginfo", true, false),
        ALPHA_COMP("stealth_pngcomp", true, true),
        RGB_INFO("stealth_rgbinfo", false, false),
        RGB_COMP("stealth_rgbcomp", false, true);

        final String signature;
        final boolean alpha;
        final boolean compressed;

        Mode(String signature, boolean alpha, boolean compressed) {
            this.signature = signature;
            this.alpha = alpha;
            this.compressed = compressed;
        }

        int bitsPerPixel() {
            return alpha ? 1 : 3;
        }

        static Mode detect(BufferedImage image, boolean alpha) {
            BitStream bits = new BitStream(image.getRaster(), alpha);
            byte[] signature = new byte[SIGNATURE_BITS / 8];
            for (int i = 0; i < signature.length; i++) {
                signature[i] = (byte) bits.read(8);
            }
            String found = new String(signature, StandardCharsets.ISO_8859_1);
            for (Mode mode : values()) {
                if (mode.alpha == alpha && mode.signature.equals(found)) {
                    return mode;
                }
            }
            return null;
        }
    }

    /** Least-significant bits of a raster, column by column. */
    private static final class BitStream {
        private final Raster raster;
        private final int[] bands;
        private int x;
        private int y;
        private int band;

        BitStream(Raster raster, boolean alpha) {
            this.raster = raster;
            this.bands = alpha ? new int[] {3} : new int[] {0, 1, 2};
        }

        BitStream skip(int count) {
            read(count);
            return this;
        }

        /** The next {@code count} (at most 63) bits, most significant first. */
        long read(int count) {
            long value = 0;
            for (int i = 0; i < count; i++) {
                if (x >= raster.getWidth()) {
                    throw new IllegalStateException("stealth bit stream runs past the pixels read");
                }
                value = value << 1 | (raster.getSample(x, y, bands[band]) & 1);
                if (++band == bands.length) {
                    band = 0;
                    if (++y == raster.getHeight()) {
                        y = 0;
                        x++;
                    }
                }
            }
            return value;
        }
    }
}
