package dev.sdembed.cli.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model directory built beside where it goes and moved there in one rename, so the target is either the previous
 * pull or the complete new one, never half-written: {@code .<name>.partial-<id>} in the target's parent, renamed to
 * the target by {@link #commit()}; discarded by {@link #close()} when not committed. A run killed before the commit
 * leaves only a hidden partial folder, which the next pull of the same target deletes.
 *
 * <p>An existing target is replaced only when a pull wrote it (its {@code sdembed.json}, or those of its
 * {@code text/} and {@code vision/}, record a {@code source}) or it is empty: a folder the user filled is never
 * overwritten.
 */
final class StagedDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StagedDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path target;
    private final Path staging;
    private boolean committed;

    private StagedDirectory(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
    }

    /** Checks that {@code target} may be (re)written, removes partial folders earlier runs left, and creates one. */
    static StagedDirectory create(Path target) {
        Path t = target.toAbsolutePath().normalize();
        Path parent = t.getParent();
        if (parent == null) {
            throw new InvalidInputException("Cannot pull into " + t + ": it has no parent folder");
        }
        requireReplaceable(t);
        try {
            Files.createDirectories(parent);
            removeLeftovers(parent, t.getFileName().toString());
            Path staging = parent.resolve("." + t.getFileName() + ".partial-" + UUID.randomUUID().toString()
                    .substring(0, 8));
            Files.createDirectory(staging);
            return new StagedDirectory(t, staging);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a folder beside " + t + ": " + e.getMessage(), e);
        }
    }

    /** Where the new directory is built. */
    Path root() {
        return staging;
    }

    Path target() {
        return target;
    }

    /**
     * Hard-links {@code source} (a file of the Hugging Face cache, or a link to one) to {@code destination}, else
     * copies it: the cache and the model directory share the bytes where the file system allows.
     *
     * @return true when linked
     */
    static boolean linkOrCopy(Path source, Path destination) {
        try {
            Path real = source.toRealPath();
            Files.createDirectories(destination.toAbsolutePath().getParent());
            try {
                Files.createLink(destination, real);
                return true;
            } catch (UnsupportedOperationException | FileSystemException e) {
                // Another file system than the cache's, or one without hard links.
                LOG.debug("Copying {} to {}: no hard link ({})", real, destination, e.getMessage());
                Files.deleteIfExists(destination);
                Files.copy(real, destination, StandardCopyOption.COPY_ATTRIBUTES);
                return false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot put " + source + " at " + destination + ": " + e.getMessage(), e);
        }
    }

    /**
     * Moves the staged directory to the target in one rename; a previous pull there is moved aside first and deleted
     * after.
     */
    void commit() {
        Path parent = target.getParent();
        Path old = null;
        try {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                requireReplaceable(target);
                old = parent.resolve("." + target.getFileName() + ".old-" + UUID.randomUUID().toString().substring(0, 8));
                move(target, old);
            }
            try {
                move(staging, target);
            } catch (IOException e) {
                if (old != null) {
                    move(old, target);
                }
                throw e;
            }
            committed = true;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot move the pulled model into " + target + ": " + e.getMessage(), e);
        }
        if (old != null) {
            deleteQuietly(old);
        }
    }

    /** Deletes the staged directory unless it was committed. */
    @Override
    public void close() {
        if (!committed) {
            deleteQuietly(staging);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void requireReplaceable(Path t) {
        if (!Files.exists(t, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("Cannot pull into " + t + ": it is a file. Choose another --dir.");
        }
        try (Stream<Path> entries = Files.list(t)) {
            if (entries.findAny().isEmpty()) {
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + t + ": " + e.getMessage(), e);
        }
        boolean pulled = pulled(t.resolve("sdembed.json"))
                || (pulled(t.resolve("text/sdembed.json")) || pulled(t.resolve("vision/sdembed.json")))
                && !Files.exists(t.resolve("model.onnx"));
        if (!pulled) {
            throw new InvalidInputException("Cannot pull into " + t + ": the folder exists and was not written by"
                    + " sdembed models pull (no sdembed.json recording a source). Move it away or choose another --dir.");
        }
    }

    private static boolean pulled(Path manifest) {
        if (!Files.isRegularFile(manifest)) {
            return false;
        }
        try {
            JsonNode root = JSON.readTree(manifest.toFile());
            return root != null && root.path("source").isObject();
        } catch (IOException e) {
            return false;
        }
    }

    /** Partial and replaced folders of this target that a killed run left. */
    private static void removeLeftovers(Path parent, String name) throws IOException {
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(parent, "." + name + ".{partial,old}-*")) {
            for (Path leftover : siblings) {
                LOG.info("Removing {}, left by an interrupted pull", leftover);
                deleteQuietly(leftover);
            }
        }
    }

    static void deleteQuietly(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            List<Path> deepestFirst = all.sorted(Comparator.reverseOrder()).toList();
            for (Path p : deepestFirst) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}: {}", root, e.getMessage());
        }
    }
}
