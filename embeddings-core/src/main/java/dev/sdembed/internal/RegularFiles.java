package dev.sdembed.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Which paths core reads as files. Opening a FIFO blocks until something writes to it, and a device can be endless,
 * so every reader asks here first and refuses anything but a regular file with a message saying what it is.
 */
public final class RegularFiles {
    /** st_mode file-type bits (POSIX), as the {@code unix:mode} attribute reports them on Linux and macOS. */
    private static final int TYPE_MASK = 0170000;
    private static final int FIFO = 0010000;
    private static final int CHARACTER_DEVICE = 0020000;
    private static final int BLOCK_DEVICE = 0060000;
    private static final int SOCKET = 0140000;

    private RegularFiles() {
    }

    /**
     * Null when {@code file} (following links) is a regular file or does not exist (the caller's read reports that),
     * else what it is instead: "is a directory, not an image file", "is a FIFO (named pipe), not a regular file", ...
     */
    public static String notRegular(Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            // Missing or unreadable: the caller's own read fails with the precise reason.
            return null;
        }
        if (attributes.isRegularFile()) {
            return null;
        }
        if (attributes.isDirectory()) {
            return "is a directory, not an image file";
        }
        return "is " + kind(file) + ", not a regular file; only regular image files are read";
    }

    /** What a path that is neither a regular file nor a folder is: "a FIFO (named pipe)", "a device", ... */
    public static String kind(Path file) {
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            return switch (mode & TYPE_MASK) {
                case FIFO -> "a FIFO (named pipe)";
                case CHARACTER_DEVICE, BLOCK_DEVICE -> "a device";
                case SOCKET -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "a special file";
        }
    }
}
