package dev.sdembed.store;

import static dev.sdembed.store.StoreTestData.imageContent;
import static dev.sdembed.store.StoreTestData.imageSlot;
import static dev.sdembed.store.StoreTestData.record;
import static dev.sdembed.store.StoreTestData.textSlot;
import static dev.sdembed.testing.TestVectors.unitVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.image.PixelHash;
import dev.sdembed.testing.TestVectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link EmbeddingStore} must show, run against each implementation by a subclass that only
 * says how to open one. A difference between two stores is a bug in one of them.
 */
public abstract class EmbeddingStoreContract {
    public static final SlotSpec PROMPT = textSlot("prompt_test", 64);
    public static final SlotSpec IMAGE = imageSlot("image_test", 32);

    private final List<EmbeddingStore> opened = new ArrayList<>();

    /** A store on a new, empty location with these slots. */
    protected abstract EmbeddingStore createStore(List<SlotSpec> slots);

    /** The location of {@code store} opened again, with these slots (e.g. a changed fingerprint). */
    protected abstract EmbeddingStore reopenStore(EmbeddingStore store, List<SlotSpec> slots);

    protected final EmbeddingStore open(SlotSpec... slots) {
        EmbeddingStore store = createStore(List.of(slots));
        opened.add(store);
        return store;
    }

    protected final EmbeddingStore reopen(EmbeddingStore store, SlotSpec... slots) {
        EmbeddingStore again = reopenStore(store, List.of(slots));
        opened.add(again);
        return again;
    }

    @AfterEach
    void closeStores() {
        opened.forEach(EmbeddingStore::close);
        opened.clear();
    }

    // ---------------------------------------------------------------- dedup and reference counts

