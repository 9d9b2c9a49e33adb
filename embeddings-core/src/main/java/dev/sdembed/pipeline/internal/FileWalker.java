package dev.sdembed.pipeline.internal;

import dev.sdembed.io.FileErrors;
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
 * listed in memory: only the identities of the directories entered are kept, which guards against symlink loops
 * and against one folder reached through two links being indexed twice. One walker serves a whole run, so a root
 * given twice, a root inside another and a file root inside a folder root are each walked once, whatever their
 * order. A folder that cannot be read is skipped with a WARN; the rest of the walk goes on.
 */
public final class FileWalker {
    private static final Logger LOG = LoggerFactory.getLogger(FileWalker.class);

    private final Set<String> extensions;
    private final BooleanSupplier cancelled;
    /** The directories entered by any walk of this walker: their file keys, else their real paths. */
    private final Set<Object> entered = new HashSet<>();
    /** Real paths of the file roots handed out, and their names (checked first, so most files cost no lookup). */
    private final Set<Path> fileRoots = new HashSet<>();
    private final Set<Path> fileRootNames = new HashSet<>();

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

    /**
     * Walks {@code root} (a folder, or a single file taken whatever its extension); false when cancelled. Folders
     * and files an earlier call of this walker handed out are not handed out again.
     */
    public boolean walk(Path root, Consumer<Path> sink) {
        if (Files.isRegularFile(root)) {
            walkFile(root, sink);
            return !cancelled.getAsBoolean();
        }
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
                            if (!entered.add(key(dir, attrs))) {
                                LOG.debug("Skipping {}: its folder was already walked through another path", dir);
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isRegularFile() && accepts(file) && !isFileRoot(file)) {
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
                                LOG.warn("Cannot read {}: {}", file, FileErrors.reason(e));
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                            // A folder whose listing broke off (an I/O error, a network file system going away):
                            // what it listed was walked, and the rest of the library still is.
                            if (e != null) {
                                LOG.warn("Cannot read all of {}: {}", dir, FileErrors.reason(e));
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot walk " + root + ": " + FileErrors.reason(e), e);
        }
        return !stopped[0];
    }

    /** A file root, unless it was given before or its folder was walked (where it was found, if it is an image). */
    private void walkFile(Path root, Consumer<Path> sink) {
        Path real = realPath(root);
        Path folder = root.toAbsolutePath().getParent();
        boolean inWalkedFolder = accepts(root) && folder != null && entered.contains(key(folder, null));
        if (inWalkedFolder || !fileRoots.add(real)) {
            LOG.debug("Skipping {}: already found through another root", root);
            return;
        }
        fileRootNames.add(root.getFileName());
        sink.accept(root);
    }

    private boolean isFileRoot(Path file) {
        return fileRootNames.contains(file.getFileName()) && fileRoots.contains(realPath(file));
    }

    /** A directory's identity: its file key (device and inode) where the file system has one, else its real path. */
    private static Object key(Path dir, BasicFileAttributes attrs) {
        if (attrs == null) {
            try {
                attrs = Files.readAttributes(dir, BasicFileAttributes.class);
            } catch (IOException e) {
                return realPath(dir);
            }
        }
        return attrs.fileKey() != null ? attrs.fileKey() : realPath(dir);
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }
}
