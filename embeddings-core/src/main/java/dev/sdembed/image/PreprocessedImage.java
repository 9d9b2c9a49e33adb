package dev.sdembed.image;

import dev.sdembed.ImageDecodeException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The outcome for one file of {@link ImagePreprocessingPool}: either the header and the model input, or the reason
 * the file could not be used. One bad file never fails the others.
 *
 * @param header    null when failed
 * @param pixels    null when failed
 * @param error     null when succeeded
 * @param pixelHash the {@link PixelHash} of the decoded pixels (the pool computes it from the decode it does anyway,
 *                  so a bulk run need not decode the file again for it); null when failed
 */
public record PreprocessedImage(Path file, ImageHeader header, PixelTensor pixels, ImageDecodeException error,
                                PixelHash pixelHash) {

    public PreprocessedImage {
        Objects.requireNonNull(file, "file");
        if ((error == null) == (pixels == null) || (pixels == null) != (header == null)) {
            throw new IllegalArgumentException("Either header and pixels, or an error");
        }
    }

    /** Without a pixel hash. */
    public PreprocessedImage(Path file, ImageHeader header, PixelTensor pixels, ImageDecodeException error) {
        this(file, header, pixels, error, null);
    }

    public static PreprocessedImage success(Path file, ImageHeader header, PixelTensor pixels) {
        return success(file, header, pixels, null);
    }

    public static PreprocessedImage success(Path file, ImageHeader header, PixelTensor pixels, PixelHash pixelHash) {
        return new PreprocessedImage(file, Objects.requireNonNull(header, "header"),
                Objects.requireNonNull(pixels, "pixels"), null, pixelHash);
    }

    public static PreprocessedImage failure(Path file, ImageDecodeException error) {
        return new PreprocessedImage(file, null, null, Objects.requireNonNull(error, "error"), null);
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
