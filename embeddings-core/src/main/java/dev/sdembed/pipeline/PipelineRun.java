package dev.sdembed.pipeline;

import dev.sdembed.SdembedException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.metadata.MetadataReader;
import dev.sdembed.pipeline.internal.BatchJob;
import dev.sdembed.pipeline.internal.FileWalker;
import dev.sdembed.pipeline.internal.InFlightEmbeddings;
import dev.sdembed.pipeline.internal.SlotWorker;
import dev.sdembed.internal.StoredPaths;
import dev.sdembed.pipeline.internal.VanishedScan;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.MaintenanceResult;
import dev.sdembed.store.PathOrder;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.WriteBatch;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * One run of a {@link BulkEmbeddingPipeline}: its counters, its batch threads, the walk that feeds them, the files
 * found gone, and the summary at the end. Made for one run and dropped after it, so nothing of a run outlives it; the
 * pipeline keeps what runs share (the slots' device workers).
 *
 * <p>The walk gathers files into batches and hands each to a batch thread; at most {@code batchesInFlight} run and
 * as many more wait, beyond that the walk waits. The first encoder or store failure stops the walk and new batches,
 * and is thrown once the batches in flight have ended, as is a stop by {@code close()}.
 *
 * <p>Vanished files: the walk of each folder is merged with the store's records under it ({@code VanishedScan}),
 * both in path order, so the records whose file is gone are found without holding the library in memory; they are
 * kept (path and content) until the walk and its batches are done. Batches tell the run of each file indexed at a
 * new path whose content the store had (an arrival). Then each gone record is matched with an arrival of its content
 * (the same file name first): it moved. A pruning run then re-points moved records to their new path (ids kept,
 * nothing embedded) and deletes the others, in batches that remove the contents they leave unreferenced. A root that
 * is missing or an empty folder is never scanned, so an unmounted drive loses nothing.
 *
 * <p>Package-private rather than in {@code pipeline.internal}: it reports {@link Progress} and returns a
 * {@link PipelineSummary}, and the internal package does not depend on this one.
 */
final class PipelineRun {
    /** The pipeline's logger: the end-of-run line is the pipeline's, whichever class writes it. */
    private static final Logger LOG = LoggerFactory.getLogger(BulkEmbeddingPipeline.class);
    /** Set on the batch threads, where close() (from a listener) must not wait for the run it is part of. */
    private static final ThreadLocal<Boolean> BATCH_THREAD = ThreadLocal.withInitial(() -> false);

    /** Records per pruning batch: paths only, so many fit one transaction. */
    static final int PRUNE_BATCH = 500;

    /** What a run needs of its pipeline: the same for every run. */
    record Settings(EmbeddingStore store, List<SlotWorker> slots, MetadataReader reader, ImageDecoder decoder,
                    boolean retryFailed, int batchSize, int batchesInFlight, Set<String> extensions,
                    ProgressListener listener, boolean prune, boolean pixelHashes, boolean storeTotals) {
        Settings {
            slots = List.copyOf(slots);
            extensions = Set.copyOf(extensions);
        }
    }

    /** How a run treats a path it is given. */
    enum Kind {
        /** A root: a folder walked and scanned for vanished files, unless missing or empty; or a file. */
        ROOT,
        /** A folder inside a watched root, walked and scanned whatever it holds. */
        FOLDER,
        /** A changed file, indexed if it is still a file with an image extension. */
        FILE,
        /** A path that is gone: its record, and those under it, are vanished if their files are gone. */
        GONE
    }

    /** A path a run covers and how. */
    record Target(Path path, Kind kind) {
    }

    /** A record whose file is gone. */
    private record Gone(String path, ContentHash image) {
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
    private final AtomicLong pixelHashesAdded = new AtomicLong();
    private final AtomicLong rewritten = new AtomicLong();
    private final AtomicBoolean walkComplete = new AtomicBoolean();
    /**
     * Records found gone by path, in the order found (each folder's in path order; a path two changed targets cover
     * is kept once); the walking thread's alone.
     */
    private final Map<String, Gone> goneByPath = new LinkedHashMap<>();
    /** Files indexed at new paths whose content was stored: per content, their stored paths. */
    private final Map<ContentHash, List<String>> arrivals = new ConcurrentHashMap<>();
    private final List<String> rootsNotScanned = new ArrayList<>();
    private long moved;
    private long removed;
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
                }, settings.pixelHashes(), (path, content) -> arrivals.computeIfAbsent(content,
                        c -> Collections.synchronizedList(new ArrayList<>())).add(path)));
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
     * Indexes every image file the targets cover and finds the records whose files are gone (pruning them when the
     * pipeline prunes); returns when all are done or the pipeline is closed, throws the first failure once the
     * batches in flight have ended.
     */
    PipelineSummary run(List<Target> targets) {
        try {
            walk(targets);
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            batchesFree.acquireUninterruptibly(batchPermits);
            batchThreads.shutdown();
        }
        rethrowFailure();
        if (!closed.getAsBoolean()) {
            settleVanished();
        }
        report();
        return summary();
    }

    private void walk(List<Target> targets) {
        FileWalker walker = new FileWalker(settings.extensions(), this::stopping);
        for (Target t : targets) {
            boolean goOn = switch (t.kind()) {
                // A changed path is an image only by its extension (unlike a file given as a root).
                case FILE -> !Files.isRegularFile(t.path()) || !walker.accepts(t.path())
                        || walker.walk(t.path(), this::gather);
                case GONE -> {
                    findGone(t.path());
                    yield true;
                }
                case FOLDER -> walkAndScan(walker, t.path());
                case ROOT -> {
                    if (Files.isRegularFile(t.path())) {
                        yield walker.walk(t.path(), this::gather);
                    }
                    if (isMissingOrEmpty(t.path())) {
                        rootsNotScanned.add(StoredPaths.of(t.path()));
                        LOG.info("Root {} is missing or empty; nothing under it is pruned", t.path());
                        synchronized (listenerLock) {
                            settings.listener().onRootNotScanned(t.path());
                        }
                        yield true;
                    }
                    yield walkAndScan(walker, t.path());
                }
            };
            if (!goOn || stopping()) {
                break;
            }
        }
        if (!stopping()) {
            walkComplete.set(true);
            submit();
        }
    }

    /** Walks {@code folder}, merging the walk with the store's records under it; false when stopped. */
    private boolean walkAndScan(FileWalker walker, Path folder) {
        VanishedScan scan = new VanishedScan(settings.store(), StoredPaths.of(folder), this::found);
        boolean complete = walker.visit(folder, new FileWalker.Visitor() {
            @Override
            public void file(Path file) {
                gather(file);
                scan.seen(StoredPaths.of(file));
            }

            @Override
            public void skipped(Path skippedFolder) {
                scan.skipped(StoredPaths.of(skippedFolder));
            }
        });
        if (complete && !stopping()) {
            scan.finish();
        }
        return complete;
    }

    /** The record at {@code path} and those under it, where their files are gone too. */
    private void findGone(Path path) {
        String stored = StoredPaths.of(path);
        StoredImage at = settings.store().findImages(List.of(stored)).get(stored);
        if (at != null && !VanishedScan.stillAFile(at.path())) {
            found(at);
        }
        new VanishedScan(settings.store(), stored, this::found).finish();
    }

    /** Whether {@code root} does not exist or is a folder without a single entry: what an unmounted drive looks like. */
    static boolean isMissingOrEmpty(Path root) {
        if (!Files.exists(root)) {
            return true;
        }
        if (!Files.isDirectory(root)) {
            return false;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            return !entries.iterator().hasNext();
        } catch (IOException | DirectoryIteratorException e) {
            // Unreadable: the walk says so, and skips it without judging anything under it.
            return false;
        }
    }

    private void found(StoredImage record) {
        goneByPath.putIfAbsent(record.path(), new Gone(record.path(), record.record().imageHash()));
    }

    /**
     * Matches each gone record with an arrival of its content (the same file name first, else the first path), then,
     * when pruning, re-points the matched records to their new paths and deletes the others, the contents they alone
     * used with them; tells the listener of each.
     */
    private void settleVanished() {
        if (settings.prune() && rewritten.get() > 0) {
            // Changed files released their old contents; once every batch of the run is written (none can be about
            // to reference them), a pruning run removes what no record uses any more.
            MaintenanceResult dropped = settings.store().removeUnreferenced();
            LOG.debug("Removed {} texts and {} image contents changed files no longer use", dropped.textContents(),
                    dropped.imageContents());
        }
        List<Gone> gone = List.copyOf(goneByPath.values());
        if (gone.isEmpty()) {
            return;
        }
        Map<String, String> movedTo = new HashMap<>();
        for (Gone g : gone) {
            List<String> candidates = g.image() == null ? null : arrivals.get(g.image());
            if (candidates == null) {
                continue;
            }
            synchronized (candidates) {
                if (candidates.isEmpty()) {
                    continue;
                }
                candidates.sort(PathOrder.COMPARATOR);
                String name = g.path().substring(g.path().lastIndexOf('/') + 1);
                String pick = candidates.stream().filter(c -> c.endsWith("/" + name)).findFirst()
                        .orElse(candidates.get(0));
                candidates.remove(pick);
                movedTo.put(g.path(), pick);
            }
        }
        moved = movedTo.size();
        if (!settings.prune()) {
            for (Gone g : gone) {
                tell(new VanishedFile(g.path(), movedTo.get(g.path()), false));
            }
            return;
        }
        long movedThere = 0;
        for (int start = 0; start < gone.size() && !closed.getAsBoolean(); start += PRUNE_BATCH) {
            // A stop (Ctrl-C) between two pruning batches leaves the rest for the next run, which finds them again.
            List<Gone> chunk = gone.subList(start, Math.min(gone.size(), start + PRUNE_BATCH));
            List<String> targets = chunk.stream().map(g -> movedTo.get(g.path())).filter(p -> p != null).toList();
            Map<String, StoredImage> arrived = targets.isEmpty() ? Map.of() : settings.store().findImages(targets);
            WriteBatch.Builder batch = WriteBatch.builder().removeUnreferenced();
            List<VanishedFile> outcome = new ArrayList<>();
            for (Gone g : chunk) {
                String to = movedTo.get(g.path());
                StoredImage target = to == null ? null : arrived.get(to);
                if (target != null) {
                    batch.move(g.path(), target.record());
                    outcome.add(new VanishedFile(g.path(), target.path(), true));
                } else {
                    batch.delete(g.path());
                    outcome.add(new VanishedFile(g.path(), null, true));
                }
            }
            settings.store().write(batch.build());
            movedThere += outcome.stream().filter(VanishedFile::moved).count();
            removed += outcome.stream().filter(v -> !v.moved()).count();
            outcome.forEach(this::tell);
        }
        // A new path whose record went away meanwhile leaves its match deleted rather than moved.
        moved = movedThere;
        LOG.debug("Pruned the records of {} vanished files: {} moved, {} removed", gone.size(), moved, removed);
    }

    private void tell(VanishedFile file) {
        synchronized (listenerLock) {
            settings.listener().onVanished(file);
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
            pixelHashesAdded.addAndGet(o.pixelHashesAdded());
            rewritten.addAndGet(o.rewritten());
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
        StoreStats stats = settings.storeTotals() ? settings.store().stats() : null;
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
            if (stats != null) {
                SlotStats st = stats.slot(w.slot());
                stored += st.vectorBytes();
                withoutDedup += st.vectorBytesWithoutDedup();
            }
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        boolean cancelled = closed.getAsBoolean();
        long vanished = cancelled ? 0 : goneByPath.size();
        PipelineSummary summary = new PipelineSummary(seen.get(), done.get(), skipped.get(), failed.get(),
                imagesEmbedded, stats == null ? 0 : stats.textContents(), perSlot, stored, withoutDedup, wall, cancelled,
                vanished,
                cancelled ? 0 : moved, removed, pixelHashesAdded.get(), rootsNotScanned, stats);
        LOG.info("Indexed {} of {} files ({} skipped, {} failed, {} vanished) in {} ms{}", done.get(), seen.get(),
                skipped.get(), failed.get(), vanished, wall.toMillis(), cancelled ? " (stopped early)" : "");
        return summary;
    }
}
