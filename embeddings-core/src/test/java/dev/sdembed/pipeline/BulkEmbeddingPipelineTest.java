package dev.sdembed.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

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
}
