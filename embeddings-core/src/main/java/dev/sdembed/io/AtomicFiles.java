package dev.sdembed.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Files written whole or not at all: to a file of their own beside the target, then moved into place, so a reader
 * never sees half a file, and two writers at once both leave a whole one. For what sdembed keeps between processes.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes {@code bytes} to {@code target}, creating its folder, replacing a file there. */
    public static void write(Path target, byte[] bytes) throws IOException {
        Path part = partFor(target);
        try {
            Files.write(part, bytes);
            moveIntoPlace(part, target);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /**
     * Copies {@code in} to {@code target} as {@link #write} does; fails without touching the target when the copy's
     * size is not {@code expectedSize} (negative: any).
     */
    public static void copy(InputStream in, Path target, long expectedSize) throws IOException {
        Path part = partFor(target);
        try {
            long copied = Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            if (expectedSize >= 0 && copied != expectedSize) {
                throw new IOException("Wrote " + copied + " bytes for " + target + "; expected " + expectedSize);
            }
            moveIntoPlace(part, target);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private static Path partFor(Path target) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        return Files.createTempFile(target.toAbsolutePath().getParent(), target.getFileName().toString(), ".part");
    }

    private static void moveIntoPlace(Path part, Path target) throws IOException {
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
