package dev.sdembed.store.postgres;

import dev.sdembed.testing.PostgresTestServer;

/** Stores on the test server, each in a schema of its own. */
public final class PostgresTestStores {
    private PostgresTestStores() {
    }

    /** A store builder on {@code server}, in a fresh schema named after {@code schemaPrefix}. */
    public static PostgresEmbeddingStore.Builder builder(PostgresTestServer server, String schemaPrefix) {
        return PostgresEmbeddingStore.builder().url(server.url()).schema(server.newSchema(schemaPrefix));
    }
}
