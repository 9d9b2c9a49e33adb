package dev.sdembed.metadata;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/**
 * Writes small image files with chosen metadata for tests: PNG chunk by chunk (with real CRCs and a real, decodable
 * IDAT), JPEG (ImageIO-encoded pixels plus an EXIF APP1 segment and comments) and WebP (RIFF with an EXIF chunk).
 */
public final class TestImages {

    private TestImages() {
    }

    public static PngBuilder png() {
        return new PngBuilder();
    }

    /** Raw bytes of a PNG chunk: length, type, data, CRC over type and data. */
    public static byte[] chunk(String type, byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(12 + data.length);
        out.putInt(data.length).put(type.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        CRC32 crc = new CRC32();
        crc.update(type.getBytes(StandardCharsets.ISO_8859_1));
        crc.update(data);
        out.putInt((int) crc.getValue());
        return out.array();
    }

    public static byte[] zlib(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out, new Deflater(Deflater.BEST_COMPRESSION))) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    public static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static Path write(Path file, byte[] bytes) {
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PNG: signature, IHDR, the chunks added before the image data, IDAT, those added after, IEND. */
    public static final class PngBuilder {
        private final List<byte[]> before = new ArrayList<>();
        private final List<byte[]> after = new ArrayList<>();
        private boolean afterImageData;
        private BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);

        /** The following chunks go after IDAT. */
        public PngBuilder afterImageData() {
            afterImageData = true;
            return this;
        }

        /** Pixels, written as 8-bit RGB or (if the image has alpha) RGBA. */
        public PngBuilder pixels(BufferedImage pixels) {
            this.image = pixels;
            return this;
        }

        public PngBuilder chunk(String type, byte[] data) {
            (afterImageData ? after : before).add(TestImages.chunk(type, data));
            return this;
        }

        /** tEXt with the text in UTF-8 (what TensorArt, Stability Matrix and others write). */
        public PngBuilder text(String keyword, String text) {
            return chunk("tEXt", concat(latin1(keyword), new byte[] {0}, utf8(text)));
        }

        public PngBuilder textBytes(String keyword, byte[] text) {
            return chunk("tEXt", concat(latin1(keyword), new byte[] {0}, text));
        }

        public PngBuilder ztxt(String keyword, String text) {
            return chunk("zTXt", concat(latin1(keyword), new byte[] {0, 0}, zlib(utf8(text))));
        }

        public PngBuilder itxt(String keyword, String text, boolean compressed) {
            return itxtBytes(keyword, utf8(text), compressed);
        }

        public PngBuilder itxtBytes(String keyword, byte[] text, boolean compressed) {
            return chunk("iTXt", concat(utf8(keyword), new byte[] {0, (byte) (compressed ? 1 : 0), 0, 0, 0},
                    compressed ? zlib(text) : text));
        }

        public byte[] bytes() {
            boolean alpha = image.getColorModel().hasAlpha();
            int channels = alpha ? 4 : 3;
            ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(image.getWidth()).putInt(image.getHeight())
                    .put((byte) 8).put((byte) (alpha ? 6 : 2)).put((byte) 0).put((byte) 0).put((byte) 0);
            ByteArrayOutputStream scanlines = new ByteArrayOutputStream();
            for (int y = 0; y < image.getHeight(); y++) {
                scanlines.write(0);
                for (int x = 0; x < image.getWidth(); x++) {
                    int argb = image.getRGB(x, y);
                    scanlines.write(argb >> 16);
                    scanlines.write(argb >> 8);
                    scanlines.write(argb);
                    if (channels == 4) {
                        scanlines.write(argb >>> 24);
                    }
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            out.writeBytes(TestImages.chunk("IHDR", ihdr.array()));
            before.forEach(out::writeBytes);
            out.writeBytes(TestImages.chunk("IDAT", zlib(scanlines.toByteArray())));
            after.forEach(out::writeBytes);
            out.writeBytes(TestImages.chunk("IEND", new byte[0]));
            return out.toByteArray();
        }

        public Path write(Path file) {
            return TestImages.write(file, bytes());
        }
    }

    /** A TIFF/EXIF block with string tags in IFD0 and a UserComment in the EXIF sub-IFD. */
    public static final class Exif {
        private final ByteOrder order;
        private final List<Object[]> ifd0 = new ArrayList<>();
        private byte[] userComment;

        public Exif(ByteOrder order) {
            this.order = order;
        }

        /** An ASCII (type 2) tag in IFD0, written as UTF-8 with a terminating NUL. */
        public Exif ifd0String(int tag, String value) {
            ifd0.add(new Object[] {tag, concat(utf8(value), new byte[] {0})});
            return this;
        }

        /** UserComment (type UNDEFINED), {@code value} including its 8-byte character-code prefix if any. */
        public Exif userComment(byte[] value) {
            this.userComment = value;
            return this;
        }

        public static byte[] unicodeComment(String text, ByteOrder order) {
            return concat(latin1("UNICODE\0"),
                    text.getBytes(order == ByteOrder.BIG_ENDIAN ? StandardCharsets.UTF_16BE
                            : StandardCharsets.UTF_16LE));
        }

        public static byte[] asciiComment(String text) {
            return concat(latin1("ASCII\0\0\0"), utf8(text));
        }

        public byte[] bytes() {
            int entries = ifd0.size() + (userComment != null ? 1 : 0);
            int ifd0Size = 2 + entries * 12 + 4;
            int exifIfdOffset = 8 + ifd0Size;
            int exifIfdSize = userComment != null ? 2 + 12 + 4 : 0;
            int dataOffset = exifIfdOffset + exifIfdSize;
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            ByteBuffer head = ByteBuffer.allocate(dataOffset).order(order);
            head.put(order == ByteOrder.BIG_ENDIAN ? latin1("MM") : latin1("II")).putShort((short) 42).putInt(8);
            head.putShort((short) entries);
            for (Object[] tag : ifd0) {
                byte[] value = (byte[]) tag[1];
                head.putShort((short) (int) (Integer) tag[0]).putShort((short) 2).putInt(value.length);
                putValue(head, value, dataOffset, data);
            }
            if (userComment != null) {
                head.putShort((short) 0x8769).putShort((short) 4).putInt(1).putInt(exifIfdOffset);
            }
            head.putInt(0);
            if (userComment != null) {
                head.putShort((short) 1);
                head.putShort((short) 0x9286).putShort((short) 7).putInt(userComment.length);
                putValue(head, userComment, dataOffset, data);
                head.putInt(0);
            }
            return concat(head.array(), data.toByteArray());
        }

        private static void putValue(ByteBuffer head, byte[] value, int dataOffset, ByteArrayOutputStream data) {
            if (value.length <= 4) {
                head.put(java.util.Arrays.copyOf(value, 4));
            } else {
                head.putInt(dataOffset + data.size());
                data.writeBytes(value);
                if (data.size() % 2 == 1) {
                    data.write(0);
                }
            }
        }
    }

    /** A real 8x8 JPEG from ImageIO with an APP1 EXIF segment and optional COM segments after SOI. */
    public static byte[] jpeg(byte[] exifTiff, String... comments) {
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        try {
            ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "jpg", encoded);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] plain = encoded.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xff);
        out.write(0xd8);
        if (exifTiff != null) {
            out.writeBytes(segment(0xe1, concat(latin1("Exif\0\0"), exifTiff)));
        }
        for (String comment : comments) {
            out.writeBytes(segment(0xfe, utf8(comment)));
        }
        out.write(plain, 2, plain.length - 2);
        return out.toByteArray();
    }

