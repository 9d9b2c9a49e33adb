package dev.sdembed.server;

import dev.sdembed.runtime.Sdembed;
import dev.sdembed.testing.PostgresTestServer;

/** The API over the real PostgreSQL + pgvector store the test support starts. */
class PostgresStoreApiTest extends ServerApiContract {
    @Override
    protected Sdembed openIndexed() {
        PostgresTestServer pg = PostgresTestServer.shared();
        return ServerFixture.indexed(pg.url(), pg.newSchema("server_api"));
    }

    @Override
    protected String storeKind() {
        return "postgresql";
    }
}
