package dev.sdembed.store.embedded;

import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.SlotSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract with every slot held quantised from its first vector, so each search, filter, distinct key,
 * negative-prompt and stored-image query and each near-duplicate scan of the suite goes through the int8 scan and the
 * exact re-ranking from the file (by default only slots of 4,096 vectors or more are quantised).
 */
class EmbeddedQuantisedContractTest extends EmbeddingStoreContract {
    @TempDir
    Path temp;
    private int stores;

    @Override
    protected EmbeddingStore createStore(List<SlotSpec> slots) {
        return EmbeddedEmbeddingStore.builder().directory(temp.resolve("store-" + ++stores)).slots(slots)
                .quantiseFrom(1).build();
    }

    @Override
    protected EmbeddingStore reopenStore(EmbeddingStore store, List<SlotSpec> slots) {
        return EmbeddedEmbeddingStore.builder().directory(((EmbeddedEmbeddingStore) store).directory()).slots(slots)
                .quantiseFrom(1).build();
    }
}
