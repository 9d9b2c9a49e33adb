package dev.sdembed.server;

import dev.sdembed.runtime.Sdembed;
import dev.sdembed.testing.TestPaths;

/** The API over the embedded store. */
class EmbeddedStoreApiTest extends ServerApiContract {
    @Override
    protected Sdembed openIndexed() {
        return ServerFixture.indexed(TestPaths.targetDir("server-embedded-store").toString(), null);
    }

    @Override
    protected String storeKind() {
        return "embedded";
    }
}
