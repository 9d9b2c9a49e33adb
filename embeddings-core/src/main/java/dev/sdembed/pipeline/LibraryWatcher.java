package dev.sdembed.pipeline;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.io.FileErrors;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a store in step with folders: a first {@linkplain BulkEmbeddingPipeline#run full run}, then file-system events
 * ({@link WatchService}, every folder under the roots registered, new folders as they appear) and a full rescan at a
 * fixed interval, for file systems that send no events (network shares) and whatever events were lost. A changed path
 * is synced once it has had no event for the debounce time, so a file still being written is indexed once, after it
 * settles; paths that settle together are synced together ({@link BulkEmbeddingPipeline#update}), which is how a
 * rename (a delete and a create) is recognised as a move. The pipeline should {@linkplain BulkEmbeddingPipeline.Builder#prune
 * prune}, so deleted files leave the store; roots that are missing or empty (an unmounted drive) are never pruned.
 *
 * <pre>{@code
 * try (LibraryWatcher watcher = LibraryWatcher.builder(pipeline, List.of(Path.of("/data/sd"))).build()) {
 *     watcher.run();   // until close(), e.g. from a shutdown hook
 * }
 * }</pre>
 *
 * <p>The watcher takes the pipeline over: {@link #close()} closes it, which lets the batches in flight commit and
 * ends the sync under way; the store and encoders stay the caller's. A sync that fails (the store unreachable) is
 * told to the listener and the watch goes on: the next rescan catches up.
 */
public final class LibraryWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LibraryWatcher.class);

    /** Default {@link Builder#debounce}: 2 seconds without an event for a path. */
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofSeconds(2);
    /** Default {@link Builder#rescanInterval}: 10 minutes. */
    public static final Duration DEFAULT_RESCAN_INTERVAL = Duration.ofMinutes(10);

    /** What set a sync off. */
    public enum Trigger {
        /** The first full run when the watch starts. */
        START,
        /** File-system events that settled. */
        EVENTS,
        /** The periodic full rescan, or one an event overflow asked for. */
        RESCAN
    }

    /**
     * One sync of the store with the folders.
     *
     * @param trigger what set it off
     * @param changed the paths synced (events), or the roots (full runs)
     * @param summary what the pipeline did
     */
    public record Sync(Trigger trigger, List<Path> changed, PipelineSummary summary) {
        public Sync {
            changed = List.copyOf(changed);
        }
    }

    /** Follows a watch; called on the watching thread, one call at a time. */
    public interface Listener {
        /** The watch is set up: {@code folders} folders registered for events. */
        default void onWatching(int folders) {
        }

        /** A sync is done. */
        default void onSync(Sync sync) {
        }

        /** A sync failed; the watch goes on, the next rescan catching up. */
        default void onSyncFailed(Trigger trigger, RuntimeException failure) {
        }
    }

    /**
     * What a watch did over all its syncs.
     *
     * @param syncs   syncs done
     * @param indexed files indexed (new or changed)
     * @param failed  files that failed
     * @param vanished files found gone
     * @param moved   of those, found at a new path
     * @param removed records of gone files deleted (those that did not move)
     */
    public record Totals(long syncs, long indexed, long failed, long vanished, long moved, long removed) {
    }

    private final BulkEmbeddingPipeline pipeline;
    private final List<Path> roots;
    private final Duration debounce;
    private final Duration rescanInterval;
    private final boolean events;
    private final Listener listener;
    private final WatchService watchService;
    private final Map<WatchKey, Path> keys = new HashMap<>();
    private final Set<Path> registered = new HashSet<>();
    /** Changed paths and when they last had an event (nanoTime); the watching thread's alone. */
    private final Map<Path, Long> pending = new LinkedHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong indexed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong vanished = new AtomicLong();
    private final AtomicLong moved = new AtomicLong();
    private final AtomicLong removed = new AtomicLong();
    private boolean rescanAsked;
    private boolean registrationWarned;

    private LibraryWatcher(Builder b) throws IOException {
        this.pipeline = b.pipeline;
        this.roots = List.copyOf(b.roots);
        this.debounce = b.debounce;
        this.rescanInterval = b.rescanInterval;
        this.events = b.events;
        this.listener = b.listener;
        this.watchService = b.roots.get(0).getFileSystem().newWatchService();
    }

    public static Builder builder(BulkEmbeddingPipeline pipeline, List<Path> roots) {
        return new Builder(pipeline, roots);
    }

    /**
     * Watches until {@link #close()}: registers the folders, syncs everything once, then syncs settled changes and
     * rescans at the interval. Returns the totals once closed.
     */
    public Totals run() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("This watcher is already running");
        }
        try {
            if (events) {
                roots.forEach(this::registerTree);
            }
            listener.onWatching(registered.size());
            sync(Trigger.START, roots);
            long nextRescan = System.nanoTime() + rescanInterval.toNanos();
            while (!closed.get()) {
                long now = System.nanoTime();
                long wait = Math.min(nextRescan - now, untilSettled(now));
                WatchKey key = watchService.poll(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)),
                        TimeUnit.MILLISECONDS);
                while (key != null) {
                    take(key);
                    key = watchService.poll();
                }
                now = System.nanoTime();
                if (rescanAsked || now - nextRescan >= 0) {
                    rescanAsked = false;
                    pending.clear();
                    if (events) {
                        roots.forEach(this::registerTree);
                    }
                    sync(Trigger.RESCAN, roots);
                    nextRescan = System.nanoTime() + rescanInterval.toNanos();
                    continue;
                }
                List<Path> settled = settled(now);
                if (!settled.isEmpty()) {
                    sync(Trigger.EVENTS, settled);
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            stopped.countDown();
        }
        return totals();
    }

    /** What the watch did so far. */
    public Totals totals() {
        return new Totals(syncs.get(), indexed.get(), failed.get(), vanished.get(), moved.get(), removed.get());
    }

    /** The folders registered for events. */
    public int foldersWatched() {
        return registered.size();
    }

    private void sync(Trigger trigger, List<Path> changed) {
        if (closed.get()) {
            return;
        }
        try {
            PipelineSummary s = trigger == Trigger.EVENTS ? pipeline.update(changed, roots) : pipeline.run(roots);
            syncs.incrementAndGet();
            indexed.addAndGet(s.indexed());
            failed.addAndGet(s.failed());
            vanished.addAndGet(s.vanished());
            moved.addAndGet(s.moved());
            removed.addAndGet(s.removed());
            listener.onSync(new Sync(trigger, changed, s));
        } catch (IllegalStateException closedMeanwhile) {
            if (!closed.get()) {
                throw closedMeanwhile;
            }
        } catch (RuntimeException e) {
            if (closed.get()) {
                return;
            }
            LOG.warn("Sync ({}) failed: {}", trigger, e.toString());
            listener.onSyncFailed(trigger, e);
        }
    }

    /** Nanoseconds until the earliest pending path settles; a day when none is pending. */
    private long untilSettled(long now) {
        long earliest = Long.MAX_VALUE;
        for (long last : pending.values()) {
            earliest = Math.min(earliest, last + debounce.toNanos() - now);
        }
        return earliest == Long.MAX_VALUE ? TimeUnit.DAYS.toNanos(1) : Math.max(0, earliest);
    }

    /** The pending paths without an event for the debounce time, taken out of pending. */
    private List<Path> settled(long now) {
        List<Path> out = new ArrayList<>();
        for (Iterator<Map.Entry<Path, Long>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Path, Long> e = it.next();
            if (now - e.getValue() >= debounce.toNanos()) {
                out.add(e.getKey());
                it.remove();
            }
        }
        return out;
    }

    private void take(WatchKey key) {
        Path dir = keys.get(key);
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                LOG.info("File-system events were lost (overflow); rescanning");
                rescanAsked = true;
                continue;
            }
            if (dir == null) {
                continue;
            }
            Path changed = dir.resolve((Path) event.context());
            if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE && Files.isDirectory(changed)) {
                registerTree(changed);
            }
            // Re-inserted, so the order is the last event's.
            pending.remove(changed);
            pending.put(changed, System.nanoTime());
        }
        if (!key.reset()) {
            // The folder is gone (deleted, or its file system unmounted): its own deletion is an event of its parent.
            keys.remove(key);
            registered.remove(dir);
        }
    }

    /** Registers {@code top} and every folder under it not registered yet (links followed, loops skipped). */
    private void registerTree(Path top) {
        if (!Files.isDirectory(top)) {
            return;
        }
        try {
            Files.walkFileTree(top, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            register(dir);
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            if (!(e instanceof FileSystemLoopException)) {
                                LOG.debug("Cannot look into {}: {}", file, FileErrors.reason(e));
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            LOG.warn("Cannot watch {}: {}; its changes are found by the rescan every {}", top, FileErrors.reason(e),
                    Checks.format(rescanInterval));
        }
    }

    private void register(Path dir) {
        if (registered.contains(dir)) {
            return;
        }
        try {
            WatchKey key = dir.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            keys.put(key, dir);
            registered.add(dir);
        } catch (IOException e) {
            if (!registrationWarned) {
                registrationWarned = true;
                LOG.warn("Cannot watch {} for changes ({}); changes there, and in folders that fail alike, are found"
                        + " by the rescan every {}", dir, FileErrors.reason(e), Checks.format(rescanInterval));
            }
        } catch (ClosedWatchServiceException e) {
            // Closing.
        }
    }

    /**
     * Stops watching: the sync under way ends after its batches in flight are written (the pipeline is closed), and
     * {@link #run()} returns. Idempotent; waits up to a minute for {@link #run()} to return.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            watchService.close();
        } catch (IOException e) {
            LOG.debug("Closing the watch service: {}", e.toString());
        }
        pipeline.close();
        if (running.get()) {
            try {
                stopped.await(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Configures a {@link LibraryWatcher}. */
    public static final class Builder {
        /** The longest {@link #debounce}: 10 minutes. */
        public static final Duration MAX_DEBOUNCE = Duration.ofMinutes(10);
        /** The shortest {@link #rescanInterval}: 1 second. */
        public static final Duration MIN_RESCAN_INTERVAL = Duration.ofSeconds(1);
        /** The longest {@link #rescanInterval}: 7 days. */
        public static final Duration MAX_RESCAN_INTERVAL = Duration.ofDays(7);

        private final BulkEmbeddingPipeline pipeline;
        private final List<Path> roots;
        private Duration debounce = DEFAULT_DEBOUNCE;
        private Duration rescanInterval = DEFAULT_RESCAN_INTERVAL;
        private boolean events = true;
        private Listener listener = new Listener() {
        };

        private Builder(BulkEmbeddingPipeline pipeline, List<Path> roots) {
            if (pipeline == null) {
                throw new InvalidInputException("pipeline is null");
            }
            BulkEmbeddingPipeline.checkRoots(roots);
            this.pipeline = pipeline;
            this.roots = List.copyOf(roots);
        }

        /**
         * How long a changed path must have no event before it is synced: a file being written is indexed once it
         * settles. 0 to {@link #MAX_DEBOUNCE}; default {@link #DEFAULT_DEBOUNCE}.
         */
        public Builder debounce(Duration debounce) {
            this.debounce = Checks.inRange("debounce", debounce, Duration.ZERO, MAX_DEBOUNCE);
            return this;
        }

        /**
         * Time between full rescans, which find what no event told (network shares send none). 1 second to
         * {@link #MAX_RESCAN_INTERVAL}; default {@link #DEFAULT_RESCAN_INTERVAL}.
         */
        public Builder rescanInterval(Duration interval) {
            this.rescanInterval = Checks.inRange("rescanInterval", interval, MIN_RESCAN_INTERVAL, MAX_RESCAN_INTERVAL);
            return this;
        }

        /**
         * Whether to register the folders for file-system events. False relies on the rescans alone: for network
         * shares, which send no events, where registering thousands of folders only costs. Default true.
         */
        public Builder events(boolean events) {
            this.events = events;
            return this;
        }

        public Builder listener(Listener listener) {
            this.listener = listener == null ? new Listener() {
            } : listener;
            return this;
        }

        /** Opens the file system's watch service; registering the folders is {@link LibraryWatcher#run()}'s. */
        public LibraryWatcher build() {
            try {
                return new LibraryWatcher(this);
            } catch (IOException e) {
                throw new InvalidInputException("Cannot watch " + roots + " for changes: " + FileErrors.reason(e), e);
            }
        }
    }
}
