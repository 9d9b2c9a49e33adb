package dev.sdembed.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.testing.ChildJvm;
import dev.sdembed.testing.PermissionBoundLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store in a folder this process cannot write (issue 17), checked in a child process that permissions bind
 * ({@link PermissionBoundLauncher}: under root, which chmod does not stop, it drops the capabilities that would
 * let it write). Reads work; a writer is told the folder is not writable, by name.
 */
class EmbeddedStoreReadOnlyFolderTest {
    private static final List<SlotSpec> SLOTS = List.of(EmbeddingStoreContract.PROMPT, EmbeddingStoreContract.IMAGE);
    private static final Duration CHILD = Duration.ofMinutes(1);

    @TempDir
    Path temp;

    @Test
    void aClosedStoreInAReadOnlyFolderIsReadAsItIsAndAWriterIsToldTheFolderIsNotWritable() throws Exception {
        Path dir = temp.resolve("closed");
        long images;
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build()) {
            store.write(EmbeddingStoreContract.overlappingBatch(0, 1, 40));
            images = store.stats().images();
        }
        assertThat(dir.resolve("sdembed.db-wal")).as("the last writer closed the store").doesNotExist();

        List<String> lines = runReadOnly(dir);

        assertThat(lines).contains("read images " + images, "read consistent").contains("write failed: Embedded "
                + "store folder " + dir + " is not writable by this process, so the store cannot be written: SQLite "
                + "keeps sdembed.db-wal and sdembed.db-shm beside sdembed.db. Make it writable for this user, or only "
                + "read the store (search, similar, duplicates and stats open it read-only)", "create failed: Cannot "
                + "create embedded store folder " + dir.resolve("inside") + ": permission denied creating "
                + dir.resolve("inside") + " (its parent folder is not writable by this process)");
    }

    @Test
    void aStoreWhoseWriterWasKilledIsReadWithItsLastCommitsFromAReadOnlyFolder() throws Exception {
        Path dir = temp.resolve("killed");
        try (ChildJvm writer = ChildJvm.start(CrashWriterMain.class, dir.toString())) {
            writer.awaitLine("committed 3", CHILD);
            writer.process().destroyForcibly();
            writer.awaitExit(CHILD);
        }
        assertThat(dir.resolve("sdembed.db-wal")).as("commits not yet checkpointed").isNotEmptyFile();

        List<String> lines = runReadOnly(dir);

        assertThat(lines).contains("read consistent").anySatisfy(l -> assertThat(l).startsWith("read images "));
        long images = Long.parseLong(lines.stream().filter(l -> l.startsWith("read images ")).findFirst().orElseThrow()
                .substring("read images ".length()));
        assertThat(images).as("records of the 4 batches committed").isGreaterThanOrEqualTo(4 * 150);

        // Without the log's shared-memory file, the log cannot be read where it cannot be made: said, not guessed.
        Files.delete(dir.resolve("sdembed.db-shm"));
        assertThat(runReadOnly(dir)).contains("read failed: Embedded store " + dir.resolve("sdembed.db") + " cannot "
                + "be read here: its folder " + dir + " is not writable by this process and sdembed.db-wal holds "
                + "commits not yet in sdembed.db (a writer was stopped without closing the store). Open it once with "
                + "write access (e.g. sdembed stats as the folder's owner) to fold them in, or make the folder "
                + "writable");
    }

    /** Runs {@link ReadOnlyFolderMain} on {@code dir} made read-only (r-x), skipping when that binds nothing. */
    private static List<String> runReadOnly(Path dir) throws Exception {
        List<String> launcher = PermissionBoundLauncher.command().orElse(null);
        Assumptions.assumeTrue(launcher != null, PermissionBoundLauncher::unavailableReason);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try (ChildJvm child = ChildJvm.start(launcher, ReadOnlyFolderMain.class, dir.toString())) {
            assertThat(child.awaitExit(CHILD)).as(child.output()).isZero();
            List<String> lines = child.lines();
            Assumptions.assumeFalse(lines.contains("folder writable"), "chmod a-w did not stop the child writing into "
                    + dir + " (a file system without permissions?); a read-only folder cannot be made here");
            return lines;
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
