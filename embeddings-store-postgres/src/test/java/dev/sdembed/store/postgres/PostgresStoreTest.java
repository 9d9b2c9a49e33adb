package dev.sdembed.store.postgres;

import static dev.sdembed.store.StoreTestData.imageContent;
import static dev.sdembed.store.StoreTestData.record;
import static dev.sdembed.testing.TestVectors.unitVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pgvector.PGvector;
import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.FilterLibrary;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoreTestData;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.WriteResult;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.TestVectors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** What only the PostgreSQL store has: vector types, its index, its configuration. */
class PostgresStoreTest {
    private static final PostgresTestServer SERVER = PostgresTestServer.shared();

    @Test
    void halfPrecisionVectorsAreRoundedExactlyAsPostgresRoundsThem() throws SQLException {
        SlotSpec slot = new SlotSpec("image_half", Modality.IMAGE, 96, "half-encoder", "fp-half", null);
        Random random = new Random(3);
        List<float[]> vectors = new ArrayList<>();
        List<ImageContent> images = new ArrayList<>();
        try (PostgresEmbeddingStore store = PostgresTestStores.builder(SERVER, "half").halfPrecision(true).slot(slot).build()) {
            WriteBatch.Builder b = WriteBatch.builder();
            for (int i = 0; i < 300; i++) {
                float[] v = unitVector(random, slot.dimension());
                // Values that sit on or next to float16 rounding ties as well as ordinary ones.
                v[0] = (float) ((1 + 2 * random.nextInt(512)) * 0x1p-11 * (random.nextBoolean() ? 1 : -1)) / 8;
                v = TestVectors.normalise(v);
                ImageContent image = imageContent("half-" + i);
                vectors.add(v);
                images.add(image);
                b.image(image).embedding(slot.name(), image.hash(), v).record(record("/half/" + i + ".png", image, null, null));
            }
            store.write(b.build());

            try (Connection c = SERVER.connect(); PreparedStatement ps = c.prepareStatement("SELECT e.embedding::text, "
                    + "CAST(CAST(? AS vector) AS halfvec)::text, pg_typeof(e.embedding)::text FROM " + store.schema()
                    + ".emb_image_half e WHERE e.hash = ?")) {
                for (int i = 0; i < vectors.size(); i++) {
                    ps.setObject(1, new PGvector(vectors.get(i)));
                    ps.setBytes(2, images.get(i).hash().toBytes());
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getString(1)).as("vector %d", i).isEqualTo(rs.getString(2));
                        assertThat(rs.getString(3)).isEqualTo("halfvec");
                    }
                }
            }
            List<SearchHit> hits = store.search(SearchRequest.builder(SearchQuery.vector(slot.name(),
                    new Embedding(vectors.get(17)))).k(3).build());
            assertThat(hits.get(0).path()).isEqualTo("/half/17.png");
            assertThat(hits.get(0).score()).isCloseTo(1.0, Offset.offset(2e-3));
        }
    }

    @Test
    void fullPrecisionVectorsArriveBitForBitAcrossCopyBufferBoundaries() throws SQLException {
        // 1280-d rows of ~5.2 KB: the 64 KB copy buffer fills mid-vector at a different offset in each row.
        SlotSpec slot = new SlotSpec("prompt_wide", Modality.TEXT, 1280, "wide-text-encoder", "fp-1280", null);
        Random random = new Random(5);
        List<float[]> vectors = new ArrayList<>();
        List<ContentHash> hashes = new ArrayList<>();
        try (PostgresEmbeddingStore store = PostgresTestStores.builder(SERVER, "bit_exact").slot(slot).build()) {
            WriteBatch.Builder b = WriteBatch.builder();
            for (int i = 0; i < 150; i++) {
                float[] v = unitVector(random, slot.dimension());
                v[i % slot.dimension()] = Math.nextUp(v[i % slot.dimension()]);
                ContentHash h = b.addText("wide prompt " + i);
                b.embedding(slot.name(), h, v);
                vectors.add(v);
                hashes.add(h);
            }
            assertThat(store.write(b.build()).embeddingsWritten(slot.name())).isEqualTo(150);

            try (Connection c = SERVER.connect(); PreparedStatement ps = c.prepareStatement("SELECT embedding FROM "
                    + store.schema() + ".emb_prompt_wide WHERE hash = ?")) {
                PGvector.registerTypes(c);
                for (int i = 0; i < vectors.size(); i++) {
                    ps.setBytes(1, hashes.get(i).toBytes());
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(((PGvector) rs.getObject(1)).toArray()).as("vector %d", i)
                                .containsExactly(vectors.get(i));
                    }
                }
            }
        }
    }

    @Test
    void aContentAnotherWriterAddsWhileTheBatchRunsIsKeptOnce() throws Exception {
        SlotSpec slot = new SlotSpec("prompt_race", Modality.TEXT, 8, "race-encoder", "fp-race", null);
        String shared = "a prompt two writers bring at once";
        ContentHash sharedHash = ContentHash.ofText(shared);
        try (PostgresEmbeddingStore store = PostgresTestStores.builder(SERVER, "content_race").slot(slot).build();
             Connection other = SERVER.connect()) {
            // Another writer has added the shared prompt but not committed: the batch's lookup cannot see it, and
            // the batch's COPY of it waits on that writer.
            other.setAutoCommit(false);
            try (PreparedStatement ps = other.prepareStatement("INSERT INTO " + store.schema()
                    + ".text_contents (hash, text) VALUES (?, ?)")) {
                ps.setBytes(1, sharedHash.toBytes());
                ps.setString(2, shared);
                ps.executeUpdate();
            }
            WriteBatch.Builder b = WriteBatch.builder();
            ContentHash own = b.addText("a prompt only this batch brings");
            assertThat(b.addText(shared)).isEqualTo(sharedHash);
            Random random = new Random(9);
            b.embedding(slot.name(), own, unitVector(random, 8)).embedding(slot.name(), sharedHash, unitVector(random, 8));
            ImageContent image = imageContent("race");
            b.image(image).record(record("/race/1.png", image, sharedHash, own));
            CompletableFuture<WriteResult> write = CompletableFuture.supplyAsync(() -> store.write(b.build()));

            awaitCopyWaitingOnALock(store.schema());
            other.commit();
            WriteResult result = write.get(60, TimeUnit.SECONDS);

            assertThat(result.textsAdded()).as("the other writer's row is kept, not added again").isEqualTo(1);
            assertThat(result.embeddingsWritten(slot.name())).isEqualTo(2);
            assertThat(store.referenceCounts(Modality.TEXT, List.of(sharedHash, own)))
                    .containsEntry(sharedHash, 1L).containsEntry(own, 1L);
            assertThat(store.checkInvariants().isConsistent()).isTrue();
        }
    }

    /** Waits until a backend's COPY into text_contents waits on another transaction's lock. */
    private static void awaitCopyWaitingOnALock(String schema) throws SQLException, InterruptedException {
        try (Connection c = SERVER.connect(); PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM "
                + "pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY text_contents %'")) {
            for (int i = 0; i < 600; i++) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("no COPY into " + schema + ".text_contents waited on the other writer within 30 s");
    }

    @Test
    void slotsWiderThanVectorIndexesUseHalfvec() throws SQLException {
        SlotSpec wide = new SlotSpec("image_wide", Modality.IMAGE, 2048, "wide-encoder", "fp-wide", null);
        try (PostgresEmbeddingStore store = PostgresTestStores.builder(SERVER, "wide").slot(wide).build()) {
            Random random = new Random(4);
            WriteBatch.Builder b = WriteBatch.builder();
            float[] target = unitVector(random, 2048);
            for (int i = 0; i < 50; i++) {
                ImageContent image = imageContent("wide-" + i);
                b.image(image).embedding(wide.name(), image.hash(), i == 7 ? target : unitVector(random, 2048))
                        .record(record("/wide/" + i + ".png", image, null, null));
            }
            store.write(b.build());
            assertThat(query("SELECT vector_type FROM " + store.schema() + ".slots WHERE name = 'image_wide'"))
                    .containsExactly("halfvec");
            assertThat(store.search(SearchRequest.builder(SearchQuery.vector(wide.name(), new Embedding(target))).k(1)
                    .build())).extracting(SearchHit::path).containsExactly("/wide/7.png");
        }
    }

    /**
     * A selective filter ranks all its matches (exact) below {@code exactSearchLimit}; with the limit at 0 the same
     * search walks the HNSW index with iterative scans and still returns k matches.
     */
    @Test
    void filteredSearchesRankFewMatchesExactlyAndStillReturnKThroughTheIndex() {
        SlotSpec slot = new SlotSpec("image_filtered", Modality.IMAGE, 384, "filter-encoder", "fp-filter", null);
        int count = 10_000;
        float[][] data = TestVectors.clustered(count + 50, 384, 200, 2.0, 5);
        List<String> paths = new ArrayList<>();
        try (PostgresEmbeddingStore store = PostgresTestStores.builder(SERVER, "filtered").slot(slot).build()) {
            store.dropVectorIndex(slot.name());
            for (int start = 0; start < count; start += 2500) {
                WriteBatch.Builder b = WriteBatch.builder();
                for (int i = start; i < start + 2500; i++) {
                    ImageContent image = imageContent("filtered-" + i);
                    paths.add("/f/" + i + ".png");
                    b.image(image).embedding(slot.name(), image.hash(), data[i]).record(record(paths.get(i), image,
                            null, null).toBuilder().generator(i % 20 == 0 ? "comfyui" : "a1111").build());
                }
                store.write(b.build());
            }
            store.createVectorIndex(slot.name());
            SearchFilter comfy = SearchFilter.generator("comfyui");
            try (PostgresEmbeddingStore indexOnly = PostgresEmbeddingStore.builder().url(SERVER.url())
                    .schema(store.schema()).slot(slot).exactSearchLimit(0).filteredEfSearch(40).build()) {
                assertThat(store.exactSearchLimit()).isGreaterThanOrEqualTo(count / 20);
                double exactFound = 0;
                double indexFound = 0;
                for (int q = 0; q < 50; q++) {
                    float[] query = data[count + q];
                    Set<String> best = Arrays.stream(TestVectors.exactTopK(Arrays.copyOf(data, count), query, 10,
                            i -> i % 20 == 0)).mapToObj(paths::get).collect(Collectors.toSet());
                    SearchRequest request = SearchRequest.builder(SearchQuery.vector(slot.name(), new Embedding(query)))
                            .k(10).filter(comfy).build();
                    List<SearchHit> exact = store.search(request);
                    List<SearchHit> throughIndex = indexOnly.search(request);
                    for (List<SearchHit> hits : List.of(exact, throughIndex)) {
                        assertThat(hits).hasSize(10).allSatisfy(h -> assertThat(h.generator()).isEqualTo("comfyui"));
                        assertThat(hits).extracting(SearchHit::score).isSortedAccordingTo(Comparator.reverseOrder());
                    }
                    exactFound += exact.stream().filter(h -> best.contains(h.path())).count();
                    indexFound += throughIndex.stream().filter(h -> best.contains(h.path())).count();
                }
                System.out.printf("filtered recall@10 (5 %% of %d match): exact %.3f, through the index %.3f%n",
                        count, exactFound / 500, indexFound / 500);
                assertThat(exactFound / 500).isEqualTo(1.0);
                assertThat(indexFound / 500).isGreaterThan(0.5);

                // By a stored image: the count leaves the image itself out, as the search does.
                List<SearchHit> similar = store.search(SearchRequest.builder(SearchQuery.storedImage(slot.name(),
                        paths.get(0))).k(499).filter(comfy).build());
                assertThat(similar).hasSize(499).noneMatch(h -> h.path().equals(paths.get(0)));
            }
        }
    }

    /**
     * The index path of every filter (the count that picks the exact path is skipped with a limit of 0): on a
     * library smaller than ef_search the HNSW walk sees every vector, so its answers must be the brute-force ones too,
     * distinct keys widening the walk where one content does not stand for one key.
     */
    @Test
    void throughTheIndexEveryFilterGivesTheBruteForceAnswerOnASmallLibrary() {
        try (PostgresEmbeddingStore store = PostgresTestStores.builder(SERVER, "filters_index").exactSearchLimit(0)
                .slots(List.of(EmbeddingStoreContract.PROMPT, EmbeddingStoreContract.IMAGE)).build()) {
            FilterLibrary lib = FilterLibrary.write(store, EmbeddingStoreContract.PROMPT, EmbeddingStoreContract.IMAGE);
            EmbeddingStoreContract.assertFiltersGiveTheBruteForceAnswer(store, lib);
        }
    }

    @Test
    void theVectorIndexCanBeDroppedForABulkLoadAndBuiltAfter() throws SQLException {
        try (PostgresEmbeddingStore store = PostgresTestStores.builder(SERVER, "bulk_index")
                .slots(List.of(EmbeddingStoreContract.PROMPT, EmbeddingStoreContract.IMAGE)).build()) {
            String indexes = "SELECT indexname FROM pg_indexes WHERE schemaname = '" + store.schema()
                    + "' AND indexname LIKE '%hnsw' ORDER BY 1";
            assertThat(query(indexes)).containsExactly("emb_image_test_hnsw", "emb_prompt_test_hnsw");
            store.dropVectorIndex(EmbeddingStoreContract.IMAGE.name());
            assertThat(query(indexes)).containsExactly("emb_prompt_test_hnsw");

            Random random = new Random(8);
            float[] target = unitVector(random, EmbeddingStoreContract.IMAGE.dimension());
            WriteBatch.Builder b = WriteBatch.builder();
            for (int i = 0; i < 500; i++) {
                ImageContent image = imageContent("bulk-" + i);
                b.image(image).embedding(EmbeddingStoreContract.IMAGE.name(), image.hash(),
                                i == 99 ? target : unitVector(random, EmbeddingStoreContract.IMAGE.dimension()))
                        .record(record("/bulk/" + i + ".png", image, null, null));
            }
            store.write(b.build());
            SearchRequest request = SearchRequest.builder(SearchQuery.vector(EmbeddingStoreContract.IMAGE.name(),
                    new Embedding(target))).k(1).build();
            assertThat(store.search(request)).extracting(SearchHit::path).containsExactly("/bulk/99.png");

            Duration took = store.createVectorIndex(EmbeddingStoreContract.IMAGE.name());
            assertThat(took).isPositive();
            assertThat(query(indexes)).containsExactly("emb_image_test_hnsw", "emb_prompt_test_hnsw");
            assertThat(store.search(request)).extracting(SearchHit::path).containsExactly("/bulk/99.png");
        }
    }

    @Test
    void anIndexDroppedByAProcessThatStoppedIsRebuiltAtTheNextStart() throws SQLException {
        String schema = SERVER.newSchema("index_restore");
        try (PostgresEmbeddingStore store = StoreProcessMain.builder(SERVER.url(), schema).build()) {
            store.dropVectorIndex(EmbeddingStoreContract.PROMPT.name());
        }
        StoreProcessMain.builder(SERVER.url(), schema).build().close();
        assertThat(query("SELECT indexname FROM pg_indexes WHERE schemaname = '" + schema
                + "' AND indexname = 'emb_prompt_test_hnsw'")).hasSize(1);
    }

    @Test
    void builderDefaultsAndRangeChecks() {
        try (PostgresEmbeddingStore store = PostgresTestStores.builder(SERVER, "defaults").slot(EmbeddingStoreContract.PROMPT).build()) {
            assertThat(store.efSearch()).isEqualTo(100);
            assertThat(store.filteredEfSearch()).isEqualTo(1000);
            assertThat(store.slots()).containsExactly(EmbeddingStoreContract.PROMPT);
            assertThat(store.toString()).startsWith("PostgresEmbeddingStore[postgresql://").endsWith("slots=[prompt_test]]");
        }
        PostgresEmbeddingStore.Builder b = PostgresEmbeddingStore.builder();
        assertThatThrownBy(() -> b.efSearch(5)).isInstanceOf(InvalidInputException.class)
                .hasMessage("efSearch is 5; expected 10 to 1000");
        assertThatThrownBy(() -> b.filteredEfSearch(2000)).isInstanceOf(InvalidInputException.class)
                .hasMessage("filteredEfSearch is 2000; expected 10 to 1000");
        assertThatThrownBy(() -> b.hnsw(16, 20)).isInstanceOf(InvalidInputException.class)
                .hasMessage("HNSW ef_construction is 20; expected 32 (2·m) to 1000");
        assertThatThrownBy(() -> b.maxConnections(0)).isInstanceOf(InvalidInputException.class)
                .hasMessage("maxConnections is 0; expected 1 to 200");
        assertThatThrownBy(() -> b.indexBuildMemory("lots")).isInstanceOf(InvalidInputException.class)
                .hasMessage("indexBuildMemory 'lots' is invalid; expected e.g. 512MB or 2GB");
        assertThatThrownBy(() -> b.schema("drop table;")).isInstanceOf(InvalidInputException.class)
                .hasMessage("Schema name 'drop table;' is invalid; expected letters, digits and underscores, at most 63, "
                        + "not starting with a digit");
        assertThatThrownBy(() -> PostgresEmbeddingStore.builder().slot(EmbeddingStoreContract.PROMPT).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("url is required, e.g. postgresql://user@localhost:5432/sdembed");
        assertThatThrownBy(() -> PostgresEmbeddingStore.builder().url(SERVER.url()).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("No slots configured; a store needs at least one slot");
        assertThatThrownBy(() -> PostgresEmbeddingStore.builder().url(SERVER.url()).slot(EmbeddingStoreContract.PROMPT)
                .slot(EmbeddingStoreContract.PROMPT).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Slot 'prompt_test' is configured twice");
    }

    @Test
    void anUnreachableServerIsReportedWithoutThePassword() {
        assertThatThrownBy(() -> PostgresEmbeddingStore.builder().url("postgresql://sd:hunter2@127.0.0.1:1/sdembed")
                .connectTimeout(Duration.ofSeconds(2)).slot(EmbeddingStoreContract.PROMPT).build())
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("Cannot connect to PostgreSQL at postgresql://sd:***@127.0.0.1:1/sdembed "
                        + "(schema sdembed) while opening the store (SQLSTATE 08001")
                .hasMessageEndingWith("Check that the server runs and the URL's host, port, database, user and "
                        + "password (or PGPASSWORD).")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void aMissingDatabaseIsReportedAsSuch() {
        String url = SERVER.url().replaceFirst("/[^/?]+(\\?|$)", "/no_such_database$1");
        assertThatThrownBy(() -> PostgresEmbeddingStore.builder().url(url).slot(EmbeddingStoreContract.PROMPT).build())
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("Cannot connect to PostgreSQL at ")
                .hasMessageContaining("/no_such_database (schema sdembed) while opening the store (SQLSTATE 3D000: "
                        + "FATAL: database \"no_such_database\" does not exist)");
    }

    @Test
    void aClosedStoreSaysSo() {
        PostgresEmbeddingStore store = PostgresTestStores.builder(SERVER, "closed").slot(EmbeddingStoreContract.PROMPT).build();
        store.close();
        store.close();
        assertThatThrownBy(store::stats).isInstanceOf(StoreException.class)
                .hasMessageEndingWith("(schema " + store.schema() + ") is closed");
    }

    private static List<String> query(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = SERVER.connect(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
