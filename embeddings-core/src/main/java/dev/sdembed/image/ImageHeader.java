package dev.sdembed.image;

import dev.sdembed.Checks;
import java.util.Objects;

/**
 * What an image file's header declares, read without decoding pixels. For an animated WebP the size is the
 * canvas size (what the first frame is drawn onto), as Pillow reports it.
 */
public record ImageHeader(int width, int height, ImageFormat format) {

    public ImageHeader {
        Objects.requireNonNull(format, "format");
        Checks.positive("Image width", width);
        Checks.positive("Image height", height);
    }

    /** Width times height, without int overflow. */
    public long pixelCount() {
        return (long) width * height;
    }
}
