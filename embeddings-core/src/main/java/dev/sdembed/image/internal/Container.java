package dev.sdembed.image.internal;

import dev.sdembed.image.ImageFormat;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteOrder;
import javax.imageio.IIOException;
import javax.imageio.stream.ImageInputStream;

/**
 * What the container of an image file says before any pixel is decoded: format, size and the few facts that decide
 * how Pillow would convert the pixels to RGB (JPEG colour transform markers, WebP animation). Parsing reads only
 * headers and skips over everything else by seeking.
 *
 * @param png  set for {@link ImageFormat#PNG} only
 * @param jpeg set for {@link ImageFormat#JPEG} only
 * @param webp set for {@link ImageFormat#WEBP} only
 */
public record Container(ImageFormat format, int width, int height, PngInfo png, JpegInfo jpeg, WebpInfo webp) {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int RIFF = 0x52494646;
    private static final int WEBP = 0x57454250;
    private static final int VP8 = 0x56503820;
    private static final int VP8L = 0x5650384c;
    private static final int VP8X = 0x56503858;
    private static final int ANMF = 0x414e4d46;
    private static final int IHDR = 0x49484452;
    private static final int PLTE = 0x504c5445;
    private static final int IDAT = 0x49444154;

    /**
     * @param colorType      the IHDR colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA)
     * @param paletteEntries how many entries the PLTE chunk holds (0 without one)
     */
    public record PngInfo(int bitDepth, int colorType, int paletteEntries) {
    }

    /** The colour spaces libjpeg recognises in 8-bit JPEGs. */
    public enum JpegColorSpace { GRAY, YCBCR, RGB, CMYK, YCCK }

    /**
     * The JPEG facts libjpeg uses to guess the colour space (jdapimin.c's default_decompress_parms).
     *
     * @param adobeTransform the APP14 "Adobe" transform flag, or -1 without that marker
     * @param rgbIds         whether the three component ids spell 'R', 'G', 'B'
     * @param scanOffset     where the first scan's entropy-coded data starts
     */
    public record JpegInfo(int sofMarker, int precision, int components, boolean jfif, int adobeTransform,
                           boolean rgbIds, long scanOffset) {

        public boolean arithmetic() {
            return sofMarker >= 0xc9 && sofMarker <= 0xcf;
        }

        /** libjpeg's guess, which Pillow inherits; null for component counts Pillow refuses (2, 5+). */
        public JpegColorSpace colorSpace() {
            switch (components) {
                case 1:
                    return JpegColorSpace.GRAY;
                case 3:
                    if (jfif) {
                        return JpegColorSpace.YCBCR;
                    }
                    if (adobeTransform >= 0) {
                        return adobeTransform == 0 ? JpegColorSpace.RGB : JpegColorSpace.YCBCR;
                    }
                    return rgbIds ? JpegColorSpace.RGB : JpegColorSpace.YCBCR;
                case 4:
                    return adobeTransform < 0 || adobeTransform == 0 ? JpegColorSpace.CMYK : JpegColorSpace.YCCK;
                default:
                    return null;
            }
        }
    }

    /**
     * @param animated whether the VP8X header declares an animation
     * @param frameX   where the first animation frame sits on the canvas (0 when not animated)
     * @param frameY   likewise
     * @param fileSize the file size the RIFF header declares
     */
    public record WebpInfo(boolean animated, int frameX, int frameY, long fileSize) {
    }

    /** Reads the container from the start of {@code in}; leaves the stream position undefined. */
    public static Container read(ImageInputStream in) throws IOException {
        in.seek(0);
        byte[] magic = new byte[12];
        int n = readUpTo(in, magic);
        if (n >= 8 && startsWith(magic, PNG_SIGNATURE)) {
            return readPng(in);
        }
        if (n >= 3 && (magic[0] & 0xff) == 0xff && (magic[1] & 0xff) == 0xd8 && (magic[2] & 0xff) == 0xff) {
            return readJpeg(in);
        }
        if (n == 12 && be32(magic, 0) == RIFF && be32(magic, 8) == WEBP) {
            return readWebp(in);
        }
        throw new IIOException("not a PNG, JPEG or WebP image (starts with " + hex(magic, n) + ")");
    }

