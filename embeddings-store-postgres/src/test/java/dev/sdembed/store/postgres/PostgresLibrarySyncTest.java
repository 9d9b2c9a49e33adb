package dev.sdembed.store.postgres;

import dev.sdembed.pipeline.LibrarySyncContract;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.testing.PostgresTestServer;
import java.util.List;

/** Keeping the PostgreSQL store true to its folders: the suite the embedded store runs too. */
class PostgresLibrarySyncTest extends LibrarySyncContract {
    private static final PostgresTestServer SERVER = PostgresTestServer.shared();

    @Override
    protected EmbeddingStore createStore(List<SlotSpec> slots) {
        return PostgresTestStores.builder(SERVER, "sync").slots(slots).build();
    }
}
