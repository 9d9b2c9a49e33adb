package dev.sdembed.store.postgres;

import static dev.sdembed.store.postgres.TestSql.execute;
import static dev.sdembed.store.postgres.TestSql.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.image.PixelHash;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.store.PixelDuplicates;
import dev.sdembed.store.WriteResult;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoreTestData;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.postgres.internal.SchemaSetup;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.TestVectors;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Versioned migrations and slot registration at start (two processes at once: {@link MultiProcessTest}). */
class MigrationTest {
    private static final PostgresTestServer SERVER = PostgresTestServer.shared();

    @Test
    void migratingTwiceInARowIsANoOp() throws Exception {
        String schema = SERVER.newSchema("migrate_twice");
        String before;
        long tableOid;
        try (PostgresEmbeddingStore first = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            assertThat(first.appliedMigrations()).containsExactly(1, 2, 3);
            before = single("SELECT string_agg(version || ' ' || checksum || ' ' || applied_at, '; ' ORDER BY version) FROM "
                    + schema + ".schema_version");
            tableOid = Long.parseLong(single("SELECT '" + schema + ".emb_prompt_test'::regclass::oid"));
        }
        try (PostgresEmbeddingStore second = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            assertThat(second.appliedMigrations()).isEmpty();
        }
        assertThat(single("SELECT string_agg(version || ' ' || checksum || ' ' || applied_at, '; ' ORDER BY version) FROM "
                + schema + ".schema_version")).isEqualTo(before);
        assertThat(Long.parseLong(single("SELECT '" + schema + ".emb_prompt_test'::regclass::oid"))).isEqualTo(tableOid);
        assertThat(single("SELECT count(*) FROM " + schema + ".slots")).isEqualTo("2");
        try (PostgresEmbeddingStore third = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            assertThat(third.pgvectorVersion()).isEqualTo(single("SELECT extversion FROM pg_extension WHERE extname = "
                    + "'vector'"));
        }
    }

    @Test
    void theForeignKeyAndFingerprintIndexOfEarlierVersionsAreDroppedKeepingTheEmbeddings() throws Exception {
        String schema = SERVER.newSchema("migrate_retired");
        String table = schema + ".emb_prompt_test";
        try (PostgresEmbeddingStore store = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            WriteBatch.Builder b = WriteBatch.builder();
            ContentHash h = b.addText("kept across the upgrade");
            store.write(b.embedding(EmbeddingStoreContract.PROMPT.name(), h,
                    TestVectors.unitVector(1, EmbeddingStoreContract.PROMPT.dimension())).build());
        }
        // What the previous version created with every slot table.
        execute("ALTER TABLE " + table + " ADD CONSTRAINT emb_prompt_test_hash_fkey FOREIGN KEY (hash) REFERENCES "
                + schema + ".text_contents (hash) ON DELETE CASCADE");
        execute("CREATE INDEX emb_prompt_test_fingerprint ON " + table + " (fingerprint)");
        String retired = "SELECT (SELECT count(*) FROM pg_constraint WHERE conrelid = '" + table + "'::regclass AND "
                + "contype = 'f') || ' ' || (SELECT count(*) FROM pg_indexes WHERE schemaname = '" + schema
                + "' AND indexname = 'emb_prompt_test_fingerprint')";
        assertThat(single(retired)).isEqualTo("1 1");

        try (PostgresEmbeddingStore store = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            assertThat(single(retired)).isEqualTo("0 0");
            assertThat(store.embeddedHashes(EmbeddingStoreContract.PROMPT.name(),
                    List.of(ContentHash.ofText("kept across the upgrade")))).hasSize(1);
            assertThat(store.checkInvariants().violations()).isEmpty();
        }
    }

