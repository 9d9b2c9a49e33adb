package dev.sdembed.spark;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.runtime.DefaultPaths;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.runtime.SlotConfig;
import dev.sdembed.runtime.StoreLocation;
import dev.sdembed.spark.internal.ExecutorSdembed;
import dev.sdembed.spark.internal.IndexPartition;
import dev.sdembed.spark.internal.JobProgress;
import dev.sdembed.spark.internal.JobSettings;
import dev.sdembed.spark.internal.StoreTotals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sdembed index} on Apache Spark: the same stages (hash, metadata, deduplication against the store, encode,
 * write) over files on storage every executor reads, into one PostgreSQL store.
 *
 * <ul>
 *   <li>The driver streams the walk of the roots (or a file of paths) into a work folder and cuts it into
 *       partitions of about equal bytes; it never holds the list in memory.</li>
 *   <li>Each task runs the local {@link BulkEmbeddingPipeline} over its partition's files, batching across them,
 *       on the encoders its executor JVM loaded once for every task (tasks running at once share them).</li>
 *   <li>GPU slots run on the GPUs Spark gave the task ({@code spark.task.resource.gpu.amount}).</li>
 *   <li>Writes are the pipeline's batched transactions, idempotent: a retried or speculative task skips what is
 *       done and rewrites nothing twice; a rerun skips done files as {@code sdembed index} does.</li>
 * </ul>
 *
 * <pre>{@code
 * SparkIndexJob job = SparkIndexJob.builder().roots(List.of(Path.of("/mnt/images")))
 *         .store("postgresql://sdembed@db:5432/sdembed").config(Path.of("/mnt/sdembed.json"))
 *         .workDir(Path.of("/mnt/scratch/sdembed-job")).build();
 * SparkIndexSummary summary = job.run(new JavaSparkContext(spark.sparkContext()));
 * }</pre>
 */
public final class SparkIndexJob {
    private static final Logger LOG = LoggerFactory.getLogger(SparkIndexJob.class);

    /** Default files per partition: small enough to spread and retry cheaply, large enough to batch well. */
    public static final int DEFAULT_FILES_PER_PARTITION = 1_000;

    private final List<Path> roots;
    private final Path pathsFile;
    private final JobSettings settings;
    private final List<String> slots;
    private final int filesPerPartition;
    private final Integer minPartitions;
    private final Path workDir;
    private final Duration progressInterval;
    private final PartitionListener listener;