    @Test
    void samePromptOnAThousandImagesIsStoredOnceAndCountedExactly() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        String prompt = "masterpiece, a lighthouse at dusk, volumetric light";
        ContentHash promptHash = ContentHash.ofText(prompt);
        float[] promptVector = unitVector(1, PROMPT.dimension());
        List<String> paths = StoreTestData.paths("/library/lighthouse/", 1000);
        List<ContentHash> imageHashes = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            WriteBatch.Builder batch = WriteBatch.builder();
            for (int i = b * 250; i < (b + 1) * 250; i++) {
                ImageContent image = imageContent("lighthouse-" + i);
                imageHashes.add(image.hash());
                batch.text(TextContent.of(prompt)).image(image)
                        .embedding(PROMPT.name(), promptHash, promptVector)
                        .embedding(IMAGE.name(), image.hash(), unitVector(1000 + i, IMAGE.dimension()))
                        .record(record(paths.get(i), image, promptHash, null));
            }
            WriteResult result = store.write(batch.build());
            assertThat(result.imagesInserted()).isEqualTo(250);
            assertThat(result.textsAdded()).isEqualTo(b == 0 ? 1 : 0);
            assertThat(result.embeddingsWritten(PROMPT.name())).isEqualTo(b == 0 ? 1 : 0);
            assertThat(result.embeddingsWritten(IMAGE.name())).isEqualTo(250);
        }
        StoreStats stats = store.stats();
        assertThat(stats.images()).isEqualTo(1000);
        assertThat(stats.textContents()).isEqualTo(1);
        assertThat(stats.slot(PROMPT.name()).embeddings()).isEqualTo(1);
        assertThat(stats.slot(PROMPT.name()).references()).isEqualTo(1000);
        assertThat(stats.slot(IMAGE.name()).embeddings()).isEqualTo(1000);
        assertThat(store.referenceCounts(Modality.TEXT, List.of(promptHash))).containsExactly(Map.entry(promptHash, 1000L));
        assertThat(store.checkInvariants().isConsistent()).isTrue();

        store.write(WriteBatch.builder().delete(paths.subList(0, 400)).build());
        assertThat(store.referenceCounts(Modality.TEXT, List.of(promptHash))).containsEntry(promptHash, 600L);
        assertThat(store.referenceCounts(Modality.IMAGE, imageHashes.subList(0, 400)).values()).containsOnly(0L);
        MaintenanceResult partly = store.removeUnreferenced();
        assertThat(partly.textContents()).isZero();
        assertThat(partly.imageContents()).isEqualTo(400);
        assertThat(partly.embeddings()).containsEntry(IMAGE.name(), 400L).containsEntry(PROMPT.name(), 0L);
        assertThat(store.checkInvariants().isConsistent()).isTrue();

        WriteResult rest = store.write(WriteBatch.builder().delete(paths.subList(400, 1000)).build());
        assertThat(rest.imagesDeleted()).isEqualTo(600);
        assertThat(store.referenceCounts(Modality.TEXT, List.of(promptHash))).containsEntry(promptHash, 0L);
        MaintenanceResult all = store.removeUnreferenced();
        assertThat(all.textContents()).isEqualTo(1);
        assertThat(all.embeddings()).containsEntry(PROMPT.name(), 1L).containsEntry(IMAGE.name(), 600L);
        StoreStats empty = store.stats();
        assertThat(empty.images()).isZero();
        assertThat(empty.textContents()).isZero();
        assertThat(empty.imageContents()).isZero();
        assertThat(empty.slots()).allSatisfy(s -> assertThat(s.embeddings()).isZero());
        assertThat(store.referenceCounts(Modality.TEXT, List.of(promptHash))).isEmpty();
        assertThat(store.embeddedHashes(PROMPT.name(), List.of(promptHash))).isEmpty();
    }

    @Test
    void rewritingAPathMovesItsReferences() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        ImageContent image = imageContent("cat");
        WriteBatch.Builder first = WriteBatch.builder().image(image);
        ContentHash a = first.addText("a cat on a sofa");
        ContentHash neg = first.addText("blurry, lowres");
        store.write(first.record(record("/lib/cat.png", image, a, neg)).build());

        WriteBatch.Builder second = WriteBatch.builder();
        ContentHash b = second.addText("a cat on a sofa, oil painting");
        WriteResult moved = store.write(second.record(record("/lib/cat.png", image, b, neg)).build());
        assertThat(moved.imagesUpdated()).isEqualTo(1);
        assertThat(store.referenceCounts(Modality.TEXT, List.of(a, b, neg)))
                .containsEntry(a, 0L).containsEntry(b, 1L).containsEntry(neg, 1L);

        WriteResult same = store.write(WriteBatch.builder().record(record("/lib/cat.png", image, b, neg)).build());
        assertThat(same.imagesUnchanged()).isEqualTo(1);
        assertThat(store.referenceCounts(Modality.TEXT, List.of(b))).containsEntry(b, 1L);

        // The file became unreadable: its row keeps the failure and releases every content.
        store.write(WriteBatch.builder().record(ImageRecord.failed("/lib/cat.png", 0, StoreTestData.MODIFIED,
                "truncated PNG: IDAT chunk ends early")).build());
        assertThat(store.referenceCounts(Modality.TEXT, List.of(b, neg)).values()).containsOnly(0L);
        assertThat(store.referenceCounts(Modality.IMAGE, List.of(image.hash()))).containsEntry(image.hash(), 0L);
        assertThat(store.checkInvariants().isConsistent()).isTrue();
    }

    @Test
    void fourWritersWithOverlappingBatchesNeverDuplicateContents() throws Exception {
        EmbeddingStore store = open(PROMPT, IMAGE);
        int writers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int b = 0; b < 8; b++) {
                        store.write(overlappingBatch(writer, b, 60));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertStoreMatchesItsRecords(store);
    }

    /**
     * A batch sharing prompts (a pool of 40), image contents (a pool of 150) and some paths (30 every writer
     * rewrites, re-pointing them) with every other writer's batches.
     */
    public static WriteBatch overlappingBatch(int writer, int batch, int size) {
        Random random = new Random(writer * 1000L + batch);
        WriteBatch.Builder b = WriteBatch.builder();
        for (int i = 0; i < size; i++) {
            int p = random.nextInt(40);
            int n = random.nextInt(40);
            ImageContent image = imageContent("shared-" + random.nextInt(150));
            String prompt = "prompt number " + p;
            String negative = "negative number " + n;
            ContentHash ph = b.addText(prompt);
            ContentHash nh = b.addText(negative);
            b.image(image)
                    .embedding(PROMPT.name(), ph, unitVector(p, PROMPT.dimension()))
                    .embedding(PROMPT.name(), nh, unitVector(10_000 + n, PROMPT.dimension()))
                    .embedding(IMAGE.name(), image.hash(), unitVector(image.hash().hashCode(), IMAGE.dimension()));
            String path = i < 5 ? "/shared/" + random.nextInt(30) + ".png" : "/w" + writer + "/b" + batch + "/" + i + ".png";
            try {
                b.record(record(path, image, ph, nh));
            } catch (InvalidInputException sameSharedPathTwice) {
                // The random draw picked one shared path twice in this batch; one record per path is enough.
            }
        }
        return b.build();
    }

    /** Counts every reference from the stored records and compares with the store's counts and contents. */
    public static void assertStoreMatchesItsRecords(EmbeddingStore store) {
        Map<ContentHash, Long> textRefs = new HashMap<>();
        Map<ContentHash, Long> imageRefs = new HashMap<>();
        String after = null;
        long images = 0;
        while (true) {
            List<StoredImage> page = store.listImages(null, after, 500);
            if (page.isEmpty()) {
                break;
            }
            for (StoredImage s : page) {
                ImageRecord r = s.record();
                images++;
                if (r.promptHash() != null) {
                    textRefs.merge(r.promptHash(), 1L, Long::sum);
                }
                if (r.negativeHash() != null) {
                    textRefs.merge(r.negativeHash(), 1L, Long::sum);
                }
                if (r.imageHash() != null) {
                    imageRefs.merge(r.imageHash(), 1L, Long::sum);
                }
            }
            after = page.get(page.size() - 1).path();
        }
        StoreStats stats = store.stats();
        assertThat(stats.images()).isEqualTo(images);
        assertThat(stats.textContents()).isEqualTo(textRefs.size());
        assertThat(stats.imageContents()).isEqualTo(imageRefs.size());
        assertThat(stats.slot(PROMPT.name()).embeddings()).isEqualTo(textRefs.size());
        assertThat(stats.slot(IMAGE.name()).embeddings()).isEqualTo(imageRefs.size());
        assertThat(store.referenceCounts(Modality.TEXT, textRefs.keySet())).isEqualTo(textRefs);
        assertThat(store.referenceCounts(Modality.IMAGE, imageRefs.keySet())).isEqualTo(imageRefs);
        InvariantReport report = store.checkInvariants();
        assertThat(report.isConsistent()).as(report.toString()).isTrue();
    }

    // ---------------------------------------------------------------- lookups

    @Test
    void recordsRoundTripAndFailuresAreListedWithTheirReason() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        ImageContent image = imageContent("round-trip");
        WriteBatch.Builder b = WriteBatch.builder().image(image);
        ContentHash prompt = b.addText("a castle, \"quoted\", back\\slash, tab\there, ünïcödé 城");
        ImageRecord ok = record("/lib/a.png", image, prompt, null).toBuilder()
                .parameters(Map.of("seed", "18446744073709551615", "sampler", "DPM++ 2M Karras", "note", "a\nb\"c"))
                .build();
        ImageRecord failed1 = ImageRecord.failed("/lib/b.png", 10, StoreTestData.MODIFIED, "not a PNG: bad signature");
        ImageRecord failed2 = ImageRecord.failed("/lib/c.png", 0, StoreTestData.MODIFIED, "zero-byte file");
        store.write(b.record(ok).record(failed1).record(failed2).build());

        Map<String, StoredImage> found = store.findImages(List.of("/lib/a.png", "/lib/b.png", "/lib/missing.png"));
        assertThat(found).containsOnlyKeys("/lib/a.png", "/lib/b.png");
        assertThat(found.get("/lib/a.png").record()).isEqualTo(ok);
        assertThat(found.get("/lib/b.png").record()).isEqualTo(failed1);
        long id = found.get("/lib/a.png").id();
        assertThat(store.findImage(id)).map(StoredImage::record).contains(ok);

        List<StoredImage> failures = store.listImages(ImageStatus.FAILED, null, 10);
        assertThat(failures).extracting(StoredImage::path).containsExactly("/lib/b.png", "/lib/c.png");
        assertThat(failures).extracting(s -> s.record().error())
                .containsExactly("not a PNG: bad signature", "zero-byte file");
        assertThat(store.listImages(ImageStatus.FAILED, "/lib/b.png", 10)).extracting(StoredImage::path)
                .containsExactly("/lib/c.png");
        assertThat(store.stats().failedImages()).isEqualTo(2);
    }

    @Test
    void embeddedLooksUpManyHashesAtOnce() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        WriteBatch.Builder b = WriteBatch.builder();
        List<ContentHash> present = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ContentHash h = b.addText("text " + i);
            b.embedding(PROMPT.name(), h, unitVector(i, PROMPT.dimension()));
            present.add(h);
        }
        store.write(b.build());
        List<ContentHash> asked = new ArrayList<>(present.subList(0, 200));
        for (int i = 0; i < 2000; i++) {
            asked.add(ContentHash.ofText("absent " + i));
        }
        assertThat(store.embeddedHashes(PROMPT.name(), asked))
                .containsExactlyInAnyOrderElementsOf(present.subList(0, 200));
        assertThat(store.embeddedHashes(IMAGE.name(), asked)).isEmpty();
    }

    @Test
    void textsAreLookedUpByHashManyAtOnce() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        WriteBatch.Builder b = WriteBatch.builder();
        List<ContentHash> present = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            present.add(b.addText("negative " + i + ", ünïcödé 城, \"quoted\""));
        }
        store.write(b.build());
        List<ContentHash> asked = new ArrayList<>(present.subList(0, 250));
        for (int i = 0; i < 1200; i++) {
            asked.add(ContentHash.ofText("absent " + i));
        }
        Map<ContentHash, String> texts = store.texts(asked);
        assertThat(texts).hasSize(250);
        assertThat(texts.get(present.get(7))).isEqualTo("negative 7, ünïcödé 城, \"quoted\"");
        assertThat(store.texts(List.of())).isEmpty();
        assertThatThrownBy(() -> store.texts(java.util.Arrays.asList(present.get(0), null)))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void anEmbeddingNeedsItsContentInTheBatchOrInTheStore() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        WriteBatch.Builder first = WriteBatch.builder();
        ContentHash stored = first.addText("stored earlier");
        ImageContent image = imageContent("stored image");
        store.write(first.image(image).build());

        // Contents written by an earlier batch need not ride along again.
        WriteResult later = store.write(WriteBatch.builder()
                .embedding(PROMPT.name(), stored, unitVector(1, PROMPT.dimension()))
                .embedding(IMAGE.name(), image.hash(), unitVector(2, IMAGE.dimension())).build());
        assertThat(later.embeddingsWritten()).containsEntry(PROMPT.name(), 1).containsEntry(IMAGE.name(), 1);

        ContentHash nowhere = ContentHash.ofText("never written");
        ContentHash alsoNowhere = ContentHash.ofText("never written either");
        WriteBatch.Builder bad = WriteBatch.builder();
        ContentHash carried = bad.addText("carried by the batch");
        WriteBatch missing = bad.embedding(PROMPT.name(), carried, unitVector(3, PROMPT.dimension()))
                .embedding(PROMPT.name(), nowhere, unitVector(4, PROMPT.dimension()))
                .embedding(PROMPT.name(), alsoNowhere, unitVector(5, PROMPT.dimension())).build();
        // The first missing one in batch order is named.
        assertThatThrownBy(() -> store.write(missing))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedding of content " + nowhere.hex().substring(0, 12) + " for slot 'prompt_test' has no "
                        + "text content: it is neither in the batch nor in the store (2 such embeddings in the batch); "
                        + "put the content in the same batch, or write it before");
        ContentHash imageNowhere = imageContent("never stored").hash();
        assertThatThrownBy(() -> store.write(WriteBatch.builder()
                .embedding(IMAGE.name(), imageNowhere, unitVector(6, IMAGE.dimension())).build()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedding of content " + imageNowhere.hex().substring(0, 12) + " for slot 'image_test' "
                        + "has no image content: it is neither in the batch nor in the store; put the content in the "
                        + "same batch, or write it before");
        // Refused as a whole: not even the batch's own text went in.
        assertThat(store.embeddedHashes(PROMPT.name(), List.of(carried, nowhere, alsoNowhere))).isEmpty();
        assertThat(store.referenceCounts(Modality.TEXT, List.of(carried))).isEmpty();
        assertThat(store.checkInvariants().violations()).isEmpty();
    }

    // ---------------------------------------------------------------- stale embeddings

    @Test
    void aChangedFingerprintMakesEmbeddingsStaleUntilReembedded() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        WriteBatch.Builder b = WriteBatch.builder();
        List<ContentHash> hashes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ImageContent image = imageContent("stale-" + i);
            ContentHash h = b.addText("stale prompt " + i);
            hashes.add(h);
            b.image(image).embedding(PROMPT.name(), h, unitVector(i, PROMPT.dimension()))
                    .record(record("/stale/" + i + ".png", image, h, null));
        }
        store.write(b.build());
        store.close();

        SlotSpec upgraded = new SlotSpec(PROMPT.name(), PROMPT.modality(), PROMPT.dimension(), "test-text-encoder-v2",
                "fp-prompt-2", null);
        EmbeddingStore again = reopen(store, upgraded, IMAGE);
        assertThat(again.embeddedHashes(PROMPT.name(), hashes)).isEmpty();
        assertThat(again.stats().slot(PROMPT.name()).stale()).isEqualTo(20);
        float[] query = unitVector(3, PROMPT.dimension());
        assertThat(again.search(SearchRequest.of(SearchQuery.vector(PROMPT.name(), new Embedding(query))))).isEmpty();

        WriteBatch.Builder redo = WriteBatch.builder();
        for (int i = 0; i < 20; i++) {
            redo.embedding(PROMPT.name(), hashes.get(i), unitVector(i, PROMPT.dimension()));
        }
        assertThat(again.write(redo.build()).embeddingsWritten(PROMPT.name())).isEqualTo(20);
        assertThat(again.embeddedHashes(PROMPT.name(), hashes)).hasSize(20);
        assertThat(again.stats().slot(PROMPT.name()).stale()).isZero();
        List<SearchHit> hits = again.search(SearchRequest.of(SearchQuery.vector(PROMPT.name(), new Embedding(query))));
        assertThat(hits.get(0).path()).isEqualTo("/stale/3.png");
        assertThat(hits.get(0).score()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    }

    // ---------------------------------------------------------------- search

    /** Called before the recall test loads its 20,000 vectors, e.g. to drop an index that is faster built after. */
    protected void beforeBulkLoad(EmbeddingStore store, String slot) {
    }

    /** Called after the recall test loaded its vectors and before it searches. */
    protected void afterBulkLoad(EmbeddingStore store, String slot) {
    }

    @Test
    void hnswRecallOnClusteredVectorsAndFilteredSearchesReturnK() {
        int dimension = 1024;
        SlotSpec slot = imageSlot("image_recall", dimension);
        EmbeddingStore store = open(slot);
        int count = 20_000;
        float[][] data = TestVectors.clustered(count + 100, dimension, 400, 2.0, 42);
        float[][] vectors = java.util.Arrays.copyOf(data, count);
        String[] generator = new String[count];
        Map<String, Integer> indexOfPath = new HashMap<>();
        Random random = new Random(7);
        beforeBulkLoad(store, slot.name());
        for (int start = 0; start < count; start += 2500) {
            WriteBatch.Builder b = WriteBatch.builder();
            for (int i = start; i < Math.min(count, start + 2500); i++) {
                ImageContent image = imageContent("recall-" + i);
                generator[i] = random.nextInt(20) == 0 ? "comfyui" : "a1111";
                String path = (i % 3 == 0 ? "/lib/portraits/" : "/lib/other/") + i + ".png";
                indexOfPath.put(path, i);
                b.image(image).embedding(slot.name(), image.hash(), vectors[i])
                        .record(record(path, image, null, null).toBuilder().generator(generator[i]).build());
            }
            store.write(b.build());
        }
        afterBulkLoad(store, slot.name());
        int queries = 100;
        double found = 0;
        double foundFiltered = 0;
        for (int q = 0; q < queries; q++) {
            float[] query = data[count + q];
            int[] exact = TestVectors.exactTopK(vectors, query, 10);
            List<SearchHit> hits = store.search(SearchRequest.builder(SearchQuery.vector(slot.name(), new Embedding(query)))
                    .k(10).build());
            assertThat(hits).hasSize(10);
            assertThat(hits).extracting(SearchHit::score).isSortedAccordingTo(java.util.Comparator.reverseOrder());
            Set<Integer> got = hits.stream().map(h -> indexOfPath.get(h.path())).collect(Collectors.toSet());
            found += java.util.Arrays.stream(exact).filter(got::contains).count();

            // 5 % of the images match (1,000): a store returns the best 10 of them, not just 10 of them.
            SearchFilter comfy = SearchFilter.generator("comfyui");
            List<SearchHit> filtered = store.search(SearchRequest.builder(SearchQuery.vector(slot.name(),
                    new Embedding(query))).k(10).filter(comfy).build());
            assertThat(filtered).hasSize(10).allSatisfy(h -> assertThat(h.generator()).isEqualTo("comfyui"));
            int[] exactFiltered = TestVectors.exactTopK(vectors, query, 10, i -> generator[i].equals("comfyui"));
            Set<Integer> gotFiltered = filtered.stream().map(h -> indexOfPath.get(h.path())).collect(Collectors.toSet());
            foundFiltered += java.util.Arrays.stream(exactFiltered).filter(gotFiltered::contains).count();
        }
        double recall = found / (queries * 10.0);
        double filteredRecall = foundFiltered / (queries * 10.0);
        System.out.printf("recall@10 = %.4f, filtered recall@10 = %.4f over %d clustered %d-d vectors%n", recall,
                filteredRecall, count, dimension);
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
        assertThat(filteredRecall).isGreaterThanOrEqualTo(0.99);

        List<SearchHit> portraits = store.search(SearchRequest.builder(SearchQuery.vector(slot.name(),
                new Embedding(data[count]))).k(25).filter(SearchFilter.pathPrefix("/lib/portraits/")
                .withGenerator("a1111").withModelName("sd_xl_base_1.0")).build());
        assertThat(portraits).hasSize(25).allSatisfy(h -> {
            assertThat(h.path()).startsWith("/lib/portraits/");
            assertThat(h.generator()).isEqualTo("a1111");
            assertThat(h.modelName()).isEqualTo("sd_xl_base_1.0");
        });
        assertThat(store.search(SearchRequest.builder(SearchQuery.vector(slot.name(), new Embedding(data[count])))
                .filter(SearchFilter.modelName("no such model")).build())).isEmpty();
    }

    @Test
    void textQueriesAreEmbeddedAsQueriesWithTheSlotsEncoder() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        TestEncoders.Text encoder = TestEncoders.Text.forSlot(PROMPT);
        WriteBatch.Builder b = WriteBatch.builder();
        List<String> prompts = List.of("query: a red fox in snow", "a red fox in snow", "a blue whale", "a city at night");
        for (int i = 0; i < prompts.size(); i++) {
            ImageContent image = imageContent("fox-" + i);
            ContentHash h = b.addText(prompts.get(i));
            b.image(image).embedding(new ContentEmbedding(PROMPT.name(), h, encoder.document(prompts.get(i))))
                    .record(record("/fox/" + i + ".png", image, h, null));
        }
        store.write(b.build());
        List<SearchHit> hits = store.search(SearchRequest.builder(SearchQuery.text(PROMPT.name(), "a red fox in snow",
                encoder)).k(3).build());
        // The query vector is the encoder's query embedding ("query: " + text), which is exactly prompt 0's vector.
        assertThat(hits.get(0).path()).isEqualTo("/fox/0.png");
        assertThat(hits.get(0).score()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(hits.get(0).prompt()).isEqualTo("query: a red fox in snow");
        assertThat(hits).hasSize(3);
        assertThat(encoder.queryCalls.get()).isEqualTo(1);
        assertThat(encoder.documentCalls.get()).isZero();

        TestEncoders.Text other = new TestEncoders.Text("another-model", PROMPT.dimension(), "fp-other");
        assertThatThrownBy(() -> store.search(SearchRequest.of(SearchQuery.text(PROMPT.name(), "fox", other))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Encoder 'another-model' (text, 64 dimensions, fingerprint fp-other) is not the encoder "
                        + "of slot 'prompt_test' ('test-text-encoder', text, 64 dimensions, fingerprint fp-prompt_te); "
                        + "embed with the slot's encoder, or open the store with SlotSpec.of(\"prompt_test\", "
                        + "encoder.info()) to fill the slot with this model (the other model's embeddings then become "
                        + "stale)");
    }

    @Test
    void similarImagesByStoredImageOrNewFile() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        TestEncoders.Image encoder = TestEncoders.Image.forSlot(IMAGE);
        Random random = new Random(5);
        float[] base = unitVector(random, IMAGE.dimension());
        WriteBatch.Builder b = WriteBatch.builder();
        ImageContent original = imageContent("original");
        ImageContent edited = imageContent("edited");
        b.image(original).embedding(IMAGE.name(), original.hash(), base)
                .record(record("/sim/original.png", original, null, null))
                .record(record("/sim/copy-of-original.png", original, null, null))
                .image(edited).embedding(IMAGE.name(), edited.hash(), TestVectors.near(base, 0.02, random))
                .record(record("/sim/edited.png", edited, null, null));
        for (int i = 0; i < 30; i++) {
            ImageContent other = imageContent("other-" + i);
            b.image(other).embedding(IMAGE.name(), other.hash(), unitVector(random, IMAGE.dimension()))
                    .record(record("/sim/other-" + i + ".png", other, null, null));
        }
        Path newFile = Path.of("/incoming/new-upload.png");
        ImageContent uploadTwin = imageContent("twin");
        b.image(uploadTwin).embedding(new ContentEmbedding(IMAGE.name(), uploadTwin.hash(), encoder.of(newFile)))
                .record(record("/sim/twin.png", uploadTwin, null, null));
        store.write(b.build());

        List<SearchHit> byPath = store.search(SearchRequest.builder(SearchQuery.storedImage(IMAGE.name(),
                "/sim/original.png")).k(2).build());
        assertThat(byPath).extracting(SearchHit::path).containsExactly("/sim/copy-of-original.png", "/sim/edited.png");
        assertThat(byPath.get(0).score()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        long editedId = store.findImages(List.of("/sim/edited.png")).get("/sim/edited.png").id();
        assertThat(store.search(SearchRequest.builder(SearchQuery.storedImage(IMAGE.name(), editedId)).k(2).build()))
                .extracting(SearchHit::path).containsExactly("/sim/copy-of-original.png", "/sim/original.png");
        assertThat(store.search(SearchRequest.builder(SearchQuery.imageFile(IMAGE.name(), newFile, encoder)).k(1).build()))
                .extracting(SearchHit::path).containsExactly("/sim/twin.png");

        assertThatThrownBy(() -> store.search(SearchRequest.of(SearchQuery.storedImage(IMAGE.name(), "/sim/nope.png"))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Stored image '/sim/nope.png' has no embedding in slot 'image_test' to search with: "
                        + "no image with that path is stored");
        assertThatThrownBy(() -> store.search(SearchRequest.of(SearchQuery.storedImage(PROMPT.name(), "/sim/edited.png"))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageEndingWith("the image has no prompt");
    }

    @Test
    void textToImageSearchWorksOnlyWithinOneEmbeddingSpace() {
        SlotSpec clipText = new SlotSpec("prompt_clip_h", Modality.TEXT, 48, "clip-vit-h-14-text", "fp-clip", "clip-vit-h-14");
        SlotSpec clipImage = new SlotSpec("image_clip_h", Modality.IMAGE, 48, "clip-vit-h-14-vision", "fp-clipv",
                "clip-vit-h-14");
        SlotSpec bge = textSlot("prompt_bge", 48);
        EmbeddingStore store = open(clipText, clipImage, bge);
        Random random = new Random(9);
        float[] cat = unitVector(random, 48);
        WriteBatch.Builder b = WriteBatch.builder();
        for (int i = 0; i < 10; i++) {
            ImageContent image = imageContent("space-" + i);
            b.image(image).embedding(clipImage.name(), image.hash(), i == 0 ? cat : unitVector(random, 48))
                    .record(record("/space/" + i + ".png", image, null, null));
        }
        store.write(b.build());
        List<SearchHit> hits = store.search(SearchRequest.builder(SearchQuery.vector(clipText.name(),
                new Embedding(TestVectors.near(cat, 0.01, random)))).target(clipImage.name()).k(1).build());
        assertThat(hits).extracting(SearchHit::path).containsExactly("/space/0.png");

        assertThatThrownBy(() -> store.search(SearchRequest.builder(SearchQuery.vector(bge.name(), new Embedding(cat)))
                .target(clipImage.name()).build()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Cannot search slot 'image_clip_h' with a query in slot 'prompt_bge': their embedding "
                        + "spaces differ ('prompt_bge' only vs 'clip-vit-h-14'). Cross-slot search needs two slots "
                        + "declared in one embedding space, e.g. prompt_clip_h and image_clip_h");
    }

    @Test
    void nearDuplicateGroupsAreTransitiveAndIncludeIdenticalFiles() {
        EmbeddingStore store = open(IMAGE);
        Random random = new Random(11);
        WriteBatch.Builder b = WriteBatch.builder();
        // Group 1: a chain a ~ b ~ c in one plane, 14 degrees apart: a-b and b-c link at 0.95, a-c (0.88) does not.
        float[] e1 = unitVector(random, IMAGE.dimension());
        float[] e2 = orthogonalTo(e1, unitVector(random, IMAGE.dimension()));
        double theta = Math.acos(0.97);
        float[] a = inPlane(e1, e2, 0);
        float[] bv = inPlane(e1, e2, theta);
        float[] c = inPlane(e1, e2, 2 * theta);
        assertThat(TestVectors.dot(a, c)).isLessThan(0.9);
        addImage(b, "chain-a", a, "/dup/chain-a.png");
        addImage(b, "chain-b", bv, "/dup/chain-b.png");
        addImage(b, "chain-c", c, "/dup/chain-c.png");
        // Group 2: one file stored at two paths.
        float[] same = unitVector(random, IMAGE.dimension());
        addImage(b, "same", same, "/dup/same-1.png");
        b.record(record("/dup/same-2.png", imageContent("same"), null, null));
        for (int i = 0; i < 60; i++) {
            addImage(b, "single-" + i, unitVector(random, IMAGE.dimension()), "/dup/single-" + i + ".png");
        }
        store.write(b.build());

        List<DuplicateGroup> groups = store.nearDuplicates(NearDuplicateRequest.of(IMAGE.name()).withThreshold(0.95));
        assertThat(groups).hasSize(2);
        assertThat(groups.get(0).members()).extracting(DuplicateGroup.Member::path)
                .containsExactly("/dup/chain-a.png", "/dup/chain-b.png", "/dup/chain-c.png");
        assertThat(groups.get(0).lowestLink()).isGreaterThanOrEqualTo(0.95).isLessThan(1.0);
        assertThat(groups.get(1).members()).extracting(DuplicateGroup.Member::path)
                .containsExactly("/dup/same-1.png", "/dup/same-2.png");
        assertThat(groups.get(1).lowestLink()).isEqualTo(1.0);

        List<DuplicateGroup> inFolder = store.nearDuplicates(NearDuplicateRequest.of(IMAGE.name()).withThreshold(0.95)
                .withFilter(SearchFilter.pathPrefix("/dup/same")));
        assertThat(inFolder).hasSize(1);
        assertThat(inFolder.get(0).members()).hasSize(2);
    }

    /** {@code v} minus its component along the unit vector {@code u}, normalised. */
    private static float[] orthogonalTo(float[] u, float[] v) {
        double d = TestVectors.dot(u, v);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] - d * u[i]);
        }
        return TestVectors.normalise(out);
    }

    private static float[] inPlane(float[] e1, float[] e2, double angle) {
        float[] out = new float[e1.length];
        for (int i = 0; i < e1.length; i++) {
            out[i] = (float) (Math.cos(angle) * e1[i] + Math.sin(angle) * e2[i]);
        }
        return TestVectors.normalise(out);
    }

    private static void addImage(WriteBatch.Builder b, String key, float[] vector, String path) {
        ImageContent image = imageContent(key);
        b.image(image).embedding(IMAGE.name(), image.hash(), vector).record(record(path, image, null, null));
    }

    // ---------------------------------------------------------------- filters

    /**
     * Each filter alone and in combination, through every kind of search (an image slot, prompts, negative prompts,
     * a stored image), at a small k and at a k past the number of matches: the store's hits are the brute-force
     * answer over the records with {@link SearchFilter#matches}, scored exactly, collapsed by distinct and cut at
     * the minimum score.
     */
    @Test
    void everyFilterGivesExactlyTheBruteForceAnswer() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        FilterLibrary lib = FilterLibrary.write(store, PROMPT, IMAGE);
        assertFiltersGiveTheBruteForceAnswer(store, lib);
    }

    /** The brute-force comparison of {@link #everyFilterGivesExactlyTheBruteForceAnswer}, for other store setups. */
    public static void assertFiltersGiveTheBruteForceAnswer(EmbeddingStore store, FilterLibrary lib) {
        Embedding imageQuery = FilterLibrary.query(IMAGE, 101);
        Embedding textQuery = FilterLibrary.query(PROMPT, 102);
        ImageRecord stored = lib.records.values().stream().filter(r -> r.path().startsWith("/lib/b/")
                && r.generator() != null && r.negativeHash() != null).findFirst().orElseThrow();
        float[] storedVector = lib.imageVectors.get(stored.imageHash());
        int searches = 0;
        for (SearchFilter f : lib.filters()) {
            int found = 0;
            for (int k : new int[] {7, 1000}) {
                SearchRequest byImage = SearchRequest.builder(SearchQuery.vector(IMAGE.name(), imageQuery)).k(k)
                        .filter(f).build();
                List<FilterLibrary.Expected> expected = lib.bruteForce(IMAGE, TextRole.PROMPT, imageQuery.vector(), f,
                        k, null);
                lib.assertSame(store.search(byImage), expected, TextRole.PROMPT, "image slot, k " + k + ", " + f);
                found += expected.size();
                for (TextRole role : TextRole.values()) {
                    SearchRequest byText = SearchRequest.builder(SearchQuery.vector(PROMPT.name(), textQuery)).k(k)
                            .role(role).filter(f).build();
                    lib.assertSame(store.search(byText), lib.bruteForce(PROMPT, role, textQuery.vector(), f, k, null),
                            role, role + " texts, k " + k + ", " + f);
                }
                SearchRequest byStored = SearchRequest.builder(SearchQuery.storedImage(IMAGE.name(), stored.path()))
                        .k(k).filter(f).build();
                lib.assertSame(store.search(byStored), lib.bruteForce(IMAGE, TextRole.PROMPT, storedVector, f, k,
                        stored.path()), TextRole.PROMPT, "stored image, k " + k + ", " + f);
                searches += 4;
            }
            assertThat(found).as("images the library has for " + f).isPositive();
        }
        assertThat(searches).isEqualTo(lib.filters().size() * 8);
        assertThat(lib.nearTies).as("searches compared with a tolerance for near ties").isLessThan(searches / 10);
    }

    @Test
    void aFilterMatchingNothingFindsNothingAndDistinctCollapsesCopies() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        FilterLibrary lib = FilterLibrary.write(store, PROMPT, IMAGE);
        Embedding query = FilterLibrary.query(IMAGE, 7);
        assertThat(store.search(SearchRequest.builder(SearchQuery.vector(IMAGE.name(), query)).k(50)
                .filter(SearchFilter.builder().seed(42L).steps(51, null).build()).build())).isEmpty();
        assertThat(store.search(SearchRequest.builder(SearchQuery.vector(IMAGE.name(), query)).k(50)
                .filter(SearchFilter.builder().generator(SearchFilter.NO_GENERATOR).steps(0, null).build()).build()))
                .as("files without metadata have no steps").isEmpty();
        assertThat(store.search(SearchRequest.builder(SearchQuery.vector(IMAGE.name(), query)).k(50)
                .filter(SearchFilter.builder().minScore(1.0).build()).build())).isEmpty();
        List<SearchHit> all = store.search(SearchRequest.builder(SearchQuery.vector(IMAGE.name(), query)).k(1000)
                .build());
        List<SearchHit> files = store.search(SearchRequest.builder(SearchQuery.vector(IMAGE.name(), query)).k(1000)
                .filter(SearchFilter.builder().distinct(SearchFilter.Distinct.FILE).build()).build());
        assertThat(all).hasSize(240);
        assertThat(files).hasSize(200).extracting(SearchHit::content).doesNotHaveDuplicates();
        List<SearchHit> prompts = store.search(SearchRequest.builder(SearchQuery.vector(PROMPT.name(),
                FilterLibrary.query(PROMPT, 8))).k(1000).filter(SearchFilter.builder()
                .distinct(SearchFilter.Distinct.PROMPT).build()).build());
        assertThat(prompts).extracting(SearchHit::prompt).doesNotHaveDuplicates()
                .hasSize((int) lib.records.values().stream().filter(r -> r.promptHash() != null)
                        .map(ImageRecord::promptHash).distinct().count());
    }

    @Test
    void statsBreakIndexedImagesDownByGeneratorAndModel() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        FilterLibrary lib = FilterLibrary.write(store, PROMPT, IMAGE);
        List<ImageRecord> ok = lib.records.values().stream().filter(r -> r.status() == ImageStatus.OK).toList();
        Map<String, Long> generators = new HashMap<>();
        Map<String, Long> models = new HashMap<>();
        for (ImageRecord r : ok) {
            generators.merge(SearchFilter.generatorOf(r), 1L, Long::sum);
            models.merge(r.modelName(), 1L, Long::sum);
        }
        StoreStats stats = store.stats();
        assertThat(stats.images()).isEqualTo(lib.records.size());
        assertThat(stats.failedImages()).isEqualTo(3);
        assertThat(stats.okImages()).isEqualTo(ok.size());
        assertThat(stats.generators()).containsExactlyElementsOf(generators.entrySet().stream()
                .map(e -> new StoreStats.Count(e.getKey(), e.getValue())).sorted(StoreStats.ORDER).toList());
        assertThat(stats.models()).containsExactlyElementsOf(models.entrySet().stream()
                .map(e -> new StoreStats.Count(e.getKey(), e.getValue())).sorted(StoreStats.ORDER).toList());
        assertThat(stats.imagesWithoutMetadata()).isEqualTo(ok.stream().filter(r -> r.generator() == null).count())
                .isPositive();
        assertThat(stats.models()).anySatisfy(c -> assertThat(c.value()).isNull());
        assertThat(stats.slot(IMAGE.name()).embeddings()).isEqualTo(200);
        assertThat(stats.slot(IMAGE.name()).references()).isEqualTo(240);

        StoreStats empty = open(PROMPT, IMAGE).stats();
        assertThat(empty.generators()).isEmpty();
        assertThat(empty.models()).isEmpty();
        assertThat(empty.imagesWithoutMetadata()).isZero();
    }

    /** Groups are formed among the images that pass the filter; distinct and a minimum score apply to them too. */
    @Test
    void nearDuplicatesKeepToTheFilter() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        FilterLibrary lib = FilterLibrary.write(store, PROMPT, IMAGE);
        List<SearchFilter> filters = List.of(SearchFilter.NONE, SearchFilter.generator("comfyui"),
                SearchFilter.builder().folder("/lib/a").build(), SearchFilter.builder().steps(10, 30).build(),
                SearchFilter.builder().distinct(SearchFilter.Distinct.FILE).build(),
                SearchFilter.builder().distinct(SearchFilter.Distinct.PROMPT).build(),
                SearchFilter.builder().minScore(0.99999).build(),
                SearchFilter.builder().generator(SearchFilter.NO_GENERATOR).build());
        for (SearchFilter f : filters) {
            List<DuplicateGroup> groups = store.nearDuplicates(NearDuplicateRequest.of(IMAGE.name()).withThreshold(0.95)
                    .withNeighbours(100).withFilter(f));
            List<List<String>> expected = expectedGroups(lib, f, 0.95);
            assertThat(groups).extracting(g -> g.members().stream().map(DuplicateGroup.Member::path).toList())
                    .as(f.toString()).containsExactlyElementsOf(expected);
        }
        assertThat(expectedGroups(lib, SearchFilter.NONE, 0.95)).anySatisfy(g -> assertThat(g).hasSizeGreaterThan(2));
        assertThat(expectedGroups(lib, SearchFilter.builder().distinct(SearchFilter.Distinct.FILE).build(), 0.95))
                .isNotEmpty();
    }

    /** The groups by definition: members linked through any content at least {@code threshold} similar. */
    private static List<List<String>> expectedGroups(FilterLibrary lib, SearchFilter f, double threshold) {
        double link = f.minScore() == null ? threshold : Math.max(threshold, f.minScore());
        List<ImageRecord> members = lib.records.values().stream()
                .filter(r -> r.status() == ImageStatus.OK && f.matches(r)).toList();
        Map<ContentHash, ContentHash> parent = new HashMap<>();
        java.util.function.UnaryOperator<ContentHash> find = new java.util.function.UnaryOperator<>() {
            @Override
            public ContentHash apply(ContentHash h) {
                ContentHash p = parent.getOrDefault(h, h);
                return p.equals(h) ? h : apply(p);
            }
        };
        for (ContentHash a : members.stream().map(ImageRecord::imageHash).distinct().toList()) {
            for (Map.Entry<ContentHash, float[]> b : lib.imageVectors.entrySet()) {
                if (!b.getKey().equals(a) && TestVectors.dot(lib.imageVectors.get(a), b.getValue()) >= link) {
                    ContentHash ra = find.apply(a);
                    ContentHash rb = find.apply(b.getKey());
                    if (!ra.equals(rb)) {
                        parent.put(ra, rb);
                    }
                }
            }
        }
        Map<ContentHash, List<ImageRecord>> byRoot = new HashMap<>();
        for (ImageRecord r : members) {
            byRoot.computeIfAbsent(find.apply(r.imageHash()), x -> new ArrayList<>()).add(r);
        }
        List<List<String>> groups = new ArrayList<>();
        for (List<ImageRecord> g : byRoot.values()) {
            g.sort(java.util.Comparator.comparing(ImageRecord::path));
            Set<Object> keys = new HashSet<>();
            List<String> paths = new ArrayList<>();
            for (ImageRecord r : g) {
                if (f.distinct() == null || keys.add(FilterLibrary.distinctKey(f.distinct(), r, r.path()))) {
                    paths.add(r.path());
                }
            }
            if (paths.size() >= 2) {
                groups.add(paths);
            }
        }
        groups.sort(java.util.Comparator.comparingInt((List<String> g) -> -g.size()).thenComparing(g -> g.get(0)));
        return groups;
    }

    // ---------------------------------------------------------------- moves and removal in a batch

    @Test
    void aMoveRepointsTheRecordKeepingItsIdAndReplacesWhatWasAtTheNewPath() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        ImageContent cat = imageContent("moved-cat");
        ImageContent dog = imageContent("replaced-dog");
        WriteBatch.Builder b = WriteBatch.builder().image(cat).image(dog);
        ContentHash prompt = b.addText("a cat on a sofa");
        ContentHash other = b.addText("a dog in a field");
        store.write(b.record(record("/lib/old/cat.png", cat, prompt, null))
                .record(record("/lib/new/cat.png", dog, other, null))
                .embedding(PROMPT.name(), prompt, unitVector(1, PROMPT.dimension())).build());
        long id = store.findImages(List.of("/lib/old/cat.png")).get("/lib/old/cat.png").id();

        ImageRecord moved = record("/lib/new/cat.png", cat, prompt, null).toBuilder().fileSize(4321)
                .parameters(Map.of("seed", "1234", "steps", "30")).build();
        WriteResult result = store.write(WriteBatch.builder().move("/lib/old/cat.png", moved).build());

        assertThat(result.imagesMoved()).isEqualTo(1);
        assertThat(result.imagesInserted() + result.imagesUpdated() + result.imagesDeleted()).isZero();
        Map<String, StoredImage> found = store.findImages(List.of("/lib/old/cat.png", "/lib/new/cat.png"));
        assertThat(found).containsOnlyKeys("/lib/new/cat.png");
        assertThat(found.get("/lib/new/cat.png").id()).as("the record keeps its id").isEqualTo(id);
        assertThat(found.get("/lib/new/cat.png").record()).isEqualTo(moved);
        assertThat(store.referenceCounts(Modality.TEXT, List.of(prompt, other)))
                .containsEntry(prompt, 1L).containsEntry(other, 0L);
        assertThat(store.referenceCounts(Modality.IMAGE, List.of(cat.hash(), dog.hash())))
                .containsEntry(cat.hash(), 1L).containsEntry(dog.hash(), 0L);
        assertThat(store.checkInvariants().isConsistent()).isTrue();
        // The settings filters compare move with the record.
        assertThat(store.search(SearchRequest.builder(SearchQuery.vector(PROMPT.name(), new Embedding(unitVector(1,
                PROMPT.dimension())))).filter(SearchFilter.builder().seed(1234L).steps(30, 30).build()).build()))
                .extracting(SearchHit::path).containsExactly("/lib/new/cat.png");

        WriteResult nothingThere = store.write(WriteBatch.builder().move("/lib/gone.png",
                record("/lib/found.png", cat, prompt, null)).build());
        assertThat(nothingThere.imagesMoved()).isZero();
        assertThat(nothingThere.imagesInserted()).as("a move from nowhere writes the record").isEqualTo(1);
        assertStoreMatchesItsRecordsAndNothingElse(store);
    }

    @Test
    void aBatchRemovingUnreferencedContentsRemovesExactlyThoseItReleased() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        ImageContent kept = imageContent("kept");
        ImageContent dropped = imageContent("dropped");
        ImageContent leftover = imageContent("left over earlier");
        WriteBatch.Builder b = WriteBatch.builder().image(kept).image(dropped).image(leftover);
        ContentHash shared = b.addText("shared prompt");
        ContentHash only = b.addText("prompt only the dropped image uses");
        ContentHash old = b.addText("prompt of a record deleted earlier");
        b.embedding(PROMPT.name(), shared, unitVector(1, PROMPT.dimension()))
                .embedding(PROMPT.name(), only, unitVector(2, PROMPT.dimension()))
                .embedding(PROMPT.name(), old, unitVector(3, PROMPT.dimension()));
        for (ImageContent i : List.of(kept, dropped, leftover)) {
            b.embedding(IMAGE.name(), i.hash(), unitVector(i.hash().hashCode(), IMAGE.dimension()));
        }
        store.write(b.record(record("/lib/kept.png", kept, shared, null))
                .record(record("/lib/dropped.png", dropped, shared, only))
                .record(record("/lib/earlier.png", leftover, old, null)).build());
        store.write(WriteBatch.builder().delete("/lib/earlier.png").build());

        WriteResult result = store.write(WriteBatch.builder().delete("/lib/dropped.png").removeUnreferenced().build());

        assertThat(result.imagesDeleted()).isEqualTo(1);
        assertThat(result.textsRemoved()).as("only the prompt no record uses any more").isEqualTo(1);
        assertThat(result.imageContentsRemoved()).isEqualTo(1);
        assertThat(store.texts(List.of(shared, only, old))).containsOnlyKeys(shared, old);
        assertThat(store.imageContents(List.of(kept.hash(), dropped.hash(), leftover.hash())))
                .containsOnlyKeys(kept.hash(), leftover.hash());
        assertThat(store.embeddedHashes(PROMPT.name(), List.of(shared, only, old))).containsOnly(shared, old);
        assertThat(store.embeddedHashes(IMAGE.name(), List.of(kept.hash(), dropped.hash())))
                .containsOnly(kept.hash());
        assertThat(store.checkInvariants().isConsistent()).isTrue();
        assertThat(store.removeUnreferenced().textContents()).as("what was unreferenced before stays for maintenance")
                .isEqualTo(1);
    }

    /** As {@link #assertStoreMatchesItsRecords}, for stores whose slots may hold no embedding of some content. */
    private static void assertStoreMatchesItsRecordsAndNothingElse(EmbeddingStore store) {
        InvariantReport report = store.checkInvariants();
        assertThat(report.isConsistent()).as(report.toString()).isTrue();
    }

    // ---------------------------------------------------------------- pixel hashes, identical files

    @Test
    void pixelHashesAreStoredAndGivenToContentsStoredWithout() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        ImageContent without = imageContent("indexed before pixel hashes");
        ImageContent with = imageContent("hashed").withPixelHash(new PixelHash(0x8000_0000_0000_0001L));
        store.write(WriteBatch.builder().image(without).image(with)
                .record(record("/lib/a.png", without, null, null)).record(record("/lib/b.png", with, null, null))
                .build());
        assertThat(store.imageContents(List.of(without.hash(), with.hash())))
                .containsEntry(without.hash(), without).containsEntry(with.hash(), with);

        PixelHash computed = new PixelHash(-42);
        WriteResult result = store.write(WriteBatch.builder().image(without.withPixelHash(computed))
                .image(with.withPixelHash(new PixelHash(7))).build());
        assertThat(result.pixelHashesAdded()).isEqualTo(1);
        assertThat(result.imageContentsAdded()).isZero();
        assertThat(store.imageContents(List.of(without.hash(), with.hash())))
                .containsEntry(without.hash(), without.withPixelHash(computed))
                .as("the first hash a content got is kept").containsEntry(with.hash(), with);
    }

    @Test
    void identicalFilesGroupTheImagesSharingOneContent() {
        EmbeddingStore store = open(PROMPT);
        ImageContent copy = imageContent("copied");
        ImageContent single = imageContent("single");
        store.write(WriteBatch.builder().image(copy).image(single)
                .record(record("/lib/b/copy.png", copy, null, null))
                .record(record("/lib/a/copy.png", copy, null, null))
                .record(record("/other/copy.png", copy, null, null))
                .record(record("/lib/single.png", single, null, null))
                .record(ImageRecord.failed("/lib/broken.png", 10, StoreTestData.MODIFIED, "truncated")).build());

        List<DuplicateGroup> groups = store.identicalFiles(SearchFilter.NONE);
        assertThat(groups).hasSize(1);
        assertThat(groups.get(0).members()).extracting(DuplicateGroup.Member::path)
                .containsExactly("/lib/a/copy.png", "/lib/b/copy.png", "/other/copy.png");
        assertThat(groups.get(0).lowestLink()).isEqualTo(1.0);
        assertThat(store.identicalFiles(SearchFilter.pathPrefix("/lib/")).get(0).members()).hasSize(2);
        assertThat(store.identicalFiles(SearchFilter.pathPrefix("/other/"))).as("one image alone is no group")
                .isEmpty();
    }

    /**
     * Pairs of hashes at every distance from 0 to 9, the differing bits dealt to the bands in turn (a pair 7 bits apart
     * differs in every band, 2 + 2 + 2 + 1: only the one-bit band probes find it), among 200 random hashes: the
     * groups match what comparing every pair finds, at each distance a request can ask for.
     */
    @Test
    void pixelDuplicatesFindEveryPairWithinTheDistanceThroughTheBands() {
        EmbeddingStore store = open(PROMPT);
        Random random = new Random(5);
        WriteBatch.Builder b = WriteBatch.builder();
        Map<String, PixelHash> hashes = new java.util.LinkedHashMap<>();
        for (int d = 0; d <= 9; d++) {
            long base = random.nextLong();
            hashes.put("/px/d" + d + "/a.png", new PixelHash(base));
            hashes.put("/px/d" + d + "/b.png", new PixelHash(base ^ spreadBits(d, random)));
        }
        for (int i = 0; i < 200; i++) {
            hashes.put("/px/other/" + i + ".png", new PixelHash(random.nextLong()));
        }
        hashes.forEach((path, hash) -> {
            ImageContent c = imageContent(path).withPixelHash(hash);
            b.image(c).record(record(path, c, null, null));
        });
        ImageContent unhashed = imageContent("no pixel hash");
        b.image(unhashed).record(record("/px/unhashed.png", unhashed, null, null));
        store.write(b.build());

        for (int max = 0; max <= PixelDuplicateRequest.MAX_DISTANCE; max++) {
            PixelDuplicates found = store.pixelDuplicates(PixelDuplicateRequest.defaults().withMaxDistance(max));
            assertThat(found.imagesWithoutPixelHash()).isEqualTo(1);
            assertThat(groupsOf(found.groups())).as("max distance " + max).isEqualTo(bruteForceGroups(hashes, max))
                    .hasSize(max + 1);
        }
        List<DuplicateGroup> six = store.pixelDuplicates(PixelDuplicateRequest.defaults()).groups();
        assertThat(six).extracting(g -> g.members().get(0).path()).containsExactly("/px/d0/a.png", "/px/d1/a.png",
                "/px/d2/a.png", "/px/d3/a.png", "/px/d4/a.png", "/px/d5/a.png", "/px/d6/a.png");
        assertThat(six).extracting(DuplicateGroup::lowestLink).as("each pair's distance, as a similarity")
                .containsExactly(1.0, PixelHash.similarity(1), PixelHash.similarity(2), PixelHash.similarity(3),
                        PixelHash.similarity(4), PixelHash.similarity(5), PixelHash.similarity(6));
        assertThat(store.pixelDuplicates(PixelDuplicateRequest.defaults()
                .withFilter(SearchFilter.pathPrefix("/px/d5/"))).groups()).hasSize(1);
        assertThat(store.pixelDuplicates(PixelDuplicateRequest.defaults()
                .withFilter(SearchFilter.pathPrefix("/px/other/"))).groups()).isEmpty();
    }

    /** {@code d} distinct random bits, dealt to the four bands in turn. */
    private static long spreadBits(int d, Random random) {
        long bits = 0;
        int[] used = new int[PixelHash.BANDS];
        for (int i = 0; i < d; i++) {
            int band = i % PixelHash.BANDS;
            int bit;
            do {
                bit = random.nextInt(PixelHash.BAND_BITS);
            } while ((used[band] & 1 << bit) != 0);
            used[band] |= 1 << bit;
            bits |= 1L << (Long.SIZE - PixelHash.BAND_BITS * (band + 1) + bit);
        }
        return bits;
    }

    private static Set<Set<String>> groupsOf(List<DuplicateGroup> groups) {
        return groups.stream().map(g -> g.members().stream().map(DuplicateGroup.Member::path)
                .collect(Collectors.toSet())).collect(Collectors.toSet());
    }

    /** Transitive groups of every pair at most {@code max} bits apart, computed pair by pair. */
    private static Set<Set<String>> bruteForceGroups(Map<String, PixelHash> hashes, int max) {
        List<String> paths = new ArrayList<>(hashes.keySet());
        Map<String, Set<String>> groupOf = new HashMap<>();
        for (String p : paths) {
            groupOf.put(p, new HashSet<>(Set.of(p)));
        }
        for (int i = 0; i < paths.size(); i++) {
            for (int j = i + 1; j < paths.size(); j++) {
                if (hashes.get(paths.get(i)).distance(hashes.get(paths.get(j))) <= max) {
                    Set<String> a = groupOf.get(paths.get(i));
                    Set<String> c = groupOf.get(paths.get(j));
                    if (a != c) {
                        a.addAll(c);
                        c.forEach(p -> groupOf.put(p, a));
                    }
                }
            }
        }
        return groupOf.values().stream().filter(g -> g.size() > 1).collect(Collectors.toSet());
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void badInputIsRejectedWithItsReasonAndNothingIsWritten() {
        EmbeddingStore store = open(PROMPT, IMAGE);
        ImageContent image = imageContent("bad");
        ContentHash prompt = ContentHash.ofText("a prompt");
        String short12 = prompt.hex().substring(0, 12);
        float[] good = unitVector(1, PROMPT.dimension());

        // A good record rides along with each bad part: the whole batch must be refused.
        java.util.function.Function<ContentEmbedding, WriteBatch> withGoodRecord = e -> WriteBatch.builder()
                .text(TextContent.of("a prompt")).image(image).record(record("/bad/1.png", image, prompt, null)).embedding(e).build();

        assertThatThrownBy(() -> store.write(withGoodRecord.apply(ContentEmbedding.of(PROMPT.name(), prompt,
                unitVector(1, 63)))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedding of content " + short12 + " has 63 dimensions but slot 'prompt_test' "
                        + "(test-text-encoder) holds 64; embed it with the slot's encoder or configure a slot of that "
                        + "dimension");
        float[] nan = good.clone();
        nan[3] = Float.NaN;
        assertThatThrownBy(() -> ContentEmbedding.of(PROMPT.name(), prompt, nan))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedding of content " + short12 + " for slot 'prompt_test': Embedding component 3 of 64 "
                        + "is NaN; expected a finite number");
        float[] infinite = good.clone();
        infinite[0] = Float.NEGATIVE_INFINITY;
        assertThatThrownBy(() -> ContentEmbedding.of(PROMPT.name(), prompt, infinite))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageEndingWith("Embedding component 0 of 64 is -Infinity; expected a finite number");
        float[] doubled = good.clone();
        for (int i = 0; i < doubled.length; i++) {
            doubled[i] *= 2;
        }
        assertThatThrownBy(() -> store.write(withGoodRecord.apply(ContentEmbedding.of(PROMPT.name(), prompt, doubled))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedding of content " + short12 + " for slot 'prompt_test' has L2 norm 2.0; expected an "
                        + "L2-normalised vector (norm 1 ± 0.01)");
        assertThatThrownBy(() -> store.write(withGoodRecord.apply(ContentEmbedding.of("nope", prompt, good))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Unknown slot 'nope'; this store has slots [prompt_test, image_test]");
        assertThatThrownBy(() -> ContentEmbedding.of(PROMPT.name(), null, good))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedding of content null for slot 'prompt_test': Embedding for slot 'prompt_test' has a "
                        + "null content hash");
        assertThatThrownBy(() -> new TextContent(null, "a prompt"))
                .isInstanceOf(InvalidInputException.class).hasMessage("Text content hash is null");
        assertThatThrownBy(() -> new TextContent(ContentHash.ofText("another"), "a prompt"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is not the SHA-256 of its text's UTF-8 bytes");
        assertThatThrownBy(() -> new ImageContent(null, 1, 1, "png", 1))
                .isInstanceOf(InvalidInputException.class).hasMessage("Image content hash is null");
        assertThatThrownBy(() -> ImageRecord.builder("/bad/2.png").modifiedAt(StoreTestData.MODIFIED).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Image '/bad/2.png' has status OK but a null image content hash");
        assertThatThrownBy(() -> TextContent.of("nul\0inside"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageEndingWith("contains a NUL character (U+0000) at index 3; stores cannot hold it");
        assertThatThrownBy(() -> store.embeddedHashes(PROMPT.name(), java.util.Arrays.asList(prompt, null)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Hash collection contains null at position 1");
        assertThatThrownBy(() -> store.referenceCounts(Modality.TEXT, java.util.Arrays.asList((ContentHash) null)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Hash collection contains null at position 0");
        assertThatThrownBy(() -> WriteBatch.builder().record(record("/bad/1.png", image, prompt, null))
                .record(record("/bad/1.png", image, prompt, null)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Image '/bad/1.png' is written twice in one batch");
        assertThatThrownBy(() -> SearchRequest.builder(SearchQuery.vector(PROMPT.name(), new Embedding(good))).k(0).build())
                .isInstanceOf(InvalidInputException.class).hasMessage("Search k is 0; expected 1 to 1000");
        assertThatThrownBy(() -> store.search(SearchRequest.of(SearchQuery.vector(PROMPT.name(),
                new Embedding(unitVector(2, 10))))))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("Query vector has 10 dimensions but slot 'prompt_test'");
        // A reference to a content that is neither stored nor in the batch is refused by the store itself.
        assertThatThrownBy(() -> store.write(WriteBatch.builder().image(image)
                .record(record("/bad/3.png", image, ContentHash.ofText("never stored"), null)).build()))
                .isInstanceOf(InvalidInputException.class);

        StoreStats stats = store.stats();
        assertThat(stats.images()).isZero();
        assertThat(stats.textContents()).isZero();
        assertThat(stats.imageContents()).isZero();
        assertThat(stats.slots()).allSatisfy(s -> assertThat(s.embeddings()).isZero());
    }
}
