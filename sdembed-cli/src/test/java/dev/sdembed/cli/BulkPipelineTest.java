package dev.sdembed.cli;

import dev.sdembed.testing.SdTestImages;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.onnx.ClipVisionEncoder;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.testing.TestModels;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.postgres.PostgresEmbeddingStore;
import dev.sdembed.testing.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the pipeline leaves in a real store (PostgreSQL, real encoders): the counts and reference counts of a
 * deduplicated run, stale embeddings after a model change, a stopped run's batches written whole and its files
 * skipped on the rerun from the sizes and modification times read back. The pipeline's own accounting (computations,
 * cache hits, encoder calls, what a rerun skips) is tested beside it in core ({@code BulkEmbeddingPipelineTest}).
 */
class BulkPipelineTest {
    private static TextEncoder bge;

    @BeforeAll
    static void load() {
        bge = BgeTextEncoder.builder(TestModels.bgeSmall()).options(OnnxOptions.builder().intraOpThreads(2).build())
                .build();
    }

    @AfterAll
    static void close() {
        bge.close();
    }

    private static PostgresEmbeddingStore store(String schema, SlotSpec... slots) {
        return PostgresEmbeddingStore.builder().url(IndexFixtures.storeUrl()).schema(schema)
                .slots(java.util.List.of(slots)).build();
    }

    @Test
    void fiveHundredImagesSharingTwentyPromptsStoreTwentyPromptEmbeddings() {
        Path library = TestPaths.targetDir("pipeline-dedup");
        for (int i = 0; i < 500; i++) {
            Path file = library.resolve("d" + (i % 10)).resolve("img-" + i + ".png");
            if (!Files.exists(file)) {
                SdTestImages.a1111(file, 8, i, "shared prompt number " + (i % 20) + ", best quality", null);
            }
        }
        try (PostgresEmbeddingStore store = store(IndexFixtures.newSchema("dedup"),
                SlotSpec.of(IndexFixtures.TEXT_SLOT, bge.info()));
             BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store)
                     .textSlot(IndexFixtures.TEXT_SLOT, bge).batchSize(16).batchesInFlight(4).build()) {
            PipelineSummary summary = pipeline.run(library);

            SlotStats stats = store.stats().slot(IndexFixtures.TEXT_SLOT);
            assertThat(stats.embeddings()).isEqualTo(20);
            assertThat(stats.references()).isEqualTo(500);
            assertThat(summary.uniqueTexts()).isEqualTo(20);
            assertThat(summary.storageSavedPercent()).isEqualTo(96.0);
            assertThat(store.checkInvariants().isConsistent()).isTrue();
        }
    }

    @Test
    void aChangedImageModelReEmbedsOnlyTheImageSlot() {
        Path library = TestPaths.targetDir("pipeline-stale");
        for (int i = 0; i < 12; i++) {
            SdTestImages.a1111(library.resolve("img-" + i + ".png"), 16, i, "prompt " + (i % 3), "negative");
        }
        String schema = IndexFixtures.newSchema("stale");
        Path oldModel = IndexFixtures.vision("stale-old", 7);
        Path newModel = IndexFixtures.vision("stale-new", 8);
        try (ImageEncoder old = ClipVisionEncoder.builder(oldModel).preprocessThreads(1).build();
             ImageEncoder renewed = ClipVisionEncoder.builder(newModel).preprocessThreads(1).build()) {
            assertThat(renewed.info().fingerprint()).isNotEqualTo(old.info().fingerprint());
            try (PostgresEmbeddingStore store = store(schema, SlotSpec.of(IndexFixtures.TEXT_SLOT, bge.info()),
                    SlotSpec.of(IndexFixtures.IMAGE_SLOT, old.info()));
                 BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store)
                         .textSlot(IndexFixtures.TEXT_SLOT, bge).imageSlot(IndexFixtures.IMAGE_SLOT, old).build()) {
                pipeline.run(library);
            }
            try (PostgresEmbeddingStore store = store(schema, SlotSpec.of(IndexFixtures.TEXT_SLOT, bge.info()),
                    SlotSpec.of(IndexFixtures.IMAGE_SLOT, renewed.info()));
                 BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store)
                         .textSlot(IndexFixtures.TEXT_SLOT, bge).imageSlot(IndexFixtures.IMAGE_SLOT, renewed).build()) {
                assertThat(store.stats().slot(IndexFixtures.IMAGE_SLOT).stale()).isEqualTo(12);
                pipeline.run(library);

                assertThat(store.stats().slot(IndexFixtures.IMAGE_SLOT).stale()).isZero();
                assertThat(pipeline.run(library).skipped()).as("now every slot is current").isEqualTo(12);
            }
        }
    }

    @Test
    void closingStopsTheRunAfterTheBatchesInFlightAndTheNextRunContinues() {
        Path library = TestPaths.targetDir("pipeline-cancel");
        for (int i = 0; i < 120; i++) {
            SdTestImages.a1111(library.resolve("img-" + i + ".png"), 8, 500 + i, "prompt " + i, null);
        }
        String schema = IndexFixtures.newSchema("cancel");
        try (PostgresEmbeddingStore store = store(schema, SlotSpec.of(IndexFixtures.TEXT_SLOT, bge.info()))) {
            BulkEmbeddingPipeline[] self = new BulkEmbeddingPipeline[1];
            PipelineSummary stopped;
            try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store)
                    .textSlot(IndexFixtures.TEXT_SLOT, bge).batchSize(10)
                    .listener(new dev.sdembed.pipeline.ProgressListener() {
                        @Override
                        public void onProgress(dev.sdembed.pipeline.Progress p) {
                            self[0].close();
                        }
                    }).build()) {
                self[0] = pipeline;
                stopped = pipeline.run(library);
            }
            assertThat(stopped.indexed()).as("stopped mid-run").isBetween(10L, 110L);
            assertThat(store.stats().images()).as("every batch that started was written whole")
                    .isEqualTo(stopped.indexed());
            assertThat(store.checkInvariants().isConsistent()).isTrue();

            try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store)
                    .textSlot(IndexFixtures.TEXT_SLOT, bge).build()) {
                assertThat(pipeline.run(library).skipped()).as("what was committed, read back from the store")
                        .isEqualTo(stopped.indexed());
                assertThat(store.stats().images()).isEqualTo(120);
            }
        }
    }

    @Test
    void refusesAnEncoderWhoseModelIsNotTheStoresSlot() {
        Path model = IndexFixtures.vision("mismatch", 9);
        try (ImageEncoder vision = ClipVisionEncoder.builder(model).preprocessThreads(1).build();
             PostgresEmbeddingStore store = store(IndexFixtures.newSchema("mismatch"),
                     SlotSpec.of(IndexFixtures.TEXT_SLOT, bge.info()))) {
            var builder = BulkEmbeddingPipeline.builder(store).imageSlot(IndexFixtures.TEXT_SLOT, vision);
            org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
                    .isInstanceOf(dev.sdembed.InvalidInputException.class)
                    .hasMessageStartingWith("Encoder '" + vision.info().name() + "' (image, ")
                    .hasMessageContaining("is not the encoder of slot 'prompt_bge' ('" + bge.info().name()
                            + "', text, 384 dimensions, fingerprint ")
                    .hasMessageEndingWith("; embed with the slot's encoder, or configure a new slot for this encoder");
        }
    }
}
