package dev.sdembed.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.SlotSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the embedded store has: its folder, its file and its slot registry across opens. */
class EmbeddedEmbeddingStoreTest {
    @TempDir
    Path temp;

    @Test
    void aSlotReopenedWithAnotherDimensionIsRefusedByName() {
        Path dir = temp.resolve("dims");
        EmbeddedEmbeddingStore.builder().directory(dir).slot(EmbeddingStoreContract.PROMPT).build().close();
        SlotSpec wider = new SlotSpec("prompt_test", Modality.TEXT, 128, "other-encoder", "fp-other", null);
        assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().directory(dir).slot(wider).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Slot 'prompt_test' in embedded store " + dir.resolve("sdembed.db") + " holds text "
                        + "embeddings of 64 dimensions but is configured as text with 128 (encoder 'other-encoder'); "
                        + "configure a new slot name for a different encoder shape");
        // The refused open released the file: the original slots open again.
        EmbeddedEmbeddingStore.builder().directory(dir).slot(EmbeddingStoreContract.PROMPT).build().close();
    }

    @Test
    void aFileIsNotAStoreFolderAndAClosedStoreSaysSo() throws Exception {
        Path file = Files.writeString(temp.resolve("not-a-folder"), "x");
        assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().directory(file)
                .slot(EmbeddingStoreContract.PROMPT).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedded store location " + file + " is a file; expected a folder (the store keeps "
                        + "sdembed.db inside it)");
        assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().slot(EmbeddingStoreContract.PROMPT).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedded store directory is required, e.g. ./sdembed-data");

        EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(temp.resolve("closed"))
                .slot(EmbeddingStoreContract.PROMPT).build();
        store.close();
        store.close();
        assertThatThrownBy(store::stats).isInstanceOf(StoreException.class)
                .hasMessage("Embedded store " + store.file() + " is closed");
        assertThat(store.file()).isRegularFile();
    }
}