    public static byte[] segment(int marker, byte[] payload) {
        return concat(new byte[] {(byte) 0xff, (byte) marker, (byte) ((payload.length + 2) >> 8),
            (byte) (payload.length + 2)}, payload);
    }

    /**
     * A WebP container: VP8X, a VP8L chunk holding only a 1x1 bitstream header (the reader never decodes pixels),
     * and the EXIF chunk.
     */
    public static byte[] webp(byte[] exifTiff) {
        byte[] vp8x = riffChunk("VP8X", new byte[] {8, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        byte[] vp8l = riffChunk("VP8L", new byte[] {0x2f, 0, 0, 0, 0});
        byte[] exif = exifTiff == null ? new byte[0] : riffChunk("EXIF", exifTiff);
        byte[] body = concat(latin1("WEBP"), vp8x, vp8l, exif);
        ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        header.put(latin1("RIFF")).putInt(body.length);
        return concat(header.array(), body);
    }

    /**
     * An animated WebP as Pillow writes ComfyUI's SaveAnimatedWEBP output: VP8X (animation and EXIF flags, the
     * canvas size), ANIM, one ANMF frame per {@code frames} (each a VP8L header only), then the EXIF chunk.
     */
    public static byte[] animatedWebp(int width, int height, int frames, byte[] exifTiff) {
        ByteBuffer vp8x = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        vp8x.put((byte) (0x02 | 0x08)).put(new byte[3]);
        putUint24(vp8x, width - 1);
        putUint24(vp8x, height - 1);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(latin1("WEBP"));
        body.writeBytes(riffChunk("VP8X", vp8x.array()));
        body.writeBytes(riffChunk("ANIM", new byte[] {0, 0, 0, 0, 0, 0}));
        for (int i = 0; i < frames; i++) {
            ByteBuffer frame = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            putUint24(frame, 0);
            putUint24(frame, 0);
            putUint24(frame, width - 1);
            putUint24(frame, height - 1);
            putUint24(frame, 100);
            frame.put((byte) 0);
            body.writeBytes(riffChunk("ANMF", concat(frame.array(), riffChunk("VP8L", new byte[] {0x2f, 0, 0, 0, 0}))));
        }
        body.writeBytes(riffChunk("EXIF", exifTiff));
        ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        header.put(latin1("RIFF")).putInt(body.size());
        return concat(header.array(), body.toByteArray());
    }

    private static void putUint24(ByteBuffer buffer, int value) {
        buffer.put((byte) value).put((byte) (value >> 8)).put((byte) (value >> 16));
    }

    public static byte[] riffChunk(String fourCc, byte[] payload) {
        ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        header.put(latin1(fourCc)).putInt(payload.length);
        return concat(header.array(), payload, payload.length % 2 == 1 ? new byte[1] : new byte[0]);
    }

    /**
     * An RGBA image whose alpha least-significant bits carry {@code payload} in the A1111 stealth format
     * (column-major: signature, 32-bit length in bits, payload); the other alpha bits are 1 (opaque).
     */
    public static BufferedImage stealthAlpha(int width, int height, String signature, byte[] payload) {
        byte[] stream = stealthStream(width * height, 1, signature, payload);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        int bit = 0;
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                int value = bit < stream.length * 8 ? (stream[bit / 8] >> (7 - bit % 8)) & 1 : 1;
                image.setRGB(x, y, (0xfe | value) << 24 | (x * 7 & 0xff) << 16 | (y * 5 & 0xff) << 8 | 0x40);
                bit++;
            }
        }
        return image;
    }

    /** An RGB image carrying {@code payload} in the red, green and blue least-significant bits. */
    public static BufferedImage stealthRgb(int width, int height, String signature, byte[] payload) {
        byte[] stream = stealthStream(width * height, 3, signature, payload);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int bit = 0;
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                int rgb = 0;
                for (int channel = 0; channel < 3; channel++) {
                    int value = bit < stream.length * 8 ? (stream[bit / 8] >> (7 - bit % 8)) & 1 : 0;
                    rgb = rgb << 8 | (0x80 | value);
                    bit++;
                }
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    /** Signature, payload length in bits, payload; checked to fit in {@code pixels} at {@code bitsPerPixel}. */
    private static byte[] stealthStream(int pixels, int bitsPerPixel, String signature, byte[] payload) {
        byte[] stream = concat(latin1(signature), ByteBuffer.allocate(4).putInt(payload.length * 8).array(), payload);
        if ((long) stream.length * 8 > (long) pixels * bitsPerPixel) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes does not fit in " + pixels
                    + " pixels");
        }
        return stream;
    }
}
