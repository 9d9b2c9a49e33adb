package dev.sdembed.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.StoreException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.StoreStats;
import dev.sdembed.testing.Backends;
import dev.sdembed.testing.ChildJvm;
import dev.sdembed.testing.PostgresTestServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Failures in the middle of a batch: the server ends the connection, or the writing process dies. Each test stalls
 * the writer inside its transaction deterministically by holding the row lock of the prompt every batch references,
 * then strikes while the writer waits.
 */
class FailureRecoveryTest {
    private static final PostgresTestServer SERVER = PostgresTestServer.shared();
    private static final int BATCH = StoreProcessMain.FOREVER_BATCH;

    @Test
    void aConnectionKilledMidBatchRollsTheBatchBackAndARetrySucceeds() throws Exception {
        String schema = SERVER.newSchema("terminated");
        String application = "sdembed-" + schema;
        try (PostgresEmbeddingStore store = StoreProcessMain.builder(SERVER.url(), schema).applicationName(application)
                .build(); Connection admin = SERVER.connect()) {
            store.write(StoreProcessMain.foreverBatch(0));

            CompletableFuture<Object> write;
            try (Connection blocker = lockSharedPrompt(schema)) {
                write = CompletableFuture.supplyAsync(() -> store.write(StoreProcessMain.foreverBatch(1)));
                int pid = Backends.awaitLockWait(admin, application, Duration.ofSeconds(30));
                try (PreparedStatement ps = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
                    ps.setInt(1, pid);
                    ps.execute();
                }
                blocker.rollback();
            }
            assertThatThrownBy(() -> write.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(StoreException.class)
                    .hasMessageStartingWith("Lost the connection to PostgreSQL at postgresql://")
                    .hasMessageContaining("(schema " + schema + ")")
                    .hasMessageContaining("while writing WriteBatch[texts=201, images=200, embeddings=401, records=200, "
                            + "deletions=0]")
                    .hasMessageContaining("SQLSTATE 57P01")
                    .hasMessageEndingWith("Nothing of this call was committed, or its commit was not confirmed; running "
                            + "it again is safe.");

            assertThat(store.stats().images()).isEqualTo(BATCH);
            assertThat(store.findImages(List.of("/forever/1/0.png", "/forever/1/199.png"))).isEmpty();
            assertThat(store.checkInvariants().isConsistent()).isTrue();

            store.write(StoreProcessMain.foreverBatch(1));
            assertThat(store.stats().images()).isEqualTo(2L * BATCH);
            assertThat(store.referenceCounts(dev.sdembed.encoder.Modality.TEXT,
                    List.of(ContentHash.ofText(StoreProcessMain.SHARED_PROMPT))).values()).containsExactly(2L * BATCH);
            EmbeddingStoreContract.assertStoreMatchesItsRecords(store);
        }
    }

    @Test
    void aWriterProcessKilledMidBatchLeavesAConsistentStoreForTheNextStart() throws Exception {
        String schema = SERVER.newSchema("killed");
        String application = "sdembed-" + schema;
        try (ChildJvm writer = ChildJvm.start(StoreProcessMain.class, "write-forever", SERVER.url(), schema, application);
             Connection admin = SERVER.connect()) {
            writer.awaitLine("committed 1 ", Duration.ofSeconds(60));
            try (Connection blocker = lockSharedPrompt(schema)) {
                Backends.awaitLockWait(admin, application, Duration.ofSeconds(30));
                writer.process().destroyForcibly();
                assertThat(writer.awaitExit(Duration.ofSeconds(30))).isNotZero();
                blocker.rollback();
            }
            Backends.awaitGone(admin, application, Duration.ofSeconds(30));
            long committed = writer.lines().stream().filter(l -> l.startsWith("committed ")).count();
            assertThat(committed).isGreaterThanOrEqualTo(2);

            try (PostgresEmbeddingStore next = StoreProcessMain.builder(SERVER.url(), schema).build()) {
                assertThat(next.appliedMigrations()).isEmpty();
                StoreStats stats = next.stats();
                assertThat(stats.images()).isEqualTo(committed * BATCH);
                assertThat(next.findImages(List.of("/forever/" + committed + "/0.png"))).isEmpty();
                EmbeddingStoreContract.assertStoreMatchesItsRecords(next);
                // The store goes on where the dead writer stopped.
                next.write(StoreProcessMain.foreverBatch((int) committed));
                assertThat(next.stats().images()).isEqualTo((committed + 1) * BATCH);
                assertThat(next.checkInvariants().isConsistent()).isTrue();
            }
        }
    }

    /** Holds the shared prompt's row lock until the returned connection rolls back or closes. */
    private static Connection lockSharedPrompt(String schema) throws SQLException {
        Connection c = SERVER.connect();
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + schema + ".text_contents WHERE hash = ? "
                + "FOR UPDATE")) {
            ps.setBytes(1, ContentHash.ofText(StoreProcessMain.SHARED_PROMPT).toBytes());
            assertThat(ps.executeQuery().next()).as("the shared prompt is stored").isTrue();
        }
        return c;
    }
}