    private static Container readPng(ImageInputStream in) throws IOException {
        in.setByteOrder(ByteOrder.BIG_ENDIAN);
        in.seek(8);
        long length = in.readUnsignedInt();
        if (in.readInt() != IHDR || length != 13) {
            throw new IIOException("not a valid PNG (the first chunk is not a 13-byte IHDR)");
        }
        long width = in.readUnsignedInt();
        long height = in.readUnsignedInt();
        int bitDepth = in.readUnsignedByte();
        int colorType = in.readUnsignedByte();
        int paletteEntries = 0;
        if (colorType == 3) {
            // Pillow pads a short palette with a grey ramp: the true entry count matters.
            long position = 8 + 8 + 13 + 4;
            while (true) {
                in.seek(position);
                long size = in.readUnsignedInt();
                int type = in.readInt();
                if (type == PLTE) {
                    paletteEntries = (int) Math.min(256, size / 3);
                    break;
                }
                if (type == IDAT) {
                    throw new IIOException("not a valid PNG (palette image without a PLTE chunk)");
                }
                position += 12 + size;
            }
        }
        return new Container(ImageFormat.PNG, dimension(width, "width"), dimension(height, "height"),
                new PngInfo(bitDepth, colorType, paletteEntries), null, null);
    }

    private static Container readJpeg(ImageInputStream in) throws IOException {
        in.setByteOrder(ByteOrder.BIG_ENDIAN);
        in.seek(2);
        boolean jfif = false;
        int adobeTransform = -1;
        int sofMarker = -1;
        int precision = 0;
        int width = 0;
        int height = 0;
        int components = 0;
        boolean rgbIds = false;
        long scanOffset = 0;
        while (true) {
            int marker = nextMarker(in);
            if (marker == 0xd9) {
                throw new IIOException("not a valid JPEG (end of image before any frame)");
            }
            if (marker == 0xda) {
                int length = in.readUnsignedShort();
                scanOffset = in.getStreamPosition() + length - 2;
                break;
            }
            if (marker == 0x01 || marker >= 0xd0 && marker <= 0xd7) {
                continue;
            }
            int length = in.readUnsignedShort();
            if (length < 2) {
                throw new IIOException("not a valid JPEG (marker 0xFF" + Integer.toHexString(marker).toUpperCase()
                        + " has length " + length + ")");
            }
            long next = in.getStreamPosition() + length - 2;
            if (marker == 0xe0 && length >= 7) {
                byte[] id = new byte[5];
                in.readFully(id);
                jfif |= id[0] == 'J' && id[1] == 'F' && id[2] == 'I' && id[3] == 'F' && id[4] == 0;
            } else if (marker == 0xee && length >= 14) {
                byte[] app14 = new byte[12];
                in.readFully(app14);
                if (app14[0] == 'A' && app14[1] == 'd' && app14[2] == 'o' && app14[3] == 'b' && app14[4] == 'e') {
                    adobeTransform = app14[11] & 0xff;
                }
            } else if (isStartOfFrame(marker) && sofMarker < 0) {
                sofMarker = marker;
                precision = in.readUnsignedByte();
                height = in.readUnsignedShort();
                width = in.readUnsignedShort();
                components = in.readUnsignedByte();
                int[] ids = new int[components];
                for (int c = 0; c < components; c++) {
                    ids[c] = in.readUnsignedByte();
                    in.skipBytes(2);
                }
                rgbIds = components == 3 && ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B';
            }
            in.seek(next);
        }
        if (sofMarker < 0) {
            throw new IIOException("not a valid JPEG (no start-of-frame marker before the first scan)");
        }
        if (height == 0) {
            throw new IIOException("JPEGs whose height is defined after the first scan (DNL marker) are not supported");
        }
        return new Container(ImageFormat.JPEG, dimension(width, "width"), height, null, new JpegInfo(sofMarker, precision, components,
                jfif, adobeTransform, rgbIds, scanOffset), null);
    }

    private static int nextMarker(ImageInputStream in) throws IOException {
        int b = in.readUnsignedByte();
        if (b != 0xff) {
            // libjpeg skips garbage between segments with a warning; so do we.
            while (b != 0xff) {
                b = in.readUnsignedByte();
            }
        }
        while (b == 0xff) {
            b = in.readUnsignedByte();
        }
        return b;
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    }