    private SparkIndexJob(Builder b, JobSettings settings, List<String> slots) {
        this.roots = List.copyOf(b.roots);
        this.pathsFile = b.pathsFile;
        this.settings = settings;
        this.slots = slots;
        this.filesPerPartition = b.filesPerPartition;
        this.minPartitions = b.minPartitions;
        this.workDir = b.workDir;
        this.progressInterval = b.progressInterval;
        this.listener = b.listener;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Closes the encoders and stores this JVM opened as an executor. In local mode the driver is the executor and
     * keeps them for the next job; call this when done (the JVM's exit closes them too). On a cluster the executors
     * close theirs when they exit.
     */
    public static void closeExecutorResources() {
        ExecutorSdembed.closeAll();
    }

    /**
     * Runs the job on {@code spark}; returns when every partition is indexed. The work folder's lists are deleted
     * afterwards when the job made the folder itself.
     */
    public SparkIndexSummary run(JavaSparkContext spark) {
        long start = System.nanoTime();
        // local[N] and local-cluster[...]: every executor is on this machine and reads its temporary folder.
        boolean local = spark.master().startsWith("local");
        Path dir = workDir;
        boolean temporary = false;
        if (dir == null) {
            if (!local) {
                throw new InvalidInputException("A cluster job needs a work folder on storage every executor reads"
                        + " (--work-dir, SparkIndexJob.Builder.workDir): the driver writes the partitions' file"
                        + " lists there");
            }
            try {
                dir = Files.createTempDirectory("sdembed-spark-");
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create a temporary work folder: " + e.getMessage(), e);
            }
            temporary = true;
        }
        try {
            FileListing listing = new FileListing(BulkEmbeddingPipeline.DEFAULT_EXTENSIONS, dir);
            int min = minPartitions != null ? minPartitions : spark.defaultParallelism();
            FileListing.Listing files = pathsFile != null ? listing.read(pathsFile, min, filesPerPartition)
                    : listing.walk(roots, min, filesPerPartition);
            return index(spark, files, start);
        } finally {
            if (temporary) {
                delete(dir);
            }
        }
    }

    private SparkIndexSummary index(JavaSparkContext spark, FileListing.Listing files, long start) {
        LongAccumulator indexed = spark.sc().longAccumulator("sdembed files indexed");
        LongAccumulator skipped = spark.sc().longAccumulator("sdembed files skipped");
        LongAccumulator failed = spark.sc().longAccumulator("sdembed files failed");
        JobProgress progress = new JobProgress(files.files(), files.partFiles().size(), indexed, skipped, failed);
        spark.sc().addSparkListener(progress);
        ScheduledExecutorService logger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sdembed-spark-progress");
            t.setDaemon(true);
            return t;
        });
        logger.scheduleAtFixedRate(progress::log, progressInterval.toMillis(), progressInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        List<PartitionReport> reports;
        StoreTotals.Totals totals;
        try {
            spark.setJobDescription("sdembed index: " + files.files() + " files in " + files.partFiles().size()
                    + " partitions");
            List<PartitionReport> collected = files.partFiles().isEmpty() ? List.of()
                    : spark.parallelize(files.partFiles(), files.partFiles().size())
                            .mapPartitions(new IndexPartition(settings, indexed, skipped, failed, listener)).collect();
            reports = new ArrayList<>(collected);
            reports.sort(Comparator.comparingInt(PartitionReport::partition));
        } finally {
            logger.shutdownNow();
            spark.sc().removeSparkListener(progress);
        }
        progress.log();
        spark.setJobDescription("sdembed index: the store's totals");
        totals = spark.parallelize(List.of(0), 1).map(new StoreTotals(settings)).collect().get(0);
        spark.setJobDescription(null);
        SparkIndexSummary summary = new SparkIndexSummary(summarize(files, reports, totals, start), reports,
                progress.failedAttempts());
        LOG.info("Indexed {} of {} files ({} skipped, {} failed) in {} partitions, {} failed task attempts, in {} ms",
                summary.summary().indexed(), files.files(), summary.summary().skipped(), summary.summary().failed(),
                reports.size(), progress.failedAttempts(), summary.summary().wallTime().toMillis());
        return summary;
    }

    /** The partitions' counts added up, per slot in configuration order, with the store's totals. */
    private PipelineSummary summarize(FileListing.Listing files, List<PartitionReport> reports,
                                      StoreTotals.Totals totals, long start) {
        long indexed = 0;
        long skipped = 0;
        long failed = 0;
        long images = 0;
        long vanished = 0;
        Map<String, long[]> work = new LinkedHashMap<>();
        slots.forEach(s -> work.put(s, new long[3]));
        for (PartitionReport r : reports) {
            indexed += r.indexed();
            skipped += r.skipped();
            failed += r.failed();
            images += r.imagesEmbedded();
            vanished += r.vanished();
            for (PartitionReport.SlotWork w : r.slots()) {
                long[] sum = work.computeIfAbsent(w.slot(), k -> new long[3]);
                sum[0] += w.computed();
                sum[1] += w.encoderCalls();
                sum[2] += w.cacheHits();
            }
        }
        List<PipelineSummary.SlotSummary> perSlot = new ArrayList<>();
        work.forEach((slot, w) -> perSlot.add(new PipelineSummary.SlotSummary(slot, w[0], w[1], w[2])));
        return new PipelineSummary(files.files() - vanished, indexed, skipped, failed, images, totals.textContents(),
                perSlot, totals.vectorBytesStored(), totals.vectorBytesWithoutDedup(),
                Duration.ofNanos(System.nanoTime() - start), false);
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Cannot delete the work folder {}: {}", dir, e.toString());
        }
    }

    /** Configures a {@link SparkIndexJob}; {@link #build()} reads and checks the configuration without loading. */
    public static final class Builder {
        /** The most files per partition: a partition's list is read into the task's memory. */
        public static final int MAX_FILES_PER_PARTITION = 1_000_000;

        private List<Path> roots = List.of();
        private Path pathsFile;
        private Path config;
        private Path defaultModel = DefaultPaths.bgeSmall();
        private String store;
        private String schema;
        private boolean retryFailed;
        private Integer batchSize;
        private int filesPerPartition = DEFAULT_FILES_PER_PARTITION;
        private Integer minPartitions;
        private Path workDir;
        private Duration progressInterval = Duration.ofSeconds(10);
        private PartitionListener listener = PartitionListener.NONE;

