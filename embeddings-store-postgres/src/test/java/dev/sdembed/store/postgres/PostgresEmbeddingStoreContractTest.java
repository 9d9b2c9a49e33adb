package dev.sdembed.store.postgres;

import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.testing.PostgresTestServer;
import java.util.List;

/** The store contract against a real PostgreSQL with pgvector. */
class PostgresEmbeddingStoreContractTest extends EmbeddingStoreContract {
    private static final PostgresTestServer SERVER = PostgresTestServer.shared();

    @Override
    protected EmbeddingStore createStore(List<SlotSpec> slots) {
        return PostgresTestStores.builder(SERVER, "contract").slots(slots).build();
    }

    /** The bulk-load path the store offers: load without the HNSW index, build it once after. */
    @Override
    protected void beforeBulkLoad(EmbeddingStore store, String slot) {
        ((PostgresEmbeddingStore) store).dropVectorIndex(slot);
    }

    @Override
    protected void afterBulkLoad(EmbeddingStore store, String slot) {
        ((PostgresEmbeddingStore) store).createVectorIndex(slot);
    }

    @Override
    protected EmbeddingStore reopenStore(EmbeddingStore store, List<SlotSpec> slots) {
        return PostgresEmbeddingStore.builder().url(SERVER.url()).schema(((PostgresEmbeddingStore) store).schema())
                .slots(slots).build();
    }
}
