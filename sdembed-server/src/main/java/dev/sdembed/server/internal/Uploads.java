package dev.sdembed.server.internal;

import dev.sdembed.ImageDecodeException;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.ImageHeader;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * An image sent as the {@code file} part of a multipart form, written to a temporary file (the encoders read files)
 * and checked before anything decodes it: it must be a PNG, JPEG or WebP whose header declares at most
 * {@code maxPixels} pixels, so a decompression bomb costs a few bytes of reading. Error messages never show the
 * temporary file's path.
 */
public final class Uploads {
    /** The form field holding the image. */
    public static final String FIELD = "file";

    private final Path tmpDir;
    private final long maxPixels;
    private final ImageDecoder headers = ImageDecoder.defaults();

    public Uploads(Path tmpDir, long maxPixels) {
        this.tmpDir = tmpDir;
        this.maxPixels = maxPixels;
    }

    /** An upload on disk; closing deletes it. */
    public record Upload(Path file, ImageHeader header, String name) implements AutoCloseable {
        @Override
        public void close() {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Whether the request carries a file part at all. */
    public static boolean hasFile(Context ctx) {
        return ctx.isMultipartFormData() && ctx.uploadedFile(FIELD) != null;
    }

    /** The request's image; 400 when there is none or it is not an image, 413 when it has too many pixels. */
    public Upload receive(Context ctx) {
        if (!ctx.isMultipartFormData()) {
            throw ApiException.badRequest("expected a multipart/form-data body with the image in a part named '"
                    + FIELD + "'");
        }
        List<UploadedFile> files = ctx.uploadedFiles(FIELD);
        if (files.isEmpty()) {
            throw ApiException.badRequest("the form has no part named '" + FIELD + "' holding an image");
        }
        if (files.size() > 1) {
            throw ApiException.badRequest("the form has " + files.size() + " parts named '" + FIELD + "'; send one image");
        }
        UploadedFile upload = files.get(0);
        Path file;
        try {
            Files.createDirectories(tmpDir);
            file = Files.createTempFile(tmpDir, "upload-", ".img");
            try (InputStream in = upload.content()) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot keep an upload in " + tmpDir, e);
        }
        try {
            if (Files.size(file) == 0) {
                throw ApiException.badRequest("the uploaded file is empty");
            }
            ImageHeader header;
            try {
                header = headers.readHeader(file);
            } catch (ImageDecodeException e) {
                throw ApiException.badRequest("the upload is not an image sdembed reads (PNG, JPEG or WebP): "
                        + reason(e, file));
            }
            if (header.pixelCount() > maxPixels) {
                throw ApiException.tooLarge(String.format(Locale.ROOT,
                        "the uploaded image declares %dx%d = %.1f megapixels; at most %.1f megapixels are accepted",
                        header.width(), header.height(), header.pixelCount() / 1e6, maxPixels / 1e6));
            }
            return new Upload(file, header, upload.filename());
        } catch (RuntimeException | IOException e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw (RuntimeException) e;
        }
    }

    /** An upload that decodes badly, in words: the reason without the temporary path. */
    public static String reason(ImageDecodeException e, Path file) {
        String prefix = "Cannot decode image " + file + ": ";
        String message = e.getMessage();
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message.replace(file.toString(),
                "the upload");
    }
}
