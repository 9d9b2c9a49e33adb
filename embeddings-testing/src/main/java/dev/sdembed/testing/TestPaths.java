package dev.sdembed.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Where tests find the repository and the shared fixtures. */
public final class TestPaths {

    private TestPaths() {
    }

    /** The repository root: the nearest ancestor of the working directory holding DEVELOPERS.md. */
    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("DEVELOPERS.md")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("No repository root (a folder with DEVELOPERS.md) above " + dir);
    }

    /** {@code ../shared/fixtures/<relative>} next to the repository, or the test is skipped with a message. */
    public static Path sharedFixture(String relative) {
        Path shared = repoRoot().resolveSibling("shared").resolve("fixtures").resolve(relative);
        Assumptions.assumeTrue(Files.exists(shared),
                () -> "Skipped: shared fixture " + shared + " is absent (it is provided beside the repository to"
                        + " developers and CI, not to clones).");
        return shared;
    }

    /** Deletes {@code path} and everything under it; nothing to do when it does not exist. */
    public static void deleteTree(Path path) throws IOException {
        delete(path, false);
    }

    /** Deletes everything under {@code dir}, keeping the folder itself; returns it. */
    public static Path emptyDir(Path dir) throws IOException {
        delete(dir, true);
        return dir;
    }

    private static void delete(Path root, boolean keepRoot) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            // Deepest first: a folder can only be deleted once it is empty.
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                if (!(keepRoot && p.equals(root))) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A fresh folder under the module's {@code target/}. */
    public static Path targetDir(String name) {
        Path dir = Path.of("target").toAbsolutePath().resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir;
    }
}
