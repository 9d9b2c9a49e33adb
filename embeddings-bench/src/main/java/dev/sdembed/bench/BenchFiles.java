package dev.sdembed.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** File chores the benchmarks share when they replace what an earlier run left under {@code target/}. */
public final class BenchFiles {
    private BenchFiles() {
    }

    /** Deletes {@code path} and everything under it; nothing to do when it does not exist. */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            // Deepest first: a folder can only be deleted once it is empty.
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