    /**
     * V3 adds each image content's pixel hash: contents stored before keep theirs empty, counted by pixel duplicate
     * searches, until a batch carries their hash (what the next index run over their files writes).
     */
    @Test
    void contentsStoredBeforePixelHashesGetThemFromALaterBatch() throws Exception {
        String schema = SERVER.newSchema("migrate_pixels");
        ImageContent image = StoreTestData.imageContent("indexed under V2");
        try (PostgresEmbeddingStore store = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            store.write(WriteBatch.builder().image(image)
                    .record(StoreTestData.record("/v2/a.png", image, null, null))
                    .record(StoreTestData.record("/v2/copy-of-a.png", image, null, null)).build());
        }
        // The schema as V2 left it.
        execute("ALTER TABLE " + schema + ".image_contents DROP COLUMN pixel_hash CASCADE");
        execute("DELETE FROM " + schema + ".schema_version WHERE version = 3");

        try (PostgresEmbeddingStore store = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            assertThat(store.appliedMigrations()).containsExactly(3);
            assertThat(store.imageContents(List.of(image.hash())).get(image.hash()).pixelHash()).isNull();
            PixelDuplicates before = store.pixelDuplicates(PixelDuplicateRequest.defaults());
            assertThat(before.imagesWithoutPixelHash()).isEqualTo(2);
            assertThat(before.groups()).as("identical files are still one picture").hasSize(1);

            PixelHash hash = new PixelHash(0x1234_5678_9abc_def0L);
            WriteResult result = store.write(WriteBatch.builder().image(image.withPixelHash(hash)).build());
            assertThat(result.pixelHashesAdded()).isEqualTo(1);
            assertThat(store.imageContents(List.of(image.hash())).get(image.hash()).pixelHash()).isEqualTo(hash);
            assertThat(store.pixelDuplicates(PixelDuplicateRequest.defaults()).imagesWithoutPixelHash()).isZero();
            assertThat(single("SELECT pixel_band0 || ' ' || pixel_band3 FROM " + schema + ".image_contents"))
                    .isEqualTo(0x1234 + " " + 0xdef0);
        }
    }

    @Test
    void aMigrationEditedAfterItWasAppliedIsRefused() throws Exception {
        String schema = SERVER.newSchema("migrate_edited");
        StoreProcessMain.builder(SERVER.url(), schema).build().close();
        execute("UPDATE " + schema + ".schema_version SET checksum = repeat('0', 64) WHERE version = 1");
        String checksum = SchemaSetup.migrations().get(0).checksum().substring(0, 12);
        assertThatThrownBy(() -> StoreProcessMain.builder(SERVER.url(), schema).build())
                .isInstanceOf(StoreException.class)
                .hasMessage("Migration V1 (contents_images_slots) was changed after it was applied to schema '" + schema
                        + "' (checksum 000000000000 in the database, " + checksum + " in this build); add a new "
                        + "migration instead of editing an applied one");
    }

    @Test
    void aSchemaWrittenByANewerBuildIsRefused() throws Exception {
        String schema = SERVER.newSchema("migrate_newer");
        StoreProcessMain.builder(SERVER.url(), schema).build().close();
        execute("INSERT INTO " + schema + ".schema_version (version, description, checksum) VALUES (7, 'future', 'x')");
        assertThatThrownBy(() -> StoreProcessMain.builder(SERVER.url(), schema).build())
                .isInstanceOf(StoreException.class)
                .hasMessage("Schema '" + schema + "' is at version 7 but this build of sdembed knows migrations up to " + SchemaSetup.migrations().size() + "; "
                        + "use the newer sdembed that wrote it");
    }

