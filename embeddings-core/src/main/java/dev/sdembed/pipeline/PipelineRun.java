package dev.sdembed.pipeline;

import dev.sdembed.SdembedException;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.metadata.MetadataReader;
import dev.sdembed.pipeline.internal.BatchJob;
import dev.sdembed.pipeline.internal.FileWalker;
import dev.sdembed.pipeline.internal.InFlightEmbeddings;
import dev.sdembed.pipeline.internal.SlotWorker;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a {@link BulkEmbeddingPipeline}: its counters, its batch threads, the walk that feeds them, and the
 * summary at the end. Made for one run and dropped after it, so nothing of a run outlives it; the pipeline keeps
 * what runs share (the slots' device workers).
 *
 * <p>The walk gathers files into batches and hands each to a batch thread; at most {@code batchesInFlight} run and
 * as many more wait, beyond that the walk waits. The first encoder or store failure stops the walk and new batches,
 * and is thrown once the batches in flight have ended, as is a stop by {@code close()}.
 *
 * <p>Package-private rather than in {@code pipeline.internal}: it reports {@link Progress} and returns a
 * {@link PipelineSummary}, and the internal package does not depend on this one.
 */
final class PipelineRun {
    /** The pipeline's logger: the end-of-run line is the pipeline's, whichever class writes it. */
    private static final Logger LOG = LoggerFactory.getLogger(BulkEmbeddingPipeline.class);
    /** Set on the batch threads, where close() (from a listener) must not wait for the run it is part of. */
    private static final ThreadLocal<Boolean> BATCH_THREAD = ThreadLocal.withInitial(() -> false);

    /** What a run needs of its pipeline: the same for every run. */
    record Settings(EmbeddingStore store, List<SlotWorker> slots, MetadataReader reader, ImageDecoder decoder,
                    boolean retryFailed, int batchSize, int batchesInFlight, Set<String> extensions,
                    ProgressListener listener) {
        Settings {
            slots = List.copyOf(slots);
            extensions = Set.copyOf(extensions);
        }
    }

    /** A slot's encoder counters when the run started: the summary counts what the run added. */
    private record SlotStart(long computed, long calls, long hits) {
    }

    private final Settings settings;
    private final BooleanSupplier closed;
    private final long start = System.nanoTime();
    private final Map<String, SlotStart> slotStarts = new LinkedHashMap<>();
    private final AtomicLong seen = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicBoolean walkComplete = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Object listenerLock = new Object();
    private final BatchJob job;
    private final ExecutorService batchThreads;
    /** One batch running and one prepared per batch thread. */
    private final int batchPermits;
    private final Semaphore batchesFree;
    /** The files of the next batch; the walking thread's alone. */
    private List<Path> gathering;

    /** {@code closed} tells whether the pipeline was closed, which stops the run after its batches in flight. */
    PipelineRun(Settings settings, BooleanSupplier closed) {
        this.settings = settings;
        this.closed = closed;
        settings.slots().forEach(w -> slotStarts.put(w.slot(), new SlotStart(w.computed(), w.calls(), w.hits())));
        this.job = new BatchJob(new BatchJob.Context(settings.store(), settings.slots(), settings.reader(),
                settings.decoder(), settings.retryFailed(), new InFlightEmbeddings(), (file, reason) -> {
                    synchronized (listenerLock) {
                        settings.listener().onFileFailed(file, reason);
                    }
                }));
        AtomicInteger threads = new AtomicInteger();
        this.batchThreads = Executors.newFixedThreadPool(settings.batchesInFlight(), r -> {
            Thread t = new Thread(r, "sdembed-batch-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.batchPermits = settings.batchesInFlight() * 2;
        this.batchesFree = new Semaphore(batchPermits);
        this.gathering = new ArrayList<>(settings.batchSize());
    }

    /** Whether the calling thread is a batch thread of a run (a listener called from inside the run). */
    static boolean onBatchThread() {
        return BATCH_THREAD.get();
    }

    /**
     * Indexes every image file under {@code roots}; returns when all are done or the pipeline is closed, throws the
     * first failure once the batches in flight have ended.
     */
    PipelineSummary run(List<Path> roots) {
        try {
            walk(roots);
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            batchesFree.acquireUninterruptibly(batchPermits);
            batchThreads.shutdown();
        }
        rethrowFailure();
        report();
        return summary();
    }

    private void walk(List<Path> roots) {
        FileWalker walker = new FileWalker(settings.extensions(), this::stopping);
        for (Path root : roots) {
            if (!walker.walk(root, this::gather)) {
                break;
            }
        }
        if (!stopping()) {
            walkComplete.set(true);
            submit();
        }
    }

    private boolean stopping() {
        return closed.getAsBoolean() || failure.get() != null;
    }

    private void gather(Path file) {
        seen.incrementAndGet();
        gathering.add(file);
        if (gathering.size() >= settings.batchSize()) {
            submit();
        }
    }

    /** Hands the files gathered so far to a batch thread, first waiting for a free batch permit. */
    private void submit() {
        List<Path> files = gathering;
        gathering = new ArrayList<>(settings.batchSize());
        if (files.isEmpty()) {
            return;
        }
        batchesFree.acquireUninterruptibly();
        batchThreads.execute(() -> runBatch(files));
    }

    private void runBatch(List<Path> files) {
        BATCH_THREAD.set(true);
        try {
            if (stopping()) {
                return;
            }
            BatchJob.Outcome o = job.run(files);
            done.addAndGet(o.indexed());
            skipped.addAndGet(o.skipped());
            failed.addAndGet(o.failed());
            report();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        } finally {
            batchesFree.release();
        }
    }

    private void rethrowFailure() {
        Throwable t = failure.get();
        if (t == null) {
            return;
        }
        if (t instanceof SdembedException s) {
            throw s;
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        throw new SdembedException("Bulk indexing failed: " + t, t);
    }

    private void report() {
        synchronized (listenerLock) {
            settings.listener().onProgress(new Progress(seen.get(), done.get(), skipped.get(), failed.get(),
                    walkComplete.get(), Duration.ofNanos(System.nanoTime() - start)));
        }
    }

    private PipelineSummary summary() {
        StoreStats stats = settings.store().stats();
        long stored = 0;
        long withoutDedup = 0;
        List<PipelineSummary.SlotSummary> perSlot = new ArrayList<>();
        long imagesEmbedded = 0;
        for (SlotWorker w : settings.slots()) {
            SlotStart b = slotStarts.get(w.slot());
            PipelineSummary.SlotSummary s = new PipelineSummary.SlotSummary(w.slot(), w.computed() - b.computed(),
                    w.calls() - b.calls(), w.hits() - b.hits());
            perSlot.add(s);
            if (w.isImage()) {
                imagesEmbedded += s.computed();
            }
            SlotStats st = stats.slot(w.slot());
            stored += st.vectorBytes();
            withoutDedup += st.vectorBytesWithoutDedup();
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        boolean cancelled = closed.getAsBoolean();
        PipelineSummary summary = new PipelineSummary(seen.get(), done.get(), skipped.get(), failed.get(),
                imagesEmbedded, stats.textContents(), perSlot, stored, withoutDedup, wall, cancelled);
        LOG.info("Indexed {} of {} files ({} skipped, {} failed) in {} ms{}", done.get(), seen.get(), skipped.get(),
                failed.get(), wall.toMillis(), cancelled ? " (stopped early)" : "");
        return summary;
    }
}
