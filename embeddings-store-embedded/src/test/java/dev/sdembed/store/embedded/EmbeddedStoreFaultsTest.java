package dev.sdembed.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.StoreException;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.WriteBatch;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults under an embedded store that is open for writing (issue 17): its file deleted, replaced or truncated by
 * something else, and a full disk. Each fails the write with a message naming the file and what was saved, never a
 * success and never SQLite's secondary errors.
 */
class EmbeddedStoreFaultsTest {
    private static final List<SlotSpec> SLOTS = List.of(EmbeddingStoreContract.PROMPT, EmbeddingStoreContract.IMAGE);

    @TempDir
    Path temp;

    private static WriteBatch batch(int n) {
        return EmbeddingStoreContract.overlappingBatch(n % 4, n, 20);
    }

    @Test
    void aStoreFileDeletedWhileOpenFailsEveryLaterWriteNamingTheLastBatchSaved() throws Exception {
        Path dir = temp.resolve("deleted");
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build()) {
            store.write(batch(1));
            store.write(batch(2));
            // What a user's rm -rf, or a cleanup script, does to the store while index runs.
            Files.delete(dir.resolve("sdembed.db"));
            Files.delete(dir.resolve("sdembed.db-wal"));

            String expected = "The embedded store file " + store.file() + " was deleted or replaced while this "
                    + "process had it open (sdembed.db is gone); nothing after batch 2 was saved (batches 1 to 2 went "
                    + "to the file as it was when opened). Leave the store folder alone while sdembed writes to it, "
                    + "then run index again: it writes what is missing";
            assertThatThrownBy(() -> store.write(batch(3))).isInstanceOf(StoreException.class).hasMessage(expected);
            // Sticky: a file appearing there later is not this store's either.
            Files.writeString(dir.resolve("sdembed.db"), "");
            assertThatThrownBy(() -> store.write(batch(4))).isInstanceOf(StoreException.class).hasMessage(expected);
        }
    }

    @Test
    void aStoreFileReplacedWhileOpenFailsTheNextWriteBeforeItCommits() throws Exception {
        Path dir = temp.resolve("replaced");
        Path aside = temp.resolve("aside.db");
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build()) {
            // A copy moved over the original: the same bytes, another file (a restore from a backup does this).
            Files.copy(store.file(), aside);
            Files.move(aside, store.file(), StandardCopyOption.REPLACE_EXISTING);

            assertThatThrownBy(() -> store.write(batch(1))).isInstanceOf(StoreException.class)
                    .hasMessageStartingWith("The embedded store file " + store.file() + " was deleted or replaced "
                            + "while this process had it open (another file is at sdembed.db now); nothing this "
                            + "process wrote was saved.");
        }
    }

    @Test
    void aStoreFileTruncatedWhileOpenFailsTheNextWrite() throws Exception {
        Path dir = temp.resolve("truncated");
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build()) {
            store.write(batch(1));
            long size = Files.size(store.file());
            try (FileChannel c = FileChannel.open(store.file(), StandardOpenOption.WRITE)) {
                c.truncate(0);
            }

            assertThatThrownBy(() -> store.write(batch(2))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("(sdembed.db shrank from " + size + " to 0 bytes); nothing after batch 1 "
                            + "was saved (batch 1 went");
        }
    }

    /**
     * A full disk, made with SQLite's own limit: {@code PRAGMA max_page_count} on the store's connection makes SQLite
     * fail exactly as on a full disk (SQLITE_FULL; for a statement without a statement journal, as here, SQLite
     * rolls the whole transaction back itself, so the rollback and commit that follow fail with "no transaction is
     * active", which is what a full disk at commit time gives too). It is used instead of a small tmpfs, which needs
     * root and a mount this CI cannot do; it runs everywhere, as any user.
     */
    @Test
    void aFullDiskSaysSoNamingTheFileAndKeepsEveryCommittedBatch() {
        Path dir = temp.resolve("full");
        long committed;
        EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).maxPageCount(40)
                .build();
        try (store) {
            int n = 0;
            StoreException full = null;
            while (full == null && n < 200) {
                try {
                    store.write(longPrompts(++n));
                } catch (StoreException e) {
                    full = e;
                }
            }
            assertThat(full).as("the store reached its 40 pages").isNotNull();
            assertThat(full.getMessage()).startsWith("No space left on device writing " + store.file() + ": "
                    + "[SQLITE_FULL]").contains("nothing of this call was saved. Free space on the disk that holds "
                            + dir + " or move the store (--store), then run again")
                    .doesNotContain("no transaction is active");
            committed = store.stats().textContents();
            assertThat(committed).as("the texts of the batches before the full one").isEqualTo(40L * (n - 1));
        }
        // Space again: the store goes on from its last commit.
        try (EmbeddedEmbeddingStore again = EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build()) {
            assertThat(again.stats().textContents()).isEqualTo(committed);
            assertThat(again.write(batch(500)).imagesInserted()).isPositive();
            assertThat(again.checkInvariants().isConsistent()).isTrue();
        }
    }

    @Test
    void aFileThatIsNotADatabaseIsCalledSoByWritersAndReaders() throws Exception {
        Path dir = Files.createDirectories(temp.resolve("not-a-database"));
        Path file = Files.writeString(dir.resolve("sdembed.db"), "these are my notes, not a database\n".repeat(300));

        assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build())
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("Embedded store " + file + " is damaged or not an sdembed store ([SQLITE_NOTADB]")
                .hasMessageEndingWith(", while opening the store); move it aside and index again into a new store");
        assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).readOnly(true).build())
                .isInstanceOf(StoreException.class)
                .hasMessageEndingWith(", while opening the store for reading); move it aside and index again into a "
                        + "new store");
        assertThat(file).content().startsWith("these are my notes");
    }

    /** 40 new prompts of about 1 KB, as long SD prompts are. */
    private static WriteBatch longPrompts(int n) {
        WriteBatch.Builder b = WriteBatch.builder();
        for (int i = 0; i < 40; i++) {
            b.addText("prompt " + n + "-" + i + ", " + "masterpiece, best quality, highly detailed, ".repeat(24));
        }
        return b.build();
    }
}
