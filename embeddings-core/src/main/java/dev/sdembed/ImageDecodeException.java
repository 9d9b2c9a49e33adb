package dev.sdembed;

import java.nio.file.Path;

/** An image file cannot be decoded: truncated, corrupt, empty, unsupported or over the pixel limit. */
public class ImageDecodeException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public ImageDecodeException(Path file, String reason) {
        super("Cannot decode image " + file + ": " + reason);
        this.file = file;
    }

    public ImageDecodeException(Path file, String reason, Throwable cause) {
        super("Cannot decode image " + file + ": " + reason, cause);
        this.file = file;
    }

    /** The file at fault; may be null when the image did not come from a file. */
    public Path file() {
        return file;
    }
}