    private static Container readWebp(ImageInputStream in) throws IOException {
        in.setByteOrder(ByteOrder.LITTLE_ENDIAN);
        in.seek(4);
        long fileSize = in.readUnsignedInt() + 8;
        in.seek(12);
        int chunk = Integer.reverseBytes(in.readInt());
        long length = in.readUnsignedInt();
        long payload = in.getStreamPosition();
        switch (chunk) {
            case VP8 -> {
                byte[] head = new byte[10];
                in.readFully(head);
                if ((head[3] & 0xff) != 0x9d || (head[4] & 0xff) != 0x01 || (head[5] & 0xff) != 0x2a) {
                    throw new IIOException("not a valid WebP (bad VP8 start code)");
                }
                int width = ((head[6] & 0xff) | (head[7] & 0xff) << 8) & 0x3fff;
                int height = ((head[8] & 0xff) | (head[9] & 0xff) << 8) & 0x3fff;
                return webp(width, height, new WebpInfo(false, 0, 0, fileSize));
            }
            case VP8L -> {
                if (in.readUnsignedByte() != 0x2f) {
                    throw new IIOException("not a valid WebP (bad VP8L signature)");
                }
                long bits = in.readUnsignedInt();
                int width = (int) (bits & 0x3fff) + 1;
                int height = (int) (bits >> 14 & 0x3fff) + 1;
                return webp(width, height, new WebpInfo(false, 0, 0, fileSize));
            }
            case VP8X -> {
                int flags = in.readUnsignedByte();
                in.skipBytes(3);
                int width = readUInt24(in) + 1;
                int height = readUInt24(in) + 1;
                boolean animated = (flags & 0x02) != 0;
                if (!animated) {
                    return webp(width, height, new WebpInfo(false, 0, 0, fileSize));
                }
                long position = payload + length + (length & 1);
                while (true) {
                    in.seek(position);
                    int next = Integer.reverseBytes(in.readInt());
                    long size = in.readUnsignedInt();
                    if (next == ANMF) {
                        int x = readUInt24(in) * 2;
                        int y = readUInt24(in) * 2;
                        return webp(width, height, new WebpInfo(true, x, y, fileSize));
                    }
                    position += 8 + size + (size & 1);
                }
            }
            default -> throw new IIOException("not a valid WebP (unknown first chunk '" + fourCc(chunk) + "')");
        }
    }

    private static Container webp(int width, int height, WebpInfo info) throws IIOException {
        return new Container(ImageFormat.WEBP, dimension(width, "width"), dimension(height, "height"), null, null,
                info);
    }

    private static int readUInt24(ImageInputStream in) throws IOException {
        return in.readUnsignedByte() | in.readUnsignedByte() << 8 | in.readUnsignedByte() << 16;
    }

    private static int dimension(long value, String name) throws IIOException {
        if (value <= 0 || value > Integer.MAX_VALUE) {
            throw new IIOException("header declares " + name + " " + value);
        }
        return (int) value;
    }

    private static int readUpTo(ImageInputStream in, byte[] buffer) throws IOException {
        int total = 0;
        while (total < buffer.length) {
            int n = in.read(buffer, total, buffer.length - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static int be32(byte[] b, int i) {
        return (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | b[i + 3] & 0xff;
    }

    private static String fourCc(int chunk) {
        char[] c = {(char) (chunk >>> 24), (char) (chunk >> 16 & 0xff), (char) (chunk >> 8 & 0xff), (char) (chunk & 0xff)};
        StringBuilder out = new StringBuilder();
        for (char ch : c) {
            out.append(ch >= 32 && ch < 127 ? ch : '?');
        }
        return out.toString();
    }

    private static String hex(byte[] data, int n) {
        StringBuilder out = new StringBuilder("0x");
        for (int i = 0; i < Math.min(n, 8); i++) {
            out.append(String.format("%02X", data[i] & 0xff));
        }
        return n == 0 ? "nothing" : out.toString();
    }

    /**
     * Whether the JPEG's end-of-image marker follows its scans. libjpeg pads a cut-off scan with grey and the JDK
     * reader does not even warn; Pillow refuses such files ("image file is truncated"). Entropy-coded data cannot
     * contain 0xFF 0xD9 (0xFF is stuffed with 0x00), so the first such pair after the scan start is the EOI.
     */
    public static boolean hasEndOfImage(ImageInputStream in, long scanOffset) throws IOException {
        in.seek(scanOffset);
        byte[] buffer = new byte[1 << 16];
        boolean previousFf = false;
        for (int n; (n = in.read(buffer)) > 0; ) {
            for (int i = 0; i < n; i++) {
                int b = buffer[i] & 0xff;
                if (previousFf && b == 0xd9) {
                    return true;
                }
                previousFf = b == 0xff;
            }
        }
        return false;
    }

    /** An EOF while reading headers means the file is cut short. */
    public static boolean isTruncation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException) {
                return true;
            }
        }
        return false;
    }
}
