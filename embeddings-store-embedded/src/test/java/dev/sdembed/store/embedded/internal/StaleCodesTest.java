package dev.sdembed.store.embedded.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoreTestData;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.spi.ResolvedSearch;
import dev.sdembed.testing.TestVectors;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Codes in memory that no longer match the file (here: rows changed on the store's own connection behind the cache's
 * back, which no store operation does) are noticed when the re-ranking reads the candidates' float32 vectors, dropped,
 * and the search runs on the vectors loaded afresh, so it answers as an exact search of the file.
 */
class StaleCodesTest {
    private static final SlotSpec SLOT = StoreTestData.imageSlot("image_stale", 32);

    @TempDir
    Path temp;

    @Test
    void staleCodesAreDroppedAndTheSearchAnswersFromTheFile() {
        Map<String, SlotSpec> slots = Map.of(SLOT.name(), SLOT);
        SqliteConnection db = SqliteConnection.openForWriting(temp.resolve("sdembed.db"), slots.values(), 0);
        try {
            VectorCache cache = new VectorCache(1);
            SqliteQueries queries = new SqliteQueries(db.connection(), List.of(SLOT));
            SqliteBatchWriter writer = new SqliteBatchWriter(db.connection(), slots, queries);
            SqliteSearch search = new SqliteSearch(db.connection(), cache, queries);
            float[][] data = TestVectors.clustered(201, SLOT.dimension(), 10, 2.0, 4);
            List<ContentHash> hashes = new ArrayList<>();
            WriteBatch.Builder b = WriteBatch.builder();
            for (int i = 0; i < 200; i++) {
                ImageContent image = StoreTestData.imageContent("stale-" + i);
                hashes.add(image.hash());
                b.image(image).embedding(SLOT.name(), image.hash(), data[i])
                        .record(StoreTestData.record("/stale/" + i + ".png", image, null, null));
            }
            WriteBatch batch = b.build();
            db.locked("writing", () -> db.transaction(() -> writer.write(batch, new HashMap<>())));
            float[] query = data[200];
            ResolvedSearch request = ResolvedSearch.resolve(SearchRequest.builder(SearchQuery.vector(SLOT.name(),
                    new Embedding(query))).k(5).build(), slots);
            List<SearchHit> before = db.locked("searching", () -> search.search(request));
            assertThat(before).hasSize(5);

            // The best hit's vector made stale, the second's deleted, without the cache knowing.
            db.locked("changing", () -> {
                try (PreparedStatement stale = db.connection().prepareStatement("UPDATE emb_" + SLOT.name()
                        + " SET fingerprint = 'another-model' WHERE hash = ?");
                     PreparedStatement delete = db.connection().prepareStatement("DELETE FROM emb_" + SLOT.name()
                             + " WHERE hash = ?")) {
                    stale.setBytes(1, before.get(0).content().toBytes());
                    stale.executeUpdate();
                    delete.setBytes(1, before.get(1).content().toBytes());
                    delete.executeUpdate();
                }
                return null;
            });
            List<SearchHit> after = db.locked("searching", () -> search.search(request));
            int[] exact = TestVectors.exactTopK(java.util.Arrays.copyOf(data, 200), query, 7);
            List<String> expected = new ArrayList<>();
            for (int i : exact) {
                if (!hashes.get(i).equals(before.get(0).content()) && !hashes.get(i).equals(before.get(1).content())) {
                    expected.add("/stale/" + i + ".png");
                }
            }
            assertThat(after).extracting(SearchHit::path).containsExactlyElementsOf(expected.subList(0, 5));
        } finally {
            db.close(() -> { });
        }
    }

    @Test
    void aNearDuplicateScanOverStaleCodesLinksOnlyWhatTheFileHolds() {
        Map<String, SlotSpec> slots = Map.of(SLOT.name(), SLOT);
        SqliteConnection db = SqliteConnection.openForWriting(temp.resolve("sdembed.db"), slots.values(), 0);
        try {
            VectorCache cache = new VectorCache(1);
            SqliteQueries queries = new SqliteQueries(db.connection(), List.of(SLOT));
            SqliteBatchWriter writer = new SqliteBatchWriter(db.connection(), slots, queries);
            SqliteSearch search = new SqliteSearch(db.connection(), cache, queries);
            float[][] data = TestVectors.clustered(100, SLOT.dimension(), 10, 2.0, 5);
            // 0 and 99 are near-identical: one group.
            data[99] = TestVectors.near(data[0], 0.001, new java.util.Random(1));
            List<ContentHash> hashes = new ArrayList<>();
            WriteBatch.Builder b = WriteBatch.builder();
            for (int i = 0; i < 100; i++) {
                ImageContent image = StoreTestData.imageContent("dup-" + i);
                hashes.add(image.hash());
                b.image(image).embedding(SLOT.name(), image.hash(), data[i])
                        .record(StoreTestData.record("/dup/" + i + ".png", image, null, null));
            }
            WriteBatch batch = b.build();
            db.locked("writing", () -> db.transaction(() -> writer.write(batch, new HashMap<>())));
            NearDuplicateRequest request = NearDuplicateRequest.of(SLOT.name());
            assertThat(db.locked("duplicates", () -> search.nearDuplicates(SLOT, request))).hasSize(1);

            db.locked("deleting", () -> {
                try (PreparedStatement delete = db.connection().prepareStatement("DELETE FROM emb_" + SLOT.name()
                        + " WHERE hash = ?")) {
                    delete.setBytes(1, hashes.get(99).toBytes());
                    delete.executeUpdate();
                }
                return null;
            });
            assertThat(db.locked("duplicates", () -> search.nearDuplicates(SLOT, request))).isEmpty();
        } finally {
            db.close(() -> { });
        }
    }
}
