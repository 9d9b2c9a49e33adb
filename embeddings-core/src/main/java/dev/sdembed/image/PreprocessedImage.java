package dev.sdembed.image;

import dev.sdembed.ImageDecodeException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The outcome for one file of {@link ImagePreprocessingPool}: either the header and the model input, or the reason
 * the file could not be used. One bad file never fails the others.
 *
 * @param header null when failed
 * @param pixels null when failed
 * @param error  null when succeeded
 */
public record PreprocessedImage(Path file, ImageHeader header, PixelTensor pixels, ImageDecodeException error) {

    public PreprocessedImage {
        Objects.requireNonNull(file, "file");
        if ((error == null) == (pixels == null) || (pixels == null) != (header == null)) {
            throw new IllegalArgumentException("Either header and pixels, or an error");
        }
    }

    public static PreprocessedImage success(Path file, ImageHeader header, PixelTensor pixels) {
        return new PreprocessedImage(file, Objects.requireNonNull(header, "header"),
                Objects.requireNonNull(pixels, "pixels"), null);
    }

    public static PreprocessedImage failure(Path file, ImageDecodeException error) {
        return new PreprocessedImage(file, null, null, Objects.requireNonNull(error, "error"));
    }

    public boolean succeeded() {
        return error == null;
    }

    /** The pixels, or the error thrown when this file failed. */
    public PixelTensor pixelsOrThrow() {
        if (error != null) {
            throw error;
        }
        return pixels;
    }
}
