package dev.sdembed.examples;

import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.pipeline.Progress;
import dev.sdembed.pipeline.ProgressListener;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Indexes a folder with {@link BulkEmbeddingPipeline} into the embedded store, printing a line per batch from a
 * {@link ProgressListener}. Run it twice: the second run skips every unchanged file.
 *
 * <pre>bin/example BulkImportWithProgress [--model DIR] [--samples DIR] [--store DIR]</pre>
 */
public final class BulkImportWithProgress {
    /** Where the index goes unless {@code --store} says otherwise; SearchExample reads it. */
    static final String DEFAULT_STORE = "target/examples/store";

    private BulkImportWithProgress() {
    }

    public static void main(String[] args) {
        run(System.out, args);
    }

    public static void run(PrintStream out, String... args) {
        ExampleArgs a = ExampleArgs.parse(args, "--model", "--samples", "--store");
        Path folder = a.samples();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void onProgress(Progress p) {
                out.printf(Locale.ROOT, "progress: %d/%d%s files, %d indexed, %d skipped, %d failed, %.1f files/s%n",
                        p.filesProcessed(), p.filesSeen(), p.walkComplete() ? "" : "+", p.filesDone(),
                        p.filesSkipped(), p.filesFailed(), p.filesPerSecond());
            }

            @Override
            public void onFileFailed(Path file, String reason) {
                out.println("failed: " + reason);
            }
        };
        try (TextEncoder bge = BgeTextEncoder.builder(a.model()).build();
             EmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(a.path("--store", DEFAULT_STORE))
                     .slot(SlotSpec.of(ExampleArgs.SLOT, bge.info())).build();
             BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(ExampleArgs.SLOT, bge)
                     .batchSize(8).listener(listener).build()) {
            PipelineSummary s = pipeline.run(folder);
            PipelineSummary.SlotSummary slot = s.slot(ExampleArgs.SLOT);
            out.printf(Locale.ROOT, "done: %d files, %d indexed, %d skipped, %d failed; %s embedded %d texts,"
                            + " %d cache hits; vectors %d bytes instead of %d (%.1f %% saved by deduplication)%n",
                    s.files(), s.indexed(), s.skipped(), s.failed(), ExampleArgs.SLOT, slot.computed(),
                    slot.cacheHits(), s.vectorBytesStored(), s.vectorBytesWithoutDedup(), s.storageSavedPercent());
        }
    }
}