        private Builder() {
        }

        /** Folders (walked recursively, following links) and image files to index. */
        public Builder roots(List<Path> roots) {
            this.roots = List.copyOf(roots);
            return this;
        }

        /** A file listing the images to index, one path per line (relative ones against its folder); or roots. */
        public Builder pathsFile(Path pathsFile) {
            this.pathsFile = pathsFile;
            return this;
        }

        /** The configuration file (store, pipeline, slots); null (the default) for slot prompt_bge on bge-small. */
        public Builder config(Path config) {
            this.config = config;
            return this;
        }

        /** bge-small's folder for the default slot. Default: {@code models/bge-small-en-v1.5} of sdembed's home. */
        public Builder defaultModel(Path folder) {
            this.defaultModel = Objects.requireNonNull(folder, "defaultModel");
            return this;
        }

        /** The PostgreSQL store's URL, instead of the configuration's {@code store.url}. */
        public Builder store(String url) {
            this.store = url;
            return this;
        }

        /** The store's schema, instead of the configuration's {@code store.schema}. */
        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        /** Indexes files stored as failed again. Default false. */
        public Builder retryFailed(boolean retryFailed) {
            this.retryFailed = retryFailed;
            return this;
        }

        /** Files per store transaction; default the configuration's {@code pipeline.batchSize}, else 64. */
        public Builder batchSize(Integer files) {
            this.batchSize = files == null ? null
                    : Checks.inRange("batchSize", files, 1, BulkEmbeddingPipeline.Builder.MAX_BATCH_SIZE);
            return this;
        }

        /**
         * About how many files a partition holds, 1 to {@link #MAX_FILES_PER_PARTITION}; the partitions are cut by
         * bytes. Default {@value SparkIndexJob#DEFAULT_FILES_PER_PARTITION}.
         */
        public Builder filesPerPartition(int files) {
            this.filesPerPartition = Checks.inRange("filesPerPartition", files, 1, MAX_FILES_PER_PARTITION);
            return this;
        }

        /** The fewest partitions (when there are as many files). Default: Spark's default parallelism. */
        public Builder minPartitions(Integer partitions) {
            this.minPartitions = partitions == null ? null
                    : Checks.inRange("minPartitions", partitions, 1, MAX_FILES_PER_PARTITION);
            return this;
        }

        /**
         * Where the driver writes the file lists, on storage every executor reads. Default in local mode: a
         * temporary folder, deleted after the job (also in local-cluster mode, whose executors are on this machine);
         * required on a cluster.
         */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** Time between progress lines in the driver's log. Default 10 seconds. */
        public Builder progressInterval(Duration interval) {
            Checks.inRange("progressInterval (ms)", interval.toMillis(), 100, 86_400_000);
            this.progressInterval = interval;
            return this;
        }

        /** Called on the executors after each written batch (tests inject task failures with it). */
        public Builder listener(PartitionListener listener) {
            this.listener = listener == null ? PartitionListener.NONE : listener;
            return this;
        }

        /**
         * Checks the roots, the configuration (its models must exist, also here on the driver) and that the store is
         * PostgreSQL; loads no model and opens no store.
         */
        public SparkIndexJob build() {
            if (roots.isEmpty() == (pathsFile == null)) {
                throw new InvalidInputException(roots.isEmpty() ? "Nothing to index: give folders or a paths file"
                        : "Give folders or a paths file, not both");
            }
            if (pathsFile != null && !Files.isRegularFile(pathsFile)) {
                throw new InvalidInputException("Paths file " + pathsFile + " does not exist");
            }
            Path configFile = config == null ? null : config.toAbsolutePath().normalize();
            JobSettings settings = new JobSettings(configFile == null ? null : configFile.toString(),
                    defaultModel.toAbsolutePath().normalize().toString(), store, schema, retryFailed, batchSize);
            SdembedConfig read = settings.readConfig();
            StoreLocation location = Sdembed.builder(read).store(store).schema(schema).storeLocation();
            if (location.isEmbedded()) {
                throw new InvalidInputException("The Spark job writes from many executors at once, which the embedded"
                        + " store (" + location + ") does not allow: give a PostgreSQL store, --store"
                        + " postgresql://user@host:5432/db or store.url in the configuration");
            }
            return new SparkIndexJob(this, settings, read.slots().stream().map(SlotConfig::name).toList());
        }
    }
}
