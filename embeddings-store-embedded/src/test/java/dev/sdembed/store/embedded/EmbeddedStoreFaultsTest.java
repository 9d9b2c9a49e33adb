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
 * something else. Each fails the write with a message naming the file and what was saved, never a success.
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
}
