package dev.sdembed.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.postgres.internal.SchemaSetup;
import dev.sdembed.testing.ChildJvm;
import dev.sdembed.testing.PostgresTestServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two JVMs on one store: starting together and writing overlapping batches. */
class MultiProcessTest {
    private static final PostgresTestServer SERVER = PostgresTestServer.shared();

    @Test
    void twoProcessesStartingTogetherApplyTheMigrationsOnce() throws Exception {
        String schema = SERVER.newSchema("migrate_race");
        String start = Long.toString(System.currentTimeMillis() + 4000);
        try (ChildJvm a = ChildJvm.start(StoreProcessMain.class, "open", SERVER.url(), schema, start);
             ChildJvm b = ChildJvm.start(StoreProcessMain.class, "open", SERVER.url(), schema, start)) {
            assertThat(a.awaitExit(Duration.ofSeconds(90))).as(a.output()).isZero();
            assertThat(b.awaitExit(Duration.ofSeconds(90))).as(b.output()).isZero();
            List<String> applied = new ArrayList<>();
            applied.add(a.awaitLine("applied=", Duration.ofSeconds(1)));
            applied.add(b.awaitLine("applied=", Duration.ofSeconds(1)));
            assertThat(applied).containsExactlyInAnyOrder("applied=[1, 2]", "applied=[]");
        }
        try (Connection c = SERVER.connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + schema + ".schema_version")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(SchemaSetup.migrations().size());
            }
            try (ResultSet rs = st.executeQuery("SELECT name FROM " + schema + ".slots ORDER BY name")) {
                List<String> slots = new ArrayList<>();
                while (rs.next()) {
                    slots.add(rs.getString(1));
                }
                assertThat(slots).containsExactly("image_test", "prompt_test");
            }
        }
    }

    @Test
    void twoJvmsWritingOverlappingBatchesNeverDuplicateContents() throws Exception {
        String schema = SERVER.newSchema("two_jvms");
        try (PostgresEmbeddingStore store = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            // Writers 0 and 1 of the contract's overlapping batches, one per JVM, at the same time.
            try (ChildJvm a = ChildJvm.start(StoreProcessMain.class, "write", SERVER.url(), schema, "0", "8");
                 ChildJvm b = ChildJvm.start(StoreProcessMain.class, "write", SERVER.url(), schema, "1", "8")) {
                assertThat(a.awaitExit(Duration.ofSeconds(120))).as(a.output()).isZero();
                assertThat(b.awaitExit(Duration.ofSeconds(120))).as(b.output()).isZero();
                a.awaitLine("done", Duration.ofSeconds(1));
                b.awaitLine("done", Duration.ofSeconds(1));
            }
            EmbeddingStoreContract.assertStoreMatchesItsRecords(store);
            assertThat(store.stats().images()).isGreaterThan(2 * 8 * 50);
        }
    }
}
