package dev.sdembed.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import dev.sdembed.Checks;
import dev.sdembed.ImageDecodeException;
import dev.sdembed.InvalidInputException;
import dev.sdembed.internal.RegularFiles;
import dev.sdembed.image.internal.Container;
import dev.sdembed.image.internal.Container.JpegColorSpace;
import dev.sdembed.image.internal.PathImageInputStream;
import dev.sdembed.image.internal.PillowRgb;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG, JPEG and WebP files to 8-bit RGB exactly as Pillow's {@code Image.open(f).convert("RGB")} does, the
 * first step of every CLIP image pipeline: alpha dropped (not composited), 16-bit samples reduced as Pillow reduces
 * them, palettes expanded, CMYK/YCCK JPEGs converted with Pillow's naive formula, an animated WebP's first frame.
 * Colour profiles, gamma and EXIF orientation are ignored, as Pillow ignores them.
 *
 * <p>Before any pixel is decoded, the size the header declares is checked against {@link #maxPixels()}, so a
 * decompression bomb costs a few bytes of reading. Every failure is an {@link ImageDecodeException} naming the file
 * and the reason. Immutable and thread-safe; each call uses its own ImageIO reader.
 */
public final class ImageDecoder {
    /** The default {@link #maxPixels()}: 100 megapixels (10,000 x 10,000), 300 MB of RGB. */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;
    /**
     * The largest {@link Builder#maxPixels(long)}: 700 megapixels, whose RGB (2.1 GB) is about the most one Java byte
     * array holds. A larger image could pass the header check only to fail allocating its pixels.
     */
    public static final long MAX_PIXELS_CAP = 700_000_000L;

    private static final ImageDecoder DEFAULTS = builder().build();

    private final long maxPixels;

    private ImageDecoder(Builder builder) {
        this.maxPixels = builder.maxPixels;
    }

    /** A decoder with the default limit. */
    public static ImageDecoder defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().maxPixels(maxPixels);
    }

    /** The largest width x height accepted; larger images are rejected from their header. */
    public long maxPixels() {
        return maxPixels;
    }

    /** Format and size from the file's header: reads a few bytes (up to the first JPEG scan), decodes nothing. */
    public ImageHeader readHeader(Path file) {
        Objects.requireNonNull(file, "file");
        try (ImageInputStream in = open(file)) {
            return header(file, container(file, in));
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    /** Decodes the whole file to RGB. */
    public RgbImage decode(Path file) {
        Objects.requireNonNull(file, "file");
        try (ImageInputStream in = open(file)) {
            return decode(file, in, container(file, in));
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    /**
     * Decodes an image held in memory; {@code origin} (may be null) only names it in error messages.
     */
    public RgbImage decode(byte[] content, Path origin) {
        Objects.requireNonNull(content, "content");
        if (content.length == 0) {
            throw new ImageDecodeException(origin, "empty file (0 bytes)");
        }
        try (ImageInputStream in = new ByteArrayImageInputStream(content)) {
            return decode(origin, in, container(origin, in));
        } catch (IOException e) {
            throw ioFailure(origin, e);
        }
    }

    /** Header and pixels in one read, for the preprocessing pool. */
    Decoded decodeWithHeader(Path file) {
        try (ImageInputStream in = open(file)) {
            Container container = container(file, in);
            return new Decoded(header(file, container), decode(file, in, container));
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    record Decoded(ImageHeader header, RgbImage image) {
    }

    private static ImageInputStream open(Path file) throws IOException {
        String notRegular = RegularFiles.notRegular(file);
        if (notRegular != null) {
            throw new ImageDecodeException(file, notRegular);
        }
        if (Files.exists(file) && Files.size(file) == 0) {
            throw new ImageDecodeException(file, "empty file (0 bytes)");
        }
        return PathImageInputStream.open(file);
    }

    private static Container container(Path file, ImageInputStream in) {
        try {
            return Container.read(in);
        } catch (IOException e) {
            if (Container.isTruncation(e)) {
                throw new ImageDecodeException(file, "truncated: the file ends inside its header", e);
            }
            throw new ImageDecodeException(file, e.getMessage(), e);
        }
    }

    private static ImageHeader header(Path file, Container c) {
        return new ImageHeader(c.width(), c.height(), c.format());
    }

    private RgbImage decode(Path file, ImageInputStream in, Container c) {
        checkSize(file, c.width(), c.height(), "header declares");
        try {
            in.seek(0);
            return switch (c.format()) {
                case PNG -> decodePng(file, in, c);
                case JPEG -> decodeJpeg(file, in, c);
                case WEBP -> decodeWebp(file, in, c);
            };
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO plugins signal corrupt data with IIOException, but also with IndexOutOfBounds,
            // NegativeArraySize or IllegalArgument exceptions from deep inside: all mean "bad file".
            String format = c.format().name();
            if (Container.isTruncation(e)) {
                throw new ImageDecodeException(file, "truncated " + format + " data (the file ends early)", e);
            }
            throw new ImageDecodeException(file, "corrupt " + format + " data: " + describe(e), e);
        }
    }

    private void checkSize(Path file, long width, long height, String what) {
        if (width * height > maxPixels) {
            throw new ImageDecodeException(file, String.format(Locale.ROOT,
                    "%s %dx%d = %.1f megapixels, over the limit of %.1f megapixels (maxPixels %d)",
                    what, width, height, width * height / 1e6, maxPixels / 1e6, maxPixels));
        }
    }

    private static RgbImage decodePng(Path file, ImageInputStream in, Container c) throws IOException {
        ImageReader reader = reader(file, "png", null);
        try {
            reader.setInput(in, true, true);
            BufferedImage image = reader.read(0);
            requireSize(file, image.getWidth(), image.getHeight(), c);
            return RgbImage.wrap(c.width(), c.height(), PillowRgb.fromPng(image, c.png()));
        } finally {
            reader.dispose();
        }
    }

    private static RgbImage decodeJpeg(Path file, ImageInputStream in, Container c) throws IOException {
        Container.JpegInfo jpeg = c.jpeg();
        if (jpeg.precision() != 8) {
            throw new ImageDecodeException(file, jpeg.precision() + "-bit JPEG samples are not supported (only 8-bit,"
                    + " as in Pillow)");
        }
        if (jpeg.arithmetic()) {
            throw new ImageDecodeException(file, "arithmetic-coded JPEGs are not supported by the Java JPEG decoder");
        }
        JpegColorSpace colorSpace = jpeg.colorSpace();
        if (colorSpace == null) {
            throw new ImageDecodeException(file, "JPEG with " + jpeg.components()
                    + " colour components; expected 1 (grey), 3 (YCbCr/RGB) or 4 (CMYK/YCCK)");
        }
        if (!Container.hasEndOfImage(in, jpeg.scanOffset())) {
            throw new ImageDecodeException(file, "truncated JPEG data (the file ends before its end-of-image marker)");
        }
        in.seek(0);
        ImageReader reader = reader(file, "jpeg", "com.twelvemonkeys.");
        try {
            reader.setInput(in, true, true);
            // The raster holds the samples before any colour transform; Pillow's transforms are applied after.
            Raster raster = reader.readRaster(0, null);
            if (raster.getNumBands() != jpeg.components()) {
                throw new ImageDecodeException(file, "JPEG decoder returned " + raster.getNumBands()
                        + " bands for " + jpeg.components() + " components");
            }
            requireSize(file, raster.getWidth(), raster.getHeight(), c);
            return RgbImage.wrap(c.width(), c.height(), PillowRgb.fromJpeg(raster, colorSpace));
        } finally {
            reader.dispose();
        }
    }

    private RgbImage decodeWebp(Path file, ImageInputStream in, Container c) throws IOException {
        long length = in.length();
        if (length >= 0 && length < c.webp().fileSize()) {
            // libwebp's demuxer refuses incomplete files, so Pillow does; the reader here would decode what is there.
            throw new ImageDecodeException(file, "truncated WEBP data (the file has " + length
                    + " bytes, its RIFF header declares " + c.webp().fileSize() + ")");
        }
        ImageReader reader = reader(file, "webp", null);
        try {
            reader.setInput(in, false, true);
            checkSize(file, reader.getWidth(0), reader.getHeight(0), "first frame is");
            ImageReadParam param = reader.getDefaultReadParam();
            // The raw type keeps an embedded ICC profile's colour space, so the reader does not convert to sRGB.
            param.setDestinationType(reader.getRawImageType(0));
            BufferedImage frame = reader.read(0, param);
            Container.WebpInfo webp = c.webp();
            if (!webp.animated()) {
                requireSize(file, frame.getWidth(), frame.getHeight(), c);
            }
            return RgbImage.wrap(c.width(), c.height(),
                    PillowRgb.fromWebp(frame, c.width(), c.height(), webp.frameX(), webp.frameY()));
        } finally {
            reader.dispose();
        }
    }

    private static void requireSize(Path file, int width, int height, Container c) {
        if (width != c.width() || height != c.height()) {
            throw new ImageDecodeException(file, "decoded " + width + "x" + height + " pixels but the header declares "
                    + c.width() + "x" + c.height());
        }
    }

    private static ImageReader reader(Path file, String format, String preferredPackage) throws IOException {
        ImageReaderSpi chosen = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format); it.hasNext(); ) {
            ImageReader candidate = it.next();
            ImageReaderSpi spi = candidate.getOriginatingProvider();
            candidate.dispose();
            if (chosen == null || preferredPackage != null && spi.getClass().getName().startsWith(preferredPackage)) {
                chosen = spi;
            }
        }
        if (chosen == null) {
            throw new ImageDecodeException(file, "no ImageIO reader for " + format.toUpperCase(Locale.ROOT)
                    + " on the class path (TwelveMonkeys imageio-" + format + " missing?)");
        }
        return chosen.createReaderInstance();
    }

    private static ImageDecodeException ioFailure(Path file, IOException e) {
        if (e instanceof NoSuchFileException || e instanceof FileNotFoundException && !Files.exists(file)) {
            return new ImageDecodeException(file, "file not found", e);
        }
        if (e instanceof AccessDeniedException) {
            return new ImageDecodeException(file, "permission denied", e);
        }
        if (Container.isTruncation(e)) {
            return new ImageDecodeException(file, "truncated (the file ends early)", e);
        }
        return new ImageDecodeException(file, "cannot read file: " + describe(e), e);
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /** Configuration of an {@link ImageDecoder}. */
    public static final class Builder {
        private long maxPixels = DEFAULT_MAX_PIXELS;

        private Builder() {
        }

        /**
         * Images whose header declares more than this many pixels are rejected before decoding. Default
         * {@link #DEFAULT_MAX_PIXELS}; at most {@link #MAX_PIXELS_CAP}.
         */
        public Builder maxPixels(long maxPixels) {
            this.maxPixels = Checks.inRange("maxPixels", maxPixels, 1, MAX_PIXELS_CAP);
            return this;
        }

        public ImageDecoder build() {
            return new ImageDecoder(this);
        }
    }
}
