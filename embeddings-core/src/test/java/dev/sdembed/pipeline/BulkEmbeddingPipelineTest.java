package dev.sdembed.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.TestEncoders;
import dev.sdembed.testing.SdTestImages;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline's accounting, with deterministic encoders over a {@link MemoryStore}: what it computes once, serves
 * from the cache, skips on a rerun, and where a stopped run resumes. What a real store keeps of a run (statistics,
 * reference counts, stale embeddings, modification times read back for the skip) is {@code BulkPipelineTest}'s, on
 * PostgreSQL, in {@code sdembed-cli}.
 */
class BulkEmbeddingPipelineTest {
    private static final String PROMPT = "prompt";
    private static final String IMAGE = "image";

    @TempDir
    Path library;

    private final TestEncoders.Text text = new TestEncoders.Text("test-text", 64, "fp-text-1");

    @Test
    void fiveHundredImagesSharingTwentyPromptsComputeEachPromptOnce() {
        for (int i = 0; i < 500; i++) {
            SdTestImages.a1111(library.resolve("d" + (i % 10)).resolve("img-" + i + ".png"), 8, i,
                    "shared prompt number " + (i % 20) + ", best quality", null);
        }
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text)
                .batchSize(16).batchesInFlight(4).build()) {
            PipelineSummary summary = pipeline.run(library);

            assertThat(summary.indexed()).isEqualTo(500);
            PipelineSummary.SlotSummary slot = summary.slot(PROMPT);
            assertThat(slot.computed()).as("one computation per distinct prompt, batches in flight included")
                    .isEqualTo(20);
            assertThat(slot.cacheHits()).isEqualTo(480);
            assertThat(slot.encoderCalls()).as("the calls the encoder saw, at most one per batch")
                    .isEqualTo(text.documentCalls.get()).isBetween(1L, 32L);
            assertThat(summary.uniqueTexts()).isEqualTo(20);
            assertThat(summary.storageSavedPercent()).isEqualTo(96.0);
            assertThat(store.fingerprints(PROMPT)).hasSize(20);
            assertThat(store.records()).hasSize(500);
            assertThat(store.incompleteRecords()).isEmpty();
        }
    }

    /**
     * An image encoder that decodes a file anyway gives its pixel hash with the embedding: the pipeline stores that one
     * rather than decoding the file a second time. One that gives none leaves the pipeline to decode. Here the first
     * encoder's hash is a marker no decode could give.
     */
    @Test
    void theImageEncodersPixelHashIsStoredInsteadOfASecondDecode() {
        Path file = SdTestImages.a1111(library.resolve("img.png"), 32, 1, "a prompt", null);
        dev.sdembed.hash.ContentHash content = dev.sdembed.hash.ContentHash.ofFile(file);
        dev.sdembed.image.PixelHash marker = new dev.sdembed.image.PixelHash(0x5eed);
        TestEncoders.Image pixels = new TestEncoders.Image("test-image", 16, "fp-image-1");
        dev.sdembed.encoder.ImageEncoder offering = new dev.sdembed.encoder.ImageEncoder() {
            @Override
            public dev.sdembed.encoder.EncoderInfo info() {
                return pixels.info();
            }

            @Override
            public java.util.List<dev.sdembed.encoder.Embedding> embedFiles(java.util.List<Path> images) {
                return pixels.embedFiles(images);
            }

            @Override
            public java.util.List<dev.sdembed.encoder.ImageEmbeddingResult> embedEach(java.util.List<Path> images) {
                return images.stream().map(f -> dev.sdembed.encoder.ImageEmbeddingResult.success(f, pixels.of(f),
                        marker)).toList();
            }

            @Override
            public void close() {
            }
        };
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()), SlotSpec.of(IMAGE, pixels.info()));
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text)
                .imageSlot(IMAGE, offering).build()) {
            pipeline.run(library);
        }
        assertThat(store.imageContent(content).orElseThrow().pixelHash()).isEqualTo(marker);

        MemoryStore decoding = MemoryStore.of(SlotSpec.of(PROMPT, text.info()), SlotSpec.of(IMAGE, pixels.info()));
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(decoding).textSlot(PROMPT, text)
                .imageSlot(IMAGE, pixels).build()) {
            pipeline.run(library);
        }
        assertThat(decoding.imageContent(content).orElseThrow().pixelHash())
                .isEqualTo(dev.sdembed.image.PixelHash.of(dev.sdembed.image.ImageDecoder.defaults().decode(file)));
    }

    /**
     * Two batches need the same prompt; the first store lookup answers "not stored" and takes its time coming back:
     * until the other batch has committed (at most half a second) and 50 ms more for it to release the prompt. Had
     * the lookup come before the claim, the other batch would have computed the prompt in that time and the first
     * one again; claiming first, the other batch finds the first one's claim and waits for it: one computation.
     */
    @Test
    void aPromptCommittedWhileAnotherBatchLooksItUpIsNotComputedAgain() {
        for (int i = 0; i < 2; i++) {
            SdTestImages.a1111(library.resolve("img-" + i + ".png"), 8, i, "the same prompt", null);
        }
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        AtomicBoolean first = new AtomicBoolean(true);
        store.afterLookup(() -> {
            long deadline = System.nanoTime() + 500_000_000L;
            if (first.getAndSet(false)) {
                while (store.records().isEmpty() && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(1_000_000);
                }
                LockSupport.parkNanos(50_000_000);
            }
        });
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text)
                .batchSize(1).batchesInFlight(2).build()) {
            PipelineSummary summary = pipeline.run(library);

            assertThat(summary.indexed()).isEqualTo(2);
            assertThat(summary.slot(PROMPT).computed()).isEqualTo(1);
            assertThat(summary.slot(PROMPT).cacheHits()).isEqualTo(1);
        }
    }

    @Test
    void aChangedImageModelReEmbedsOnlyTheImageSlot() {
        for (int i = 0; i < 12; i++) {
            SdTestImages.a1111(library.resolve("img-" + i + ".png"), 16, i, "prompt " + (i % 3), "negative");
        }
        TestEncoders.Image old = new TestEncoders.Image("test-image", 32, "fp-image-1");
        TestEncoders.Image renewed = new TestEncoders.Image("test-image", 32, "fp-image-2");
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()), SlotSpec.of(IMAGE, old.info()));
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text)
                .imageSlot(IMAGE, old).build()) {
            PipelineSummary first = pipeline.run(library);
            assertThat(first.slot(IMAGE).computed()).isEqualTo(12);
            assertThat(first.slot(PROMPT).computed()).as("three prompts and the negative").isEqualTo(4);
        }
        MemoryStore reopened = store.reopen(SlotSpec.of(PROMPT, text.info()), SlotSpec.of(IMAGE, renewed.info()));
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(reopened).textSlot(PROMPT, text)
                .imageSlot(IMAGE, renewed).build()) {
            PipelineSummary second = pipeline.run(library);

            assertThat(second.skipped()).isZero();
            assertThat(second.slot(IMAGE).computed()).isEqualTo(12);
            assertThat(second.slot(PROMPT).computed()).as("text slot still current").isZero();
            assertThat(second.slot(PROMPT).encoderCalls()).isZero();
            assertThat(reopened.fingerprints(IMAGE)).as("every image embedding made by the new model")
                    .hasSize(12).containsOnly(renewed.info().fingerprint());
            assertThat(pipeline.run(library).skipped()).as("now every slot is current").isEqualTo(12);
        }
    }

    @Test
    void closingStopsTheRunAfterTheBatchesInFlightAndTheNextRunContinues() {
        for (int i = 0; i < 120; i++) {
            SdTestImages.a1111(library.resolve("img-" + i + ".png"), 8, 500 + i, "prompt " + i, null);
        }
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        BulkEmbeddingPipeline[] self = new BulkEmbeddingPipeline[1];
        PipelineSummary stopped;
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text)
                .batchSize(10).listener(new ProgressListener() {
                    @Override
                    public void onProgress(Progress p) {
                        self[0].close();
                    }
                }).build()) {
            self[0] = pipeline;
            stopped = pipeline.run(library);
        }
        assertThat(stopped.cancelled()).isTrue();
        assertThat(stopped.indexed()).isBetween(10L, 110L);
        assertThat((long) store.records().size()).as("every batch that started was written whole")
                .isEqualTo(stopped.indexed());

        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text).build()) {
            PipelineSummary rest = pipeline.run(library);
            assertThat(rest.cancelled()).isFalse();
            assertThat(rest.skipped()).isEqualTo(stopped.indexed());
            assertThat(rest.indexed()).isEqualTo(120 - stopped.indexed());
            assertThat(rest.slot(PROMPT).computed()).isEqualTo(120 - stopped.indexed());
        }
        assertThat(store.incompleteRecords()).isEmpty();
    }

    @Test
    void aRerunSkipsUnchangedFilesAndIndexesAChangedOneAgain() {
        for (int i = 0; i < 10; i++) {
            SdTestImages.a1111(library.resolve("img-" + i + ".png"), 8, i, "prompt " + i, null);
        }
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text).build()) {
            assertThat(pipeline.run(library).indexed()).isEqualTo(10);
            SdTestImages.a1111(library.resolve("img-3.png"), 8, 3, "prompt 3, repainted at dusk", null);

            PipelineSummary again = pipeline.run(library);
            assertThat(again.skipped()).isEqualTo(9);
            assertThat(again.indexed()).isEqualTo(1);
            assertThat(again.slot(PROMPT).computed()).as("only the changed file's new prompt").isEqualTo(1);
            assertThat(again.slot(PROMPT).encoderCalls()).isEqualTo(1);
            assertThat(store.records()).hasSize(10);
            assertThat(store.incompleteRecords()).isEmpty();
        }
    }

    @Test
    void batchSizesOutsideTheirRangeAreRefusedNamingTheSetting() {
        BulkEmbeddingPipeline.Builder builder = BulkEmbeddingPipeline.builder(MemoryStore.of());
        assertThatThrownBy(() -> builder.batchSize(0)).isInstanceOf(InvalidInputException.class)
                .hasMessage("batchSize is 0; expected 1 to 100000");
        assertThatThrownBy(() -> builder.batchSize(100_001)).hasMessage("batchSize is 100001; expected 1 to 100000");
        assertThatThrownBy(() -> builder.batchesInFlight(0)).hasMessage("batchesInFlight is 0; expected 1 to 64");
        assertThatThrownBy(() -> builder.batchesInFlight(65)).hasMessage("batchesInFlight is 65; expected 1 to 64");
    }
}
