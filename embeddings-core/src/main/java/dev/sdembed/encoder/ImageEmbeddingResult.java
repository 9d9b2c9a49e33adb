package dev.sdembed.encoder;

import dev.sdembed.ImageDecodeException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The outcome for one file of {@link ImageEncoder#embedEach}: its embedding, or the reason it could not be read.
 *
 * @param file      the input file
 * @param embedding null when the file failed
 * @param error     null when the file was embedded
 */
public record ImageEmbeddingResult(Path file, Embedding embedding, ImageDecodeException error) {

    public ImageEmbeddingResult {
        Objects.requireNonNull(file, "file");
        if ((embedding == null) == (error == null)) {
            throw new IllegalArgumentException("Either an embedding or an error for " + file);
        }
    }

    public static ImageEmbeddingResult success(Path file, Embedding embedding) {
        return new ImageEmbeddingResult(file, Objects.requireNonNull(embedding, "embedding"), null);
    }

    public static ImageEmbeddingResult failure(Path file, ImageDecodeException error) {
        return new ImageEmbeddingResult(file, null, Objects.requireNonNull(error, "error"));
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
