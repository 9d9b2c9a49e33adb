package dev.sdembed.store.embedded;

import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.SlotSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** The store contract (the same suite the PostgreSQL store runs) against the embedded SQLite store. */
class EmbeddedEmbeddingStoreContractTest extends EmbeddingStoreContract {
    @TempDir
    Path temp;
    private int stores;

    @Override
    protected EmbeddingStore createStore(List<SlotSpec> slots) {
        return EmbeddedEmbeddingStore.builder().directory(temp.resolve("store-" + ++stores)).slots(slots).build();
    }

    @Override
    protected EmbeddingStore reopenStore(EmbeddingStore store, List<SlotSpec> slots) {
        return EmbeddedEmbeddingStore.builder().directory(((EmbeddedEmbeddingStore) store).directory()).slots(slots)
                .build();
    }
}
