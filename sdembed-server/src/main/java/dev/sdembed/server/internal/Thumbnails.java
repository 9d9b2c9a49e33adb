package dev.sdembed.server.internal;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.PillowResize;
import dev.sdembed.image.ResampleFilter;
import dev.sdembed.image.RgbImage;
import dev.sdembed.store.StoredImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JPEG thumbnails of stored images, the longest side {@link #SIZES} pixels, EXIF orientation applied, cached on disk
 * by the image's content hash ({@code DIR/256/ab/abcdef….jpg}): identical files share one thumbnail, and a file
 * re-indexed with new content gets a new one. A file whose size or time differs from its record (changed since it was
 * indexed) is thumbnailed but not cached. At most {@code concurrent} thumbnails are made at once: decoding a large
 * image takes its full RGB size in memory.
 */
public final class Thumbnails {
    private static final Logger LOG = LoggerFactory.getLogger(Thumbnails.class);

    /** The sizes served; others are refused, so the cache holds at most three files per image. */
    public static final List<Integer> SIZES = List.of(128, 256, 512);
    public static final int DEFAULT_SIZE = 256;
    private static final float QUALITY = 0.85f;

    private final Path dir;
    private final ImageDecoder decoder;
    private final Semaphore making;

    public Thumbnails(Path dir, ImageDecoder decoder, int concurrent) {
        this.dir = dir;
        this.decoder = decoder;
        this.making = new Semaphore(concurrent, true);
    }

    public Path directory() {
        return dir;
    }

    /** The thumbnail's JPEG bytes, from the cache or made now. */
    public byte[] thumbnail(StoredImage image, Path file, int size) {
        String hex = image.record().imageHash().hex();
        Path cached = dir.resolve(Integer.toString(size)).resolve(hex.substring(0, 2)).resolve(hex + ".jpg");
        try {
            if (Files.isRegularFile(cached)) {
                return Files.readAllBytes(cached);
            }
            byte[] jpeg = make(file, size);
            if (unchanged(image, file)) {
                store(cached, jpeg);
            }
            return jpeg;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or write thumbnail " + cached, e);
        }
    }

    private byte[] make(Path file, int size) throws IOException {
        try {
            if (!making.tryAcquire(30, TimeUnit.SECONDS)) {
                throw ApiException.overloaded("too many thumbnails are being made; try again shortly", 1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.overloaded("the server is shutting down", 1);
        }
        try {
            RgbImage rgb = decoder.decode(file);
            double scale = Math.min(1.0, (double) size / Math.max(rgb.width(), rgb.height()));
            int w = Math.max(1, (int) Math.round(rgb.width() * scale));
            int h = Math.max(1, (int) Math.round(rgb.height() * scale));
            RgbImage small = scale < 1.0 ? PillowResize.resize(rgb, w, h, ResampleFilter.BICUBIC) : rgb;
            return jpeg(Orientation.apply(toBuffered(small), orientation(file)));
        } finally {
            making.release();
        }
    }

    /** The EXIF orientation (1 to 8) of the file, 1 when it has none or it cannot be read. */
    static int orientation(Path file) {
        try {
            Metadata metadata = ImageMetadataReader.readMetadata(file.toFile());
            for (ExifIFD0Directory d : metadata.getDirectoriesOfType(ExifIFD0Directory.class)) {
                if (d.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                    int o = d.getInt(ExifIFD0Directory.TAG_ORIENTATION);
                    return o >= 1 && o <= 8 ? o : 1;
                }
            }
        } catch (Exception e) {
            LOG.debug("No EXIF orientation read from {}: {}", file, e.toString());
        }
        return 1;
    }

    private static boolean unchanged(StoredImage image, Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return a.size() == image.record().fileSize()
                && a.lastModifiedTime().toInstant().truncatedTo(java.time.temporal.ChronoUnit.MICROS)
                .equals(image.record().modifiedAt());
    }

    private static void store(Path cached, byte[] jpeg) throws IOException {
        Files.createDirectories(cached.getParent());
        Path tmp = Files.createTempFile(cached.getParent(), ".thumb-", ".tmp");
        try {
            Files.write(tmp, jpeg);
            try {
                Files.move(tmp, cached, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static BufferedImage toBuffered(RgbImage rgb) {
        BufferedImage out = new BufferedImage(rgb.width(), rgb.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < rgb.height(); y++) {
            for (int x = 0; x < rgb.width(); x++) {
                out.setRGB(x, y, rgb.rgbAt(x, y));
            }
        }
        return out;
    }

    private static byte[] jpeg(BufferedImage image) throws IOException {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IOException("no ImageIO JPEG writer on the class path");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16384);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(QUALITY);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
