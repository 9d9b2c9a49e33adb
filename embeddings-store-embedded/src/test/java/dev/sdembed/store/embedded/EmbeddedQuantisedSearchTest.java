package dev.sdembed.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoreTestData;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.testing.TestVectors;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default search of a large slot (int8 codes, candidates re-ranked from the file) against the exact search
 * ({@code exactSearch(true)}) of the same file, opened read-only beside the writer: clustered vectors shaped like
 * embeddings, with and without filters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedQuantisedSearchTest {
    private static final int COUNT = 12_000;
    private static final int DIMENSION = 256;
    private static final int QUERIES = 40;
    private static final SlotSpec SLOT = StoreTestData.imageSlot("image_q", DIMENSION);

    @TempDir
    static Path temp;
    private float[][] data;
    private EmbeddedEmbeddingStore quantised;
    private EmbeddedEmbeddingStore exact;

    @BeforeAll
    void load() {
        data = TestVectors.clustered(COUNT + QUERIES, DIMENSION, 300, 2.0, 11);
        Random random = new Random(3);
        // Near-copies among the "rare" images (every 200th): 30 near-duplicate pairs a scan must find.
        for (int i = 0; i < 30; i++) {
            data[200 * (i + 30)] = TestVectors.near(data[200 * i], 0.002, random);
        }
        Path dir = temp.resolve("store");
        quantised = EmbeddedEmbeddingStore.builder().directory(dir).slot(SLOT).build();
        for (int start = 0; start < COUNT; start += 3000) {
            WriteBatch.Builder b = WriteBatch.builder();
            for (int i = start; i < start + 3000; i++) {
                ImageContent image = StoreTestData.imageContent("q-" + i);
                // 20 % comfyui (more matches than are re-ranked all), 0.5 % "rare" (all re-ranked).
                String generator = i % 200 == 0 ? "rare" : i % 5 == 0 ? "comfyui" : "a1111";
                b.image(image).embedding(SLOT.name(), image.hash(), data[i])
                        .record(StoreTestData.record("/lib/" + (i % 3 == 0 ? "portraits/" : "other/") + i + ".png",
                                image, null, null).toBuilder().generator(generator).build());
            }
            quantised.write(b.build());
        }
        exact = EmbeddedEmbeddingStore.builder().directory(dir).slot(SLOT).readOnly(true).exactSearch(true).build();
    }

    @AfterAll
    void close() {
        if (exact != null) {
            exact.close();
        }
        if (quantised != null) {
            quantised.close();
        }
    }

    @Test
    void topTenAgreesWithTheExactRankingAndHitsCarryExactScores() {
        double recall = recall(SearchFilter.NONE, 10);
        System.out.printf("recall@10 %.4f over %d clustered %d-d vectors%n", recall, COUNT, DIMENSION);
        assertThat(recall).isGreaterThanOrEqualTo(0.99);
    }

    @Test
    void aFilterMatchingMoreContentsThanAreReRankedAllStillPassesEveryHitAndAgrees() {
        SearchFilter comfy = SearchFilter.generator("comfyui");
        assertThat(recall(comfy, 10)).isGreaterThanOrEqualTo(0.99);
        for (int q = 0; q < 5; q++) {
            assertThat(search(quantised, q, comfy, 25)).hasSize(25)
                    .allSatisfy(h -> assertThat(h.generator()).isEqualTo("comfyui"));
        }
    }

    @Test
    void aSelectiveFilterRanksItsMatchesExactly() {
        SearchFilter rare = SearchFilter.generator("rare").withPathPrefix("/lib/portraits/");
        for (int q = 0; q < QUERIES; q++) {
            List<SearchHit> expected = search(exact, q, rare, 15);
            assertThat(expected).hasSize(15);
            assertThat(search(quantised, q, rare, 15)).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void theMinimumScoreLosesNoHitTheExactSearchKeeps() {
        for (int q = 0; q < 10; q++) {
            double minimum = search(exact, q, SearchFilter.NONE, 30).get(29).score();
            SearchFilter atLeast = SearchFilter.builder().minScore(minimum).build();
            List<SearchHit> expected = search(exact, q, atLeast, 100);
            List<SearchHit> got = search(quantised, q, atLeast, 100);
            assertThat(got).allSatisfy(h -> assertThat(h.score()).isGreaterThanOrEqualTo(minimum));
            assertThat(got).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void nearDuplicatesAreLinkedByExactScores() {
        NearDuplicateRequest request = NearDuplicateRequest.of(SLOT.name()).withThreshold(0.98)
                .withFilter(SearchFilter.generator("rare"));
        List<DuplicateGroup> expected = exact.nearDuplicates(request);
        assertThat(expected).hasSize(30);
        assertThat(quantised.nearDuplicates(request)).isEqualTo(expected);
    }

    @Test
    void aSlotBelowTheThresholdIsSearchedExactly() {
        SlotSpec small = StoreTestData.imageSlot("image_small", DIMENSION);
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(temp.resolve("small"))
                .slot(small).build()) {
            WriteBatch.Builder b = WriteBatch.builder();
            for (int i = 0; i < 500; i++) {
                ImageContent image = StoreTestData.imageContent("s-" + i);
                b.image(image).embedding(small.name(), image.hash(), data[i])
                        .record(StoreTestData.record("/small/" + i + ".png", image, null, null));
            }
            store.write(b.build());
            for (int q = 0; q < 5; q++) {
                float[] query = data[COUNT + q];
                List<SearchHit> hits = store.search(SearchRequest.builder(SearchQuery.vector(small.name(),
                        new Embedding(query))).k(10).build());
                int[] expected = TestVectors.exactTopK(java.util.Arrays.copyOf(data, 500), query, 10);
                assertThat(hits).extracting(SearchHit::path).containsExactly(java.util.Arrays.stream(expected)
                        .mapToObj(i -> "/small/" + i + ".png").toArray(String[]::new));
            }
        }
    }

    /**
     * Codes follow the file: a reader opened read-only (its own connection, as a process of its own has) sees the
     * writer's new vector after the commit, a vector the file kept stays as it was in both, and neither returns a
     * content removed as unreferenced.
     */
    @Test
    void quantisedSlotsOfWriterAndReaderFollowNewReplacedAndRemovedVectors() {
        SlotSpec slot = StoreTestData.imageSlot("image_fresh", DIMENSION);
        Path dir = temp.resolve("fresh");
        try (EmbeddedEmbeddingStore writer = EmbeddedEmbeddingStore.builder().directory(dir).slot(slot)
                .quantiseFrom(1).build()) {
            WriteBatch.Builder b = WriteBatch.builder();
            for (int i = 0; i < 300; i++) {
                ImageContent image = StoreTestData.imageContent("f-" + i);
                b.image(image).embedding(slot.name(), image.hash(), data[i])
                        .record(StoreTestData.record("/fresh/" + i + ".png", image, null, null));
            }
            writer.write(b.build());
            try (EmbeddedEmbeddingStore reader = EmbeddedEmbeddingStore.builder().directory(dir).slot(slot)
                    .readOnly(true).quantiseFrom(1).build()) {
                float[] query = data[COUNT];
                assertThat(top(reader, slot, query).path()).isNotEqualTo("/fresh/new.png");

                ImageContent copy = StoreTestData.imageContent("f-new");
                writer.write(WriteBatch.builder().image(copy).embedding(slot.name(), copy.hash(), query)
                        .record(StoreTestData.record("/fresh/new.png", copy, null, null)).build());
                for (EmbeddedEmbeddingStore store : List.of(writer, reader)) {
                    SearchHit hit = top(store, slot, query);
                    assertThat(hit.path()).isEqualTo("/fresh/new.png");
                    assertThat(hit.score()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
                }

                // A current-model vector is kept by the file when written again, so the codes keep it too: image 7
                // does not become the query's best match in either store.
                ImageContent seventh = StoreTestData.imageContent("f-7");
                writer.write(WriteBatch.builder().delete("/fresh/new.png").build());
                writer.write(WriteBatch.builder().image(seventh).embedding(slot.name(), seventh.hash(), query)
                        .build());
                SearchHit best = top(writer, slot, query);
                assertThat(best.path()).isNotIn("/fresh/7.png", "/fresh/new.png");
                assertThat(top(reader, slot, query)).isEqualTo(best);

                writer.removeUnreferenced();
                for (EmbeddedEmbeddingStore store : List.of(writer, reader)) {
                    assertThat(store.search(SearchRequest.builder(SearchQuery.vector(slot.name(), new Embedding(query)))
                            .k(301).build())).hasSize(300).noneMatch(h -> h.content().equals(copy.hash()));
                }
            }
        }
    }

    private static SearchHit top(EmbeddedEmbeddingStore store, SlotSpec slot, float[] query) {
        return store.search(SearchRequest.builder(SearchQuery.vector(slot.name(), new Embedding(query))).k(1).build())
                .get(0);
    }

    /** The share of the exact search's top-k the default search returns, over the held-out queries. */
    private double recall(SearchFilter filter, int k) {
        double found = 0;
        for (int q = 0; q < QUERIES; q++) {
            List<SearchHit> expected = search(exact, q, filter, k);
            List<SearchHit> got = search(quantised, q, filter, k);
            assertThat(got).hasSize(k);
            assertThat(got).extracting(SearchHit::score).isSortedAccordingTo(java.util.Comparator.reverseOrder());
            Map<Long, Double> exactScore = expected.stream().collect(Collectors.toMap(SearchHit::imageId,
                    SearchHit::score));
            Set<Long> ids = new HashSet<>(exactScore.keySet());
            for (SearchHit h : got) {
                if (ids.contains(h.imageId())) {
                    found++;
                    // Re-ranked from the file with the exact search's own arithmetic: the same score to the bit.
                    assertThat(h.score()).isEqualTo(exactScore.get(h.imageId()));
                }
            }
        }
        return found / (QUERIES * (double) k);
    }

    private List<SearchHit> search(EmbeddedEmbeddingStore store, int query, SearchFilter filter, int k) {
        return store.search(SearchRequest.builder(SearchQuery.vector(SLOT.name(), new Embedding(data[COUNT + query])))
                .k(k).filter(filter).build());
    }
}
