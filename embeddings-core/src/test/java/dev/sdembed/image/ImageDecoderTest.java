package dev.sdembed.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.ImageDecodeException;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Decoding to RGB as Pillow's {@code Image.open(f).convert("RGB")} does, format by format, and every error. */
class ImageDecoderTest {
    private final ImageDecoder decoder = ImageDecoder.defaults();

    @TempDir
    Path dir;

    // ---- PNG ----

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void greyPngsScaleLowBitDepthsToFullRange(int bitDepth) throws IOException {
        int max = (1 << bitDepth) - 1;
        int[] samples = new int[7 * 3];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (i * 5) % (max + 1);
        }
        RgbImage image = decode("grey.png", TestImages.png(7, 3, bitDepth, 0, samples, null, null));
        for (int i = 0; i < samples.length; i++) {
            int grey = samples[i] * 255 / max;
            assertThat(image.rgbAt(i % 7, i / 7)).as("sample %d", i).isEqualTo(grey << 16 | grey << 8 | grey);
        }
    }

    @Test
    void sixteenBitGreyIsClippedAt255NotScaledAsPillowDoes() throws IOException {
        // Pillow opens 16-bit grey as mode "I" and convert("RGB") clips: 256..65535 all become white.
        int[] samples = {0, 100, 255, 256, 1000, 65535};
        RgbImage image = decode("grey16.png", TestImages.png(6, 1, 16, 0, samples, null, null));
        int[] expected = {0, 100, 255, 255, 255, 255};
        for (int x = 0; x < 6; x++) {
            assertThat(image.rgbAt(x, 0) & 0xff).as("x=%d", x).isEqualTo(expected[x]);
        }
    }

    @Test
    void sixteenBitColourAndGreyAlphaKeepTheHighByte() throws IOException {
        int[] rgb = {0x1234, 0xabcd, 0x00ff, 0xff00, 0x8080, 0x0001};
        RgbImage colour = decode("rgb16.png", TestImages.png(2, 1, 16, 2, rgb, null, null));
        assertThat(colour.rgbAt(0, 0)).isEqualTo(0x12ab00);
        assertThat(colour.rgbAt(1, 0)).isEqualTo(0xff8000);

        int[] rgba = {0x1234, 0xabcd, 0x00ff, 0x0000, 0xff00, 0x8080, 0x0001, 0xffff};
        RgbImage withAlpha = decode("rgba16.png", TestImages.png(2, 1, 16, 6, rgba, null, null));
        assertThat(withAlpha.rgbAt(0, 0)).as("alpha 0 is dropped, colour kept").isEqualTo(0x12ab00);
        assertThat(withAlpha.rgbAt(1, 0)).isEqualTo(0xff8000);

        int[] greyAlpha = {0x7fff, 0x0000, 0x1000, 0xffff};
        RgbImage grey = decode("ga16.png", TestImages.png(2, 1, 16, 4, greyAlpha, null, null));
        assertThat(grey.rgbAt(0, 0)).isEqualTo(0x7f7f7f);
        assertThat(grey.rgbAt(1, 0)).isEqualTo(0x101010);
    }

    @Test
    void alphaIsDroppedNotComposited() throws IOException {
        int[] rgba = {200, 10, 30, 0, 5, 250, 60, 128, 90, 91, 92, 255};
        RgbImage image = decode("rgba.png", TestImages.png(3, 1, 8, 6, rgba, null, null));
        assertThat(image.rgbAt(0, 0)).isEqualTo(0xc80a1e);
        assertThat(image.rgbAt(1, 0)).isEqualTo(0x05fa3c);
        assertThat(image.rgbAt(2, 0)).isEqualTo(0x5a5b5c);

        int[] greyAlpha = {17, 0, 240, 99};
        RgbImage grey = decode("la.png", TestImages.png(2, 1, 8, 4, greyAlpha, null, null));
        assertThat(grey.rgbAt(0, 0)).isEqualTo(0x111111);
        assertThat(grey.rgbAt(1, 0)).isEqualTo(0xf0f0f0);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void palettesExpandAndIndicesPastAShortPaletteAreGrey(int bitDepth) throws IOException {
        int entries = Math.max(1, (1 << bitDepth) / 2 - 1);
        byte[] plte = new byte[entries * 3];
        new Random(bitDepth).nextBytes(plte);
        int[] indices = new int[1 << bitDepth];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = i;
        }
        byte[] trns = {0, (byte) 128};
        RgbImage image = decode("p.png", TestImages.png(indices.length, 1, bitDepth, 3, indices, plte, trns));
        for (int i = 0; i < indices.length; i++) {
            // Pillow's palette starts as a grey ramp; PLTE overwrites only the entries it has.
            int expected = i < entries
                    ? (plte[i * 3] & 0xff) << 16 | (plte[i * 3 + 1] & 0xff) << 8 | plte[i * 3 + 2] & 0xff
                    : i << 16 | i << 8 | i;
            assertThat(image.rgbAt(i, 0)).as("index %d", i).isEqualTo(expected);
        }
    }

    @Test
    void rgbPngWithTransparentColourIsPlainRgb() throws IOException {
        int[] rgb = {1, 2, 3, 40, 50, 60};
        byte[] trns = {0, 1, 0, 2, 0, 3};
        RgbImage image = decode("trns.png", TestImages.png(2, 1, 8, 2, rgb, null, trns));
        assertThat(image.rgbAt(0, 0)).isEqualTo(0x010203);
        assertThat(image.rgbAt(1, 0)).isEqualTo(0x28323c);
    }

    // ---- JPEG ----

    @Test
    void jpegColourMatchesLibjpegsOwnYcbcrConversion() throws IOException {
        BufferedImage source = new BufferedImage(53, 37, BufferedImage.TYPE_3BYTE_BGR);
        Random random = new Random(7);
        for (int y = 0; y < 37; y++) {
            for (int x = 0; x < 53; x++) {
                source.setRGB(x, y, (x * 4 + random.nextInt(20)) << 16 | (y * 6 + random.nextInt(20)) << 8
                        | random.nextInt(256));
            }
        }
        byte[] jpeg = TestImages.jpeg(source, 0.85f);
        RgbImage image = decode("colour.jpg", jpeg);
        // The JDK's reader converts YCbCr to RGB inside libjpeg (jdcolor.c), the same code Pillow runs.
        Raster libjpeg = readWithJdk(jpeg).getRaster();
        int[] pixel = new int[3];
        for (int y = 0; y < 37; y++) {
            for (int x = 0; x < 53; x++) {
                libjpeg.getPixel(x, y, pixel);
                assertThat(image.rgbAt(x, y)).as("(%d, %d)", x, y)
                        .isEqualTo(pixel[0] << 16 | pixel[1] << 8 | pixel[2]);
            }
        }
    }

    @Test
    void greyJpegIsReplicated() throws IOException {
        BufferedImage source = new BufferedImage(16, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 16; x++) {
            for (int y = 0; y < 8; y++) {
                source.getRaster().setSample(x, y, 0, 77);
            }
        }
        RgbImage image = decode("grey.jpg", TestImages.jpeg(source, 1f));
        assertThat(image.rgbAt(5, 5)).isEqualTo(0x4d4d4d);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0})
    void cmykJpegUsesPillowsAdobePolarityAndNaiveConversion(int adobeTransform) throws IOException {
        // Stored C, M, Y, K = 30, 100, 200, 50. Pillow 9.4 reads it as inverted CMYK (225, 155, 55, 205) and
        // converts that to RGB (6, 20, 39), with or without an Adobe marker.
        byte[] jpeg = TestImages.fourComponentJpeg(flat(16, 16, 30, 100, 200, 50), adobeTransform);
        RgbImage image = decode("cmyk.jpg", jpeg);
        assertCloseTo(image.rgbAt(7, 7), 6, 20, 39);
    }

    @Test
    void ycckJpegIsConvertedToCmykFirst() throws IOException {
        // Stored Y, Cb, Cr, K = 30, 100, 200, 50 with Adobe transform 2. Pillow 9.4 gives RGB (24, 50, 50).
        byte[] jpeg = TestImages.fourComponentJpeg(flat(16, 16, 30, 100, 200, 50), 2);
        RgbImage image = decode("ycck.jpg", jpeg);
        assertCloseTo(image.rgbAt(7, 7), 24, 50, 50);
    }

    // ---- WebP ----

    @Test
    void losslessWebpIsExactAndKeepsColourUnderTransparentPixels() throws IOException {
        RgbImage image = decode("pattern.webp", resource("pattern-lossless.webp"));
        assertThat(decoder.readHeader(dir.resolve("pattern.webp"))).isEqualTo(new ImageHeader(12, 9, ImageFormat.WEBP));
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 12; x++) {
                assertThat(image.rgbAt(x, y)).as("(%d, %d)", x, y).isEqualTo(pattern(x, y));
            }
        }
    }

    @Test
    void animatedWebpGivesTheFirstFrameOnABlackCanvas() throws IOException {
        byte[] vp8l = chunk(resource("pattern-lossless.webp"), "VP8L");
        // Canvas 20x15; frame 1 (the pattern) at (4, 2), frame 2 (the same bitstream) at (0, 0).
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("WEBP".getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(riffChunk("VP8X", le(0x12, 0, 0, 0, 19, 0, 0, 14, 0, 0)));
        body.writeBytes(riffChunk("ANIM", le(0, 0, 0, 0, 0, 0)));
        body.writeBytes(riffChunk("ANMF", concat(le(2, 0, 0, 1, 0, 0, 11, 0, 0, 8, 0, 0, 100, 0, 0, 0),
                riffChunk("VP8L", vp8l))));
        body.writeBytes(riffChunk("ANMF", concat(le(0, 0, 0, 0, 0, 0, 11, 0, 0, 8, 0, 0, 100, 0, 0, 0),
                riffChunk("VP8L", vp8l))));
        byte[] file = riffChunk("RIFF", body.toByteArray());

        RgbImage image = decode("animated.webp", file);
        assertThat(decoder.readHeader(dir.resolve("animated.webp"))).isEqualTo(new ImageHeader(20, 15, ImageFormat.WEBP));
        for (int y = 0; y < 15; y++) {
            for (int x = 0; x < 20; x++) {
                boolean inFrame = x >= 4 && x < 16 && y >= 2 && y < 11;
                assertThat(image.rgbAt(x, y)).as("(%d, %d)", x, y).isEqualTo(inFrame ? pattern(x - 4, y - 2) : 0);
            }
        }
    }

    @Test
    void animatedWebpWrittenByLibwebpDecodesItsFirstFrame() throws IOException {
        // Frame 1 is the pattern, frame 2 its inverse. libwebp's encoder zeroes the colour of fully transparent
        // pixels, so only pixels with alpha are compared.
        RgbImage image = decode("two.webp", resource("two-frames.webp"));
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 12; x++) {
                if ((x * y * 7) % 256 != 0) {
                    assertThat(image.rgbAt(x, y)).as("(%d, %d)", x, y).isEqualTo(pattern(x, y));
                }
            }
        }
    }

    @Test
    void lossyWebpDecodesToItsDeclaredSize() throws IOException {
        RgbImage image = decode("flat.webp", resource("flat-lossy.webp"));
        assertThat(image.width()).isEqualTo(32);
        assertThat(image.height()).isEqualTo(24);
        assertThat(decoder.readHeader(dir.resolve("flat.webp"))).isEqualTo(new ImageHeader(32, 24, ImageFormat.WEBP));
    }

    @Test
    void lossyWebpIsWithinOneLevelOfLibwebp() throws IOException {
        // Pillow (libwebp) decodes every pixel of this flat image to (201, 120, 40). TwelveMonkeys 3.15's VP8
        // decoder is not bit-exact (chroma upsampling differs at edges: on the real SD WebP fixtures the mean
        // difference to Pillow is under one level), but a flat colour must come out as that colour.
        RgbImage image = decode("flat.webp", resource("flat-lossy.webp"));
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int rgb = image.rgbAt(x, y);
                assertThat((rgb >> 16) & 0xff).as("red at (%d, %d)", x, y).isBetween(200, 202);
                assertThat((rgb >> 8) & 0xff).as("green at (%d, %d)", x, y).isBetween(119, 121);
                assertThat(rgb & 0xff).as("blue at (%d, %d)", x, y).isBetween(39, 41);
            }
        }
    }

    // ---- headers and the pixel limit ----

    @Test
    void readsHeadersWithoutDecoding() throws IOException {
        Path png = write("h.png", TestImages.pngHeaderOnly(4000, 3000));
        assertThat(decoder.readHeader(png)).isEqualTo(new ImageHeader(4000, 3000, ImageFormat.PNG));
        Path jpeg = write("h.jpg", TestImages.jpeg(new BufferedImage(33, 17, BufferedImage.TYPE_3BYTE_BGR), 0.9f));
        assertThat(decoder.readHeader(jpeg)).isEqualTo(new ImageHeader(33, 17, ImageFormat.JPEG));
    }

    @Test
    void rejectsImagesOverThePixelLimitFromTheHeaderAlone() throws IOException {
        // The IDAT is garbage: reaching the pixel data would fail with a different message.
        Path bomb = write("bomb.png", TestImages.pngHeaderOnly(20_000, 20_000));
        assertThatThrownBy(() -> decoder.decode(bomb))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessage("Cannot decode image " + bomb + ": header declares 20000x20000 = 400.0 megapixels, over the"
                        + " limit of 100.0 megapixels (maxPixels 100000000)");
        assertThat(decoder.readHeader(bomb).pixelCount()).isEqualTo(400_000_000L);

        byte[] jpeg = TestImages.jpeg(new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR), 0.9f);
        Path bigJpeg = write("big.jpg", patchJpegSize(jpeg, 60_000, 60_000));
        assertThatThrownBy(() -> decoder.decode(bigJpeg))
                .isInstanceOf(ImageDecodeException.class).hasMessageContaining("60000x60000 = 3600.0 megapixels");
    }

    @Test
    void pixelLimitIsConfigurable() throws IOException {
        ImageDecoder small = ImageDecoder.builder().maxPixels(100).build();
        assertThat(ImageDecoder.defaults().maxPixels()).isEqualTo(ImageDecoder.DEFAULT_MAX_PIXELS)
                .isEqualTo(100_000_000L);
        Path ten = write("ten.png", TestImages.png(10, 10, 8, 0, new int[100], null, null));
        Path eleven = write("eleven.png", TestImages.png(11, 10, 8, 0, new int[110], null, null));
        assertThat(small.decode(ten).width()).isEqualTo(10);
        assertThatThrownBy(() -> small.decode(eleven)).isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining("11x10").hasMessageContaining("(maxPixels 100)");
        assertThatThrownBy(() -> ImageDecoder.builder().maxPixels(0))
                .hasMessage("maxPixels is 0; expected 1 to 700000000");
        assertThatThrownBy(() -> ImageDecoder.builder().maxPixels(ImageDecoder.MAX_PIXELS_CAP + 1))
                .as("more pixels than one Java array can hold as RGB")
                .hasMessage("maxPixels is 700000001; expected 1 to 700000000");
    }

    // ---- broken files ----

    @Test
    void emptyFile() throws IOException {
        assertFailure(write("empty.png", new byte[0]), "empty file (0 bytes)");
        assertThatThrownBy(() -> decoder.decode(new byte[0], Path.of("in-memory.png")))
                .hasMessage("Cannot decode image in-memory.png: empty file (0 bytes)");
    }

    @Test
    void notAnImage() throws IOException {
        assertFailure(write("notes.png", "just some text\n".getBytes(StandardCharsets.US_ASCII)),
                "not a PNG, JPEG or WebP image (starts with 0x6A75737420736F6D)");
    }

    @Test
    void truncatedInsideTheHeader() throws IOException {
        byte[] png = TestImages.png(10, 10, 8, 0, new int[100], null, null);
        assertFailure(write("cut-header.png", Arrays.copyOf(png, 14)), "truncated: the file ends inside its header");
    }

    @Test
    void truncatedPng() throws IOException {
        int[] samples = new int[64 * 64 * 3];
        Random random = new Random(1);
        for (int i = 0; i < samples.length; i++) {
            samples[i] = random.nextInt(256);
        }
        byte[] png = TestImages.png(64, 64, 8, 2, samples, null, null);
        assertFailure(write("cut.png", Arrays.copyOf(png, png.length / 2)), "truncated PNG data (the file ends early)");
    }

    @Test
    void corruptPngData() throws IOException {
        assertFailure(write("garbage.png", TestImages.pngHeaderOnly(8, 8)), "corrupt PNG data: ");
    }

    @Test
    void truncatedJpeg() throws IOException {
        BufferedImage source = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
        Random random = new Random(2);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                source.setRGB(x, y, random.nextInt());
            }
        }
        byte[] jpeg = TestImages.jpeg(source, 0.9f);
        assertFailure(write("cut.jpg", Arrays.copyOf(jpeg, jpeg.length * 2 / 3)),
                "truncated JPEG data (the file ends before its end-of-image marker)");
    }

    @Test
    void truncatedWebp() throws IOException {
        byte[] webp = resource("two-frames.webp");
        assertFailure(write("cut.webp", Arrays.copyOf(webp, webp.length - 300)),
                "truncated WEBP data (the file has 528 bytes, its RIFF header declares 828)");
    }

    @Test
    void missingFileAndDirectory() {
        assertFailure(dir.resolve("nope.png"), "file not found");
        assertFailure(dir, "is a directory, not an image file");
    }

    // ---- helpers ----

    private void assertFailure(Path file, String reason) {
        assertThatThrownBy(() -> decoder.decode(file))
                .isInstanceOfSatisfying(ImageDecodeException.class, e -> assertThat(e.file()).isEqualTo(file))
                .hasMessageStartingWith("Cannot decode image " + file + ": ")
                .hasMessageContaining(reason);
    }

    private RgbImage decode(String name, byte[] content) throws IOException {
        RgbImage fromFile = decoder.decode(write(name, content));
        assertThat(decoder.decode(content, Path.of(name))).as("in-memory decoding agrees").isEqualTo(fromFile);
        return fromFile;
    }

    private Path write(String name, byte[] content) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, content);
        return file;
    }

    private static int pattern(int x, int y) {
        return (x * 20) << 16 | (y * 25) << 8 | ((x + y) * 10) % 256;
    }

    private static void assertCloseTo(int rgb, int r, int g, int b) {
        assertThat(rgb >> 16 & 0xff).as("red").isCloseTo(r, org.assertj.core.data.Offset.offset(2));
        assertThat(rgb >> 8 & 0xff).as("green").isCloseTo(g, org.assertj.core.data.Offset.offset(2));
        assertThat(rgb & 0xff).as("blue").isCloseTo(b, org.assertj.core.data.Offset.offset(2));
    }

    private static WritableRaster flat(int w, int h, int... components) {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, components.length, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.setPixel(x, y, components);
            }
        }
        return raster;
    }

    private static BufferedImage readWithJdk(byte[] jpeg) throws IOException {
        for (var it = ImageIO.getImageReadersByFormatName("jpeg"); it.hasNext(); ) {
            ImageReader reader = it.next();
            if (reader.getClass().getName().startsWith("com.sun.")) {
                try (ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(jpeg))) {
                    reader.setInput(in);
                    return reader.read(0);
                } finally {
                    reader.dispose();
                }
            }
            reader.dispose();
        }
        throw new IllegalStateException("no JDK JPEG reader");
    }

    private static byte[] patchJpegSize(byte[] jpeg, int width, int height) {
        byte[] copy = jpeg.clone();
        for (int i = 2; i < copy.length - 8; i++) {
            if ((copy[i] & 0xff) == 0xff && ((copy[i + 1] & 0xff) == 0xc0 || (copy[i + 1] & 0xff) == 0xc2)) {
                copy[i + 5] = (byte) (height >> 8);
                copy[i + 6] = (byte) height;
                copy[i + 7] = (byte) (width >> 8);
                copy[i + 8] = (byte) width;
                return copy;
            }
        }
        throw new IllegalStateException("no SOF marker");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ImageDecoderTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }

    /** The payload of the first RIFF chunk named {@code fourCc} in a WebP file. */
    private static byte[] chunk(byte[] webp, String fourCc) {
        ByteBuffer b = ByteBuffer.wrap(webp).order(ByteOrder.LITTLE_ENDIAN);
        for (int pos = 12; pos + 8 <= webp.length; ) {
            int length = b.getInt(pos + 4);
            if (new String(webp, pos, 4, StandardCharsets.US_ASCII).equals(fourCc)) {
                return Arrays.copyOfRange(webp, pos + 8, pos + 8 + length);
            }
            pos += 8 + length + (length & 1);
        }
        throw new IllegalStateException("no " + fourCc + " chunk");
    }

    private static byte[] riffChunk(String fourCc, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(fourCc.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(payload.length).array());
        out.writeBytes(payload);
        if ((payload.length & 1) == 1) {
            out.write(0);
        }
        return out.toByteArray();
    }

    private static byte[] le(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
