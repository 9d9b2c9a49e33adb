package dev.sdembed.store.embedded;

import dev.sdembed.pipeline.LibrarySyncContract;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.SlotSpec;
import java.util.List;

/** Keeping the embedded store true to its folders: the suite the PostgreSQL store runs too. */
class EmbeddedLibrarySyncTest extends LibrarySyncContract {
    private int stores;

    @Override
    protected EmbeddingStore createStore(List<SlotSpec> slots) {
        return EmbeddedEmbeddingStore.builder().directory(temp.resolve("store-" + ++stores)).slots(slots).build();
    }
}
