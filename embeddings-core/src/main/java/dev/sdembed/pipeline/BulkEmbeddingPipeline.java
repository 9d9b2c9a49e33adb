package dev.sdembed.pipeline;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.Encoder;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.internal.RegularFiles;
import dev.sdembed.metadata.MetadataReader;
import dev.sdembed.metadata.MetadataReaders;
import dev.sdembed.pipeline.internal.DeviceWorker;
import dev.sdembed.pipeline.internal.SlotWorker;
import dev.sdembed.internal.StoredPaths;
import dev.sdembed.store.EmbeddingStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Indexes folders of generated images into an {@link EmbeddingStore}: reads each file's prompt and negative prompt,
 * embeds every text and image content once per slot, and writes image records that reference the stored
 * embeddings. Resumable: a file already stored with the same size and modification time and a current embedding
 * in every slot is skipped, so a run stopped at any point (even killed) continues where it stopped.
 *
 * <p>The walk is streamed and at most {@link Builder#batchesInFlight(int)} batches of
 * {@link Builder#batchSize(int)} files are held at once, so memory does not grow with the library. Encoder calls
 * are scheduled per {@linkplain Encoder#device() device}: one thread per device runs the calls of the encoders on
 * it one at a time, taking turns between them, so encoders sharing a GPU (or a CPU partition) never contend while
 * encoders on different devices run concurrently. Each encoder cuts its calls into its own batch sizes. A batch is
 * written in one transaction.
 * A file that cannot be read or decoded becomes a failed record with the reason and never stops the run, whatever
 * its reader or decoder throws; the header, hash and metadata of a file come from one read (a file that changes
 * meanwhile is read again once, then fails unrecorded). Encoder and store failures stop the run, and so do errors
 * that say the JVM or the installation is broken (out of memory, a missing class).
 *
 * <pre>{@code
 * try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store)
 *         .textSlot("prompt_bge", bge)
 *         .imageSlot("image_clip_h", clipVision)
 *         .build()) {
 *     PipelineSummary summary = pipeline.run(Path.of("/data/outputs"));
 * }
 * }</pre>
 *
 * <p>The encoders and the store stay the caller's: {@link #close()} stops a run and releases the pipeline's
 * threads, nothing else.
 */
public final class BulkEmbeddingPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BulkEmbeddingPipeline.class);

    /** File name extensions indexed by default. */
    public static final Set<String> DEFAULT_EXTENSIONS = Set.of("png", "jpg", "jpeg", "webp");

    private final PipelineRun.Settings settings;
    private final List<DeviceWorker> devices;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean threadsReleased = new AtomicBoolean();
    private final ReentrantLock running = new ReentrantLock();

    private BulkEmbeddingPipeline(Builder b) {
        this.devices = new ArrayList<>();
        this.settings = new PipelineRun.Settings(b.store, startWorkers(b, devices), b.reader, b.decoder, b.retryFailed,
                b.batchSize, b.batchesInFlight, b.extensions, b.listener, b.prune, b.pixelHashes, b.storeTotals);
    }

    /** One device worker per distinct device of the slots' encoders, and the slots bound to them. */
    private static List<SlotWorker> startWorkers(Builder b, List<DeviceWorker> devices) {
        Map<Device, List<String>> byDevice = new LinkedHashMap<>();
        b.slotEncoders.forEach((slot, encoder) ->
                byDevice.computeIfAbsent(encoder.device(), d -> new ArrayList<>()).add(slot));
        Map<String, DeviceWorker> workerOf = new LinkedHashMap<>();
        byDevice.forEach((device, slots) -> {
            // Every running batch has at most one call per slot waiting: the bound never stalls the pipeline.
            DeviceWorker w = new DeviceWorker(device, slots, b.batchesInFlight * slots.size());
            devices.add(w);
            slots.forEach(s -> workerOf.put(s, w));
            LOG.debug("Device {} runs slots {}", device, slots);
        });
        List<SlotWorker> workers = new ArrayList<>();
        b.slotEncoders.forEach((slot, encoder) -> workers.add(b.encoders.get(slot).modality() == Modality.TEXT
                ? SlotWorker.text(slot, (TextEncoder) encoder, workerOf.get(slot))
                : SlotWorker.image(slot, (ImageEncoder) encoder, workerOf.get(slot))));
        return List.copyOf(workers);
    }

    public static Builder builder(EmbeddingStore store) {
        return new Builder(store);
    }

    public PipelineSummary run(Path... roots) {
        return run(Arrays.asList(roots));
    }

    /**
     * Indexes every image file under {@code roots} (folders walked recursively, following links; files taken as
     * given), and finds the indexed files that are gone from the folders walked: reported to the listener and in the
     * summary, their records removed (or re-pointed, for files found at a new path) when the pipeline
     * {@linkplain Builder#prune prunes}. A root that is missing or an empty folder, as an unmounted drive is, is
     * told to the listener and left alone: nothing under it is judged gone. Returns when all are done or the
     * pipeline is closed; throws when an encoder or the store fails, after the batches in flight have ended.
     */
    public PipelineSummary run(List<Path> roots) {
        checkRoots(roots);
        List<PipelineRun.Target> targets = new ArrayList<>();
        roots.forEach(r -> targets.add(new PipelineRun.Target(r, PipelineRun.Kind.ROOT)));
        return runTargets(targets);
    }

    /**
     * Brings the store in step with paths that changed under {@code roots} (what a file-system watch reports): a file
     * is indexed (when changed or new), a folder walked as a root is, and a path that no longer exists has its record,
     * and the records under it, found gone; files that moved within the changes are recognised as in {@link #run}.
     * Changes under a root that is missing or an empty folder are left alone, that root told to the listener.
     */
    public PipelineSummary update(List<Path> changed, List<Path> roots) {
        if (changed == null || roots == null) {
            throw new InvalidInputException("Changed paths and roots must not be null");
        }
        List<PipelineRun.Target> targets = new ArrayList<>();
        Set<Path> unscanned = new LinkedHashSet<>();
        for (Path path : changed) {
            Path root = roots.stream().filter(r -> path.toAbsolutePath().normalize()
                    .startsWith(r.toAbsolutePath().normalize())).findFirst().orElse(null);
            if (root != null && PipelineRun.isMissingOrEmpty(root)) {
                unscanned.add(root);
                continue;
            }
            PipelineRun.Kind kind = Files.isDirectory(path) ? PipelineRun.Kind.FOLDER
                    : Files.isRegularFile(path) ? PipelineRun.Kind.FILE : PipelineRun.Kind.GONE;
            targets.add(new PipelineRun.Target(path, kind));
        }
        unscanned.forEach(r -> targets.add(new PipelineRun.Target(r, PipelineRun.Kind.ROOT)));
        return runTargets(targets);
    }

    private PipelineSummary runTargets(List<PipelineRun.Target> targets) {
        if (!running.tryLock()) {
            throw new IllegalStateException("This pipeline is already running; one run at a time");
        }
        try {
            if (closed.get()) {
                throw new IllegalStateException("This pipeline is closed");
            }
            return new PipelineRun(settings, closed::get).run(targets);
        } finally {
            running.unlock();
            if (closed.get()) {
                releaseThreads();
            }
        }
    }

    /**
     * Checks {@code roots} as {@link #run} does: each is a folder or a regular file, or missing (an unmounted drive:
     * the run leaves it alone) as long as another root exists. Anything else is refused naming what it is (a FIFO
     * given as a root would otherwise be walked as an empty folder: "Indexed 0 of 0 files"), and so are roots that
     * are all missing. Front ends call it before they load encoders and open a store, so a mistyped root fails at
     * once.
     */
    public static void checkRoots(List<Path> roots) {
        if (roots == null || roots.isEmpty()) {
            throw new InvalidInputException("No folders to index; name at least one");
        }
        boolean anyExists = roots.stream().anyMatch(r -> r != null && Files.exists(r));
        roots.forEach(r -> checkRoot(r, anyExists));
    }

    private static void checkRoot(Path root, boolean anotherExists) {
        if (root == null) {
            throw new InvalidInputException("A folder to index is null");
        }
        if (Files.isDirectory(root) || Files.isRegularFile(root)) {
            return;
        }
        if (anotherExists && !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isSymbolicLink(root)) {
            throw new InvalidInputException("Folder to index " + root + " is a symbolic link to "
                    + linkTarget(root) + ", which does not exist or is a link loop");
        }
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            String hint = root.toString().indexOf('\uFFFD') >= 0 ? " (U+FFFD in a name stands for bytes this"
                    + " system's file name encoding cannot decode, and such a name cannot be given as text; give its"
                    + " folder instead)" : "";
            throw new InvalidInputException("Folder to index " + root + " does not exist" + hint);
        }
        throw new InvalidInputException("Cannot index " + root + ": it is " + RegularFiles.kind(root)
                + "; give folders or regular image files");
    }

    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "an unreadable target";
        }
    }

    /**
     * The text a run stores {@code file}'s record under (what {@link EmbeddingStore#findImages} takes): the
     * absolute, normalised path; where the file name has bytes the platform's file name encoding cannot decode
     * (a Latin-1 name on a UTF-8 Linux system), each such byte is written {@code \xHH}, so the text is displayable
     * and tells such names apart. Files are always read through their {@link Path}, never through this text.
     */
    public static String storedPath(Path file) {
        return StoredPaths.of(file);
    }

    /**
     * Stops a run: no new batch starts, the batches in flight finish and are written (each is one transaction, so
     * the store stays consistent), then {@link #run} returns a summary marked cancelled. Waits for that, then
     * releases the encoder threads. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || PipelineRun.onBatchThread()) {
            // Called from a listener inside the run: the run itself releases the threads when it returns.
            return;
        }
        try {
            // Wait for the run (if any) to hand back; the lock is free once it has.
            if (running.tryLock(1, TimeUnit.HOURS)) {
                running.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!running.isHeldByCurrentThread()) {
                releaseThreads();
            }
        }
    }

    private void releaseThreads() {
        if (threadsReleased.compareAndSet(false, true)) {
            devices.forEach(DeviceWorker::close);
        }
    }

    /** Configures a {@link BulkEmbeddingPipeline}; {@link #build()} checks the slots against the store. */
    public static final class Builder {
        /**
         * The largest {@link #batchSize(int)}: 100,000 files in one transaction. Past a few thousand a batch only
         * holds more memory and makes a stop (or a crash) lose more work; the bound catches a typo before it does.
         */
        public static final int MAX_BATCH_SIZE = 100_000;
        /**
         * The largest {@link #batchesInFlight(int)}: 64. Each batch in flight is a thread and up to two batches of
         * files in memory, and two already keep the encoders busy; past 64 only memory grows.
         */
        public static final int MAX_BATCHES_IN_FLIGHT = 64;

        private final EmbeddingStore store;
        private final Map<String, Encoder> slotEncoders = new LinkedHashMap<>();
        private final Map<String, EncoderInfo> encoders = new LinkedHashMap<>();
        private MetadataReader reader = MetadataReaders.standard();
        private ImageDecoder decoder = ImageDecoder.defaults();
        private int batchSize = 64;
        private int batchesInFlight = 2;
        private Set<String> extensions = DEFAULT_EXTENSIONS;
        private boolean retryFailed;
        private boolean prune;
        private boolean pixelHashes = true;
        private boolean storeTotals = true;
        private ProgressListener listener = ProgressListener.NONE;

        private Builder(EmbeddingStore store) {
            if (store == null) {
                throw new InvalidInputException("store is null");
            }
            this.store = store;
        }

        /**
         * Fills text slot {@code slot} with {@code encoder}: prompts and negative prompts share its key space (the
         * role lives on the image record). The store must have the slot with the encoder's fingerprint.
         */
        public Builder textSlot(String slot, TextEncoder encoder) {
            add(slot, encoder, Modality.TEXT);
            slotEncoders.put(slot, encoder);
            return this;
        }

        /** Fills image slot {@code slot} with {@code encoder}. */
        public Builder imageSlot(String slot, ImageEncoder encoder) {
            add(slot, encoder, Modality.IMAGE);
            slotEncoders.put(slot, encoder);
            return this;
        }

        private void add(String slot, Encoder encoder, Modality expected) {
            if (encoder == null) {
                throw new InvalidInputException("Slot '" + slot + "' has no encoder");
            }
            EncoderInfo info = encoder.info();
            if (encoder.device() == null) {
                throw new InvalidInputException("Encoder " + info.name() + " of slot '" + slot
                        + "' reports no device; Encoder#device() must not return null");
            }
            if (info.modality() != expected) {
                throw new InvalidInputException("Slot '" + slot + "' takes a " + expected.name().toLowerCase(Locale.ROOT)
                        + " encoder; " + info.name() + " reads " + info.modality().name().toLowerCase(Locale.ROOT));
            }
            if (encoders.putIfAbsent(slot, info) != null) {
                throw new InvalidInputException("Slot '" + slot + "' is configured twice");
            }
        }

        /** Reads the prompts. Default {@link MetadataReaders#standard()}. */
        public Builder metadataReader(MetadataReader reader) {
            this.reader = reader;
            return this;
        }

        /** Reads image headers (format, size, the pixel limit). Default {@link ImageDecoder#defaults()}. */
        public Builder imageDecoder(ImageDecoder decoder) {
            this.decoder = decoder;
            return this;
        }

        /** Files per store transaction, 1 to {@link #MAX_BATCH_SIZE}. Default 64. */
        public Builder batchSize(int files) {
            this.batchSize = Checks.inRange("batchSize", files, 1, MAX_BATCH_SIZE);
            return this;
        }

        /**
         * Batches processed at the same time (while one waits for its encoders, the next is hashed and read), 1 to
         * {@link #MAX_BATCHES_IN_FLIGHT}. Default 2.
         */
        public Builder batchesInFlight(int batches) {
            this.batchesInFlight = Checks.inRange("batchesInFlight", batches, 1, MAX_BATCHES_IN_FLIGHT);
            return this;
        }

        /** File name extensions to index, without the dot, any case. Default png, jpg, jpeg, webp. */
        public Builder extensions(Set<String> extensions) {
            if (extensions == null || extensions.isEmpty()) {
                throw new InvalidInputException("extensions is empty; expected e.g. png, jpg, jpeg, webp");
            }
            Set<String> clean = new LinkedHashSet<>();
            for (String e : extensions) {
                clean.add(e.toLowerCase(Locale.ROOT).replaceFirst("^\\.", ""));
            }
            this.extensions = clean;
            return this;
        }

        /**
         * Removes the records of indexed files that are gone from the folders a run walks (see {@link #run}), with the
         * contents and embeddings only they used, in the same transactions; records of files found at a new path are
         * re-pointed there instead (their ids kept, nothing embedded again). Roots that are missing or empty folders
         * are never pruned. Default false: gone files are only reported, their records stay.
         */
        public Builder prune(boolean prune) {
            this.prune = prune;
            return this;
        }

        /**
         * Computes each new image content's {@link dev.sdembed.image.PixelHash} from its decoded pixels (what
         * {@code duplicates --by pixels} compares), and for contents stored without one reads their files again (no
         * encoder runs for them). A file whose pixels cannot be decoded then fails as it does for an image slot.
         * Default true; false saves a decode per new image where no image slot decodes it anyway.
         */
        public Builder pixelHashes(boolean pixelHashes) {
            this.pixelHashes = pixelHashes;
            return this;
        }

        /**
         * Whether a run ends by reading the store's totals ({@link EmbeddingStore#stats()}) for its summary: the
         * texts and bytes of vectors stored, and {@link PipelineSummary#store()}. Default true; false leaves them 0
         * and null, for callers that run the pipeline many times over one store and read the totals once themselves
         * (a Spark job's tasks: counts over every table, seconds on a store of ten million images, per partition).
         */
        public Builder storeTotals(boolean storeTotals) {
            this.storeTotals = storeTotals;
            return this;
        }

        /** Indexes files stored as failed again even when unchanged. Default false: they are skipped. */
        public Builder retryFailed(boolean retryFailed) {
            this.retryFailed = retryFailed;
            return this;
        }

        public Builder listener(ProgressListener listener) {
            this.listener = listener == null ? ProgressListener.NONE : listener;
            return this;
        }

        public BulkEmbeddingPipeline build() {
            if (slotEncoders.isEmpty()) {
                throw new InvalidInputException("No slots configured; add a textSlot or an imageSlot");
            }
            if (reader == null || decoder == null) {
                throw new InvalidInputException("metadataReader and imageDecoder must not be null");
            }
            encoders.forEach((name, info) -> store.slot(name).requireEncoder(info));
            return new BulkEmbeddingPipeline(this);
        }
    }
}
