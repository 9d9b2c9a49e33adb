package dev.sdembed;

import java.nio.file.Path;

/** Generation metadata cannot be read from a file (unreadable container, malformed chunk). */
public class MetadataReadException extends SdembedException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public MetadataReadException(Path file, String reason) {
        super("Cannot read metadata from " + file + ": " + reason);
        this.file = file;
    }

    public MetadataReadException(Path file, String reason, Throwable cause) {
        super("Cannot read metadata from " + file + ": " + reason, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
