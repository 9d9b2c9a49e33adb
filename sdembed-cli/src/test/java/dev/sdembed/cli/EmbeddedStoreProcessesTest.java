package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.testing.ChildJvm;
import dev.sdembed.testing.PermissionBoundLauncher;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sdembed index} on the embedded store in one process while other processes act on its store (issues 17 and
 * 18): a query from another process reads the batches committed so far, a second index is refused, the store file
 * deleted under a run fails it instead of a success, and a store in a read-only folder is queried but not indexed.
 */
class EmbeddedStoreProcessesTest {
    /** Files in the library: at one file per batch, an index run of it lasts long enough to act on it meanwhile. */
    private static final int FILES = 2000;
    private static final Duration RUN = Duration.ofMinutes(3);
    private static Path library;
    private static String config;

    @BeforeAll
    static void aLibraryOfDistinctPrompts() throws IOException {
        library = TestPaths.targetDir("processes-library");
        String[] words = {"fox", "castle", "astronaut", "forest", "river", "lighthouse", "dragon", "harbour", "garden",
            "robot", "cathedral", "desert", "glacier", "market", "violin", "orchard"};
        for (int i = 0; i < FILES; i++) {
            Path file = library.resolve("d" + (i % 10)).resolve("img-" + i + ".png");
            if (!Files.exists(file)) {
                String prompt = words[i % 16] + " and " + words[(i / 16) % 16] + " at " + words[(i / 256) % 16]
                        + ", study " + i;
                SdTestImages.a1111(file, 24, 3000 + i, prompt, null);
            }
        }
        config = IndexFixtures.config("processes", null, null).toString();
    }

    private static ChildJvm index(Path store, String batchSize) {
        return ChildJvm.start(SdembedCommand.class, "index", "--config", config, "--store", store.toString(),
                "--batch-size", batchSize, "--progress-interval", "0.1", library.toString());
    }

    @Test
    void whileIndexRunsAnotherProcessQueriesItsCommittedBatchesAndASecondIndexIsRefused() throws Exception {
        Path store = TestPaths.emptyDir(TestPaths.targetDir("processes-concurrent-store"));
        try (ChildJvm indexing = index(store, "1")) {
            indexing.awaitLine("sdembed: progress", RUN);

            // This test's JVM is the second process.
            CliRun stats = CliRun.of("stats", "--json", "--config", config, "--store", store.toString());
            CliRun search = CliRun.of("search", "--text", "a lighthouse by the river", "-k", "3", "--json",
                    "--config", config, "--store", store.toString());
            CliRun second = CliRun.of("index", "--config", config, "--store", store.toString(), library.toString());
            boolean stillIndexing = indexing.process().isAlive();

            assertThat(stats.exitCode()).as(stats.err()).isZero();
            long seen = Json.MAPPER.readTree(stats.outLines().get(0)).get("images").asLong();
            assertThat(seen).as("images committed when stats read the store, of " + FILES).isBetween(1L, FILES - 1L);
            assertThat(search.exitCode()).as(search.err()).isZero();
            assertThat(search.outLines()).hasSize(3);
            for (String line : search.outLines()) {
                JsonNode hit = Json.MAPPER.readTree(line);
                assertThat(hit.get("path").asText()).startsWith(library.toString());
            }
            assertThat(second.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(second.errLines()).containsExactly("sdembed: Embedded store " + store.resolve("sdembed.db")
                    + " is in use by another process (while opening the store for writing). The embedded store has "
                    + "one writer at a time, and any number of processes may read it meanwhile (search, similar, "
                    + "duplicates, stats); stop the other writer, or use a PostgreSQL store (--store "
                    + "postgresql://...) for several");
            assertThat(stillIndexing).as("index was still running after the queries (else they proved nothing)")
                    .isTrue();

            assertThat(indexing.awaitExit(RUN)).as(indexing.output()).isZero();
        }
        CliRun after = CliRun.of("stats", "--json", "--config", config, "--store", store.toString());
        assertThat(Json.MAPPER.readTree(after.outLines().get(0)).get("images").asLong()).isEqualTo(FILES);
    }

    @Test
    void deletingTheStoreFileWhileIndexRunsFailsTheRunInsteadOfReportingSuccess() throws Exception {
        Path store = TestPaths.emptyDir(TestPaths.targetDir("processes-deleted-store"));
        try (ChildJvm indexing = index(store, "2")) {
            indexing.awaitLine("sdembed: progress", RUN);
            Files.delete(store.resolve("sdembed.db"));
            Files.deleteIfExists(store.resolve("sdembed.db-wal"));

            assertThat(indexing.awaitExit(RUN)).as(indexing.output()).isEqualTo(ExitCodes.USAGE);
            assertThat(indexing.lines()).noneMatch(l -> l.startsWith("Indexed "))
                    .anySatisfy(l -> assertThat(l).startsWith("sdembed: The embedded store file "
                            + store.resolve("sdembed.db") + " was deleted or replaced while this process had it open"
                            + " (sdembed.db is gone); nothing after batch ")
                            .endsWith(". Leave the store folder alone while sdembed writes to it, then run index "
                                    + "again: it writes what is missing"));
        }
    }

    @Test
    void aStoreInAReadOnlyFolderIsQueriedButNotIndexed() throws Exception {
        List<String> launcher = PermissionBoundLauncher.command().orElse(null);
        Assumptions.assumeTrue(launcher != null, PermissionBoundLauncher::unavailableReason);
        Path small = TestPaths.emptyDir(TestPaths.targetDir("processes-read-only-library"));
        for (int i = 0; i < 6; i++) {
            SdTestImages.a1111(small.resolve("img-" + i + ".png"), 24, 100 + i, "a quiet harbour at dawn, " + i, null);
        }
        Path store = TestPaths.emptyDir(TestPaths.targetDir("processes-read-only-store"));
        assertThat(CliRun.of("index", "--config", config, "--store", store.toString(), small.toString()).exitCode())
                .isZero();
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            try (ChildJvm index = ChildJvm.start(launcher, SdembedCommand.class, "index", "--config", config,
                    "--store", store.toString(), small.toString())) {
                int exit = index.awaitExit(RUN);
                Assumptions.assumeFalse(exit == 0, "chmod a-w did not stop the child writing into " + store
                        + "; a read-only folder cannot be made here");
                assertThat(exit).as(index.output()).isEqualTo(ExitCodes.USAGE);
                assertThat(index.lines()).contains("sdembed: Embedded store folder " + store + " is not writable by "
                        + "this process, so the store cannot be written: SQLite keeps sdembed.db-wal and "
                        + "sdembed.db-shm beside sdembed.db. Make it writable for this user, or only read the store "
                        + "(search, similar, duplicates and stats open it read-only)");
            }
            try (ChildJvm stats = ChildJvm.start(launcher, SdembedCommand.class, "stats", "--json", "--config", config,
                    "--store", store.toString())) {
                assertThat(stats.awaitExit(RUN)).as(stats.output()).isZero();
                String json = stats.lines().stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
                assertThat(Json.MAPPER.readTree(json).get("images").asLong()).isEqualTo(6);
            }
        } finally {
            Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
