package dev.sdembed.pipeline.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks folders depth first and hands each image file to a sink as it is found, so a library of any size is never
 * listed in memory: only the real paths of the directories entered are kept, which guards against symlink loops
 * and against one folder reached through two links being indexed twice.
 */
public final class FileWalker {
    private static final Logger LOG = LoggerFactory.getLogger(FileWalker.class);

    private final Set<String> extensions;
    private final BooleanSupplier cancelled;

    /** @param extensions lower-case file name extensions without the dot */
    public FileWalker(Set<String> extensions, BooleanSupplier cancelled) {
        this.extensions = Set.copyOf(extensions);
        this.cancelled = cancelled;
    }

    /** Whether {@code file}'s name ends with one of the extensions, in any case. */
    public boolean accepts(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && extensions.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Walks {@code root} (a folder, or a single file taken whatever its extension); false when cancelled. */
    public boolean walk(Path root, Consumer<Path> sink) {
        if (Files.isRegularFile(root)) {
            sink.accept(root);
            return !cancelled.getAsBoolean();
        }
        Set<Object> entered = new HashSet<>();
        boolean[] stopped = {false};
        try {
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            if (cancelled.getAsBoolean()) {
                                stopped[0] = true;
                                return FileVisitResult.TERMINATE;
                            }
                            Object key = attrs.fileKey() != null ? attrs.fileKey() : realPath(dir);
                            if (!entered.add(key)) {
                                LOG.debug("Skipping {}: its folder was already walked through another path", dir);
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isRegularFile() && accepts(file)) {
                                sink.accept(file);
                            }
                            if (cancelled.getAsBoolean()) {
                                stopped[0] = true;
                                return FileVisitResult.TERMINATE;
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            if (e instanceof FileSystemLoopException) {
                                LOG.debug("Skipping symlink loop at {}", file);
                            } else {
                                LOG.warn("Cannot read {}: {}", file, e.toString());
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot walk " + root + ": " + e.getMessage(), e);
        }
        return !stopped[0];
    }

    private static String realPath(Path dir) {
        try {
            return dir.toRealPath().toString();
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize().toString();
        }
    }
}
