package dev.sdembed.encoder;

import dev.sdembed.ImageDecodeException;
import dev.sdembed.image.PixelHash;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The outcome for one file of {@link ImageEncoder#embedEach}: its embedding, or the reason it could not be read.
 *
 * @param file      the input file
 * @param embedding null when the file failed
 * @param error     null when the file was embedded
 * @param pixelHash the {@link PixelHash} of the pixels the encoder decoded, when it offers it (so a bulk run need not
 *                  decode the file a second time for it); null when it does not, or the file failed
 */
public record ImageEmbeddingResult(Path file, Embedding embedding, ImageDecodeException error, PixelHash pixelHash) {

    public ImageEmbeddingResult {
        Objects.requireNonNull(file, "file");
        if ((embedding == null) == (error == null)) {
            throw new IllegalArgumentException("Either an embedding or an error for " + file);
        }
    }

    /** Without a pixel hash. */
    public ImageEmbeddingResult(Path file, Embedding embedding, ImageDecodeException error) {
        this(file, embedding, error, null);
    }

    public static ImageEmbeddingResult success(Path file, Embedding embedding) {
        return success(file, embedding, null);
    }

    /** An embedded file and the pixel hash of the pixels it was embedded from (null if not computed). */
    public static ImageEmbeddingResult success(Path file, Embedding embedding, PixelHash pixelHash) {
        return new ImageEmbeddingResult(file, Objects.requireNonNull(embedding, "embedding"), null, pixelHash);
    }

    public static ImageEmbeddingResult failure(Path file, ImageDecodeException error) {
        return new ImageEmbeddingResult(file, null, Objects.requireNonNull(error, "error"), null);
    }

    public boolean succeeded() {
        return error == null;
    }

    /** The embedding, or the error thrown when this file failed. */
    public Embedding embeddingOrThrow() {
        if (error != null) {
            throw error;
        }
        return embedding;
    }
}