    @Test
    void aSlotConfiguredWithAnotherShapeIsRefused() {
        String schema = SERVER.newSchema("slot_shape");
        StoreProcessMain.builder(SERVER.url(), schema).build().close();
        SlotSpec wider = new SlotSpec("prompt_test", Modality.TEXT, 128, "bigger-encoder", "fp-big", null);
        assertThatThrownBy(() -> PostgresEmbeddingStore.builder().url(SERVER.url()).schema(schema).slot(wider).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Slot 'prompt_test' in schema '" + schema + "' holds text 64-d vector embeddings (encoder "
                        + "'test-text-encoder') but is configured as text 128-d vector (encoder 'bigger-encoder'); "
                        + "configure a new slot name for a different encoder shape");
        assertThatThrownBy(() -> PostgresEmbeddingStore.builder().url(SERVER.url()).schema(schema).halfPrecision(true)
                .slot(EmbeddingStoreContract.PROMPT).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("holds text 64-d vector embeddings (encoder 'test-text-encoder') but is "
                        + "configured as text 64-d halfvec (encoder 'test-text-encoder')");
    }

    @Test
    void slotsBeyondWhatHnswIndexesAreRefusedBeforeConnecting() {
        SlotSpec huge = new SlotSpec("huge", Modality.IMAGE, 4001, "huge-encoder", "fp", null);
        assertThatThrownBy(() -> PostgresEmbeddingStore.builder().url("postgresql://nobody@127.0.0.1:1/none").slot(huge)
                .build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Slot 'huge' has 4001 dimensions; pgvector's HNSW index takes at most 4000 (as halfvec)");
    }

    /**
     * A schema of the first version (no settings columns) is migrated at start: V2 adds the columns and their
     * indexes and fills them from each record's stored parameters, read as {@code GenerationSettings} reads them,
     * so filters find old records exactly as new ones.
     */
    @Test
    void aVersion1SchemaGetsTheFilterColumnsFilledFromTheStoredParameters() throws Exception {
        String schema = SERVER.newSchema("migrate_v2");
        java.util.Map<String, java.util.Map<String, String>> parameters = new java.util.LinkedHashMap<>();
        parameters.put("/v1/a.png", java.util.Map.of("sampler", " DPM++ 2M Karras", "seed", "3000000000", "steps",
                "28", "cfg", "7.5"));
        parameters.put("/v1/b.png", java.util.Map.of("seed", "random", "steps", "many", "cfg", "NaN"));
        parameters.put("/v1/c.png", java.util.Map.of());
        parameters.put("/v1/d.png", java.util.Map.of("cfg", "-0.0", "steps", "20"));
        try (PostgresEmbeddingStore store = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            WriteBatch.Builder b = WriteBatch.builder();
            for (var e : parameters.entrySet()) {
                var image = StoreTestData.imageContent(e.getKey());
                b.image(image).embedding(EmbeddingStoreContract.IMAGE.name(), image.hash(), TestVectors.unitVector(
                        e.getKey().hashCode(), EmbeddingStoreContract.IMAGE.dimension()))
                        .record(StoreTestData.record(e.getKey(), image, null, null).toBuilder()
                        .parameters(e.getValue()).build());
            }
            store.write(b.build());
        }
        // Back to what version 1 left: no settings columns, no filter indexes, V2 not recorded.
        execute("ALTER TABLE " + schema + ".images DROP COLUMN sampler, DROP COLUMN seed, DROP COLUMN steps, "
                + "DROP COLUMN cfg; DROP INDEX " + schema + ".images_generator, " + schema + ".images_model_name, "
                + schema + ".images_size, " + schema + ".images_modified_at; DELETE FROM " + schema
                + ".schema_version WHERE version = 2");
        try (PostgresEmbeddingStore store = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            assertThat(store.appliedMigrations()).containsExactly(2);
            assertThat(single("SELECT string_agg(path || '=' || coalesce(sampler, '-') || '|' || coalesce(seed::text, "
                    + "'-') || '|' || coalesce(steps::text, '-') || '|' || coalesce(cfg::text, '-'), ' ' ORDER BY path) "
                    + "FROM " + schema + ".images"))
                    .isEqualTo("/v1/a.png=DPM++ 2M Karras|3000000000|28|7.5 /v1/b.png=-|-|-|- /v1/c.png=-|-|-|- "
                            + "/v1/d.png=-|-|20|0");
            assertThat(single("SELECT count(*) FROM pg_indexes WHERE schemaname = '" + schema + "' AND indexname IN "
                    + "('images_generator', 'images_model_name', 'images_sampler', 'images_seed', 'images_steps', "
                    + "'images_cfg', 'images_size', 'images_modified_at')")).isEqualTo("8");
            var hits = store.search(dev.sdembed.store.SearchRequest.builder(dev.sdembed.store.SearchQuery.vector(
                    EmbeddingStoreContract.IMAGE.name(), new dev.sdembed.encoder.Embedding(TestVectors.unitVector(1,
                            EmbeddingStoreContract.IMAGE.dimension())))).filter(dev.sdembed.store.SearchFilter.builder()
                    .seed(3_000_000_000L).build()).build());
            assertThat(hits).extracting(dev.sdembed.store.SearchHit::path).containsExactly("/v1/a.png");
            assertThat(store.checkInvariants().isConsistent()).isTrue();
        }
    }
}
