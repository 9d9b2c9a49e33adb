package dev.sdembed.image;

import dev.sdembed.InvalidInputException;
import java.util.Objects;

/**
 * What an image file's header declares, read without decoding pixels. For an animated WebP the size is the
 * canvas size (what the first frame is drawn onto), as Pillow reports it.
 */
public record ImageHeader(int width, int height, ImageFormat format) {

    public ImageHeader {
        Objects.requireNonNull(format, "format");
        if (width <= 0 || height <= 0) {
            throw new InvalidInputException("Image size must be positive; got " + width + "x" + height);
        }
    }

    /** Width times height, without int overflow. */
    public long pixelCount() {
        return (long) width * height;
    }
}
