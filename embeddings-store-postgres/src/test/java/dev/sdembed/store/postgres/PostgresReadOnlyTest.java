package dev.sdembed.store.postgres;

import static dev.sdembed.store.postgres.TestSql.execute;
import static dev.sdembed.store.postgres.TestSql.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoreTestData;
import dev.sdembed.store.postgres.internal.SchemaSetup;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.TestVectors;
import org.junit.jupiter.api.Test;

/**
 * Read-only opens of the PostgreSQL store (issue 17): a read never creates a schema, runs a migration or registers a
 * slot, and where there is no store it says so, naming the schema and the URL with its password masked.
 */
class PostgresReadOnlyTest {
    private static final PostgresTestServer SERVER = PostgresTestServer.shared();

    private static PostgresEmbeddingStore.Builder reader(String schema) {
        return StoreProcessMain.builder(SERVER.url(), schema).readOnly(true);
    }

    private static String where() {
        return PostgresUrl.parse(SERVER.url()).toString();
    }

    @Test
    void aReadOnlyOpenWhereThereIsNoStoreSaysSoAndCreatesNothing() throws Exception {
        String typo = SERVER.newSchema("no_store");
        assertThatThrownBy(() -> reader(typo).build()).isInstanceOf(StoreException.class)
                .hasMessage("No sdembed store in schema " + typo + " of " + where() + " (no such schema); index a "
                        + "folder first, or give --store and --schema");
        assertThat(single("SELECT count(*) FROM pg_namespace WHERE nspname = '" + typo + "'")).isEqualTo("0");

        String empty = SERVER.newSchema("empty_schema");
        execute("CREATE SCHEMA " + empty);
        assertThatThrownBy(() -> reader(empty).build()).isInstanceOf(StoreException.class)
                .hasMessage("No sdembed store in schema " + empty + " of " + where() + " (the schema has no sdembed "
                        + "tables); index a folder first, or give --store and --schema");
        assertThat(single("SELECT count(*) FROM pg_tables WHERE schemaname = '" + empty + "'")).isEqualTo("0");
    }

    @Test
    void aReadOnlyStoreReadsWhatIsStoredAndRefusesEveryChange() throws Exception {
        String schema = SERVER.newSchema("read_only");
        try (PostgresEmbeddingStore writer = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            writer.write(EmbeddingStoreContract.overlappingBatch(0, 1, 40));
            try (PostgresEmbeddingStore reader = reader(schema).build()) {
                assertThat(reader.readOnly()).isTrue();
                assertThat(reader.appliedMigrations()).isEmpty();
                assertThat(reader.stats()).isEqualTo(writer.stats());
                SearchRequest search = SearchRequest.builder(SearchQuery.vector(EmbeddingStoreContract.PROMPT.name(),
                        new Embedding(TestVectors.unitVector(3, EmbeddingStoreContract.PROMPT.dimension())))).k(5)
                        .build();
                assertThat(reader.search(search)).hasSize(5).isEqualTo(writer.search(search));

                // The writer goes on; the reader sees it.
                writer.write(EmbeddingStoreContract.overlappingBatch(0, 2, 40));
                assertThat(reader.stats()).isEqualTo(writer.stats());

                String refused = "Store " + where() + " (schema " + schema + ") was opened read-only and cannot ";
                assertThatThrownBy(() -> reader.write(EmbeddingStoreContract.overlappingBatch(0, 3, 5)))
                        .isInstanceOf(StoreException.class)
                        .hasMessage(refused + "write a batch; open it without readOnly(true) to write");
                assertThatThrownBy(reader::removeUnreferenced).hasMessageStartingWith(refused + "remove unreferenced");
                assertThatThrownBy(() -> reader.dropVectorIndex("prompt_test"))
                        .hasMessageStartingWith(refused + "drop an index");
                assertThatThrownBy(() -> reader.createVectorIndex("prompt_test"))
                        .hasMessageStartingWith(refused + "build an index");
            }
        }
    }

    @Test
    void aReadOnlyOpenMigratesAndRegistersNothing() throws Exception {
        String schema = SERVER.newSchema("read_no_change");
        try (PostgresEmbeddingStore writer = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            writer.dropVectorIndex("prompt_test");
        }
        String registry = "SELECT string_agg(name || ' ' || fingerprint || ' ' || updated_at, ', ' ORDER BY name) FROM "
                + schema + ".slots";
        String before = single(registry);

        // A new model for a slot: read with it, the registry left as it is; the dropped index stays dropped.
        SlotSpec newModel = new SlotSpec("prompt_test", EmbeddingStoreContract.PROMPT.modality(),
                EmbeddingStoreContract.PROMPT.dimension(), "test-text-encoder-v2", "fp-new", null);
        try (PostgresEmbeddingStore reader = PostgresEmbeddingStore.builder().url(SERVER.url()).schema(schema)
                .slot(newModel).readOnly(true).build()) {
            assertThat(reader.stats().slots()).hasSize(1);
        }
        assertThat(single(registry)).isEqualTo(before);
        assertThat(single("SELECT to_regclass('" + schema + ".emb_prompt_test_hnsw') IS NULL")).isEqualTo("t");

        SlotSpec unknown = StoreTestData.imageSlot("image_clip_h", 48);
        assertThatThrownBy(() -> PostgresEmbeddingStore.builder().url(SERVER.url()).schema(schema).slot(unknown)
                .readOnly(true).build()).isInstanceOf(StoreException.class)
                .hasMessage("Slot 'image_clip_h' is not in schema '" + schema + "', which has slots [image_test, "
                        + "prompt_test]; index with this configuration first (that adds the slot), or read with a "
                        + "configuration of the store's slots");
        assertThat(single("SELECT to_regclass('" + schema + ".emb_image_clip_h') IS NULL")).isEqualTo("t");
        assertThatThrownBy(() -> PostgresEmbeddingStore.builder().url(SERVER.url()).schema(schema).halfPrecision(true)
                .slot(EmbeddingStoreContract.PROMPT).readOnly(true).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("holds text 64-d vector embeddings");

        // The newest migration of this build, which the schema lacks (written by an older build): a read does not
        // apply it.
        int newest = SchemaSetup.migrations().size();
        execute("DELETE FROM " + schema + ".schema_version WHERE version = " + newest);
        assertThatThrownBy(() -> reader(schema).build()).isInstanceOf(StoreException.class)
                .hasMessage("The sdembed store in schema " + schema + " of " + where() + " lacks migrations [" + newest
                        + "] of this sdembed, which opening it for writing applies; run index once (or any command"
                        + " that writes), then read it");
        assertThat(single("SELECT count(*) FROM " + schema + ".schema_version")).isEqualTo(String.valueOf(newest - 1));
    }
}
