package dev.sdembed.spark.internal;

import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.pipeline.Progress;
import dev.sdembed.pipeline.ProgressListener;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.spark.PartitionListener;
import dev.sdembed.spark.PartitionReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskKilledException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task: the files of one partition (a file of {@code size<TAB>path} lines the driver wrote) through the local
 * {@link BulkEmbeddingPipeline}, on the encoders and store the executor JVM holds ({@link ExecutorSdembed}), shared
 * with the executor's other tasks. The
 * pipeline batches across the partition's files (64 per store transaction by default, two batches in flight: one
 * encoding while the next is hashed and read), so each encoder call embeds a batch, not a row.
 *
 * <p>Retries and speculative copies are harmless: a file already indexed with every slot current is skipped, image
 * records are unique by path (a second write of a path re-points it, the reference counts following), and a content
 * is stored and embedded once whoever writes it first.
 */
public final class IndexPartition implements FlatMapFunction<Iterator<String>, PartitionReport> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(IndexPartition.class);

    private final JobSettings settings;
    private final LongAccumulator indexed;
    private final LongAccumulator skipped;
    private final LongAccumulator failed;
    private final PartitionListener listener;

    /** The accumulators count files as batches are written; the driver's progress line reads them. */
    public IndexPartition(JobSettings settings, LongAccumulator indexed, LongAccumulator skipped,
                          LongAccumulator failed, PartitionListener listener) {
        this.settings = settings;
        this.indexed = indexed;
        this.skipped = skipped;
        this.failed = failed;
        this.listener = listener;
    }

    @Override
    public Iterator<PartitionReport> call(Iterator<String> partFiles) throws Exception {
        TaskContext task = TaskContext.get();
        int partition = task.partitionId();
        int attempt = task.attemptNumber();
        List<Path> files = new ArrayList<>();
        long listed = 0;
        while (partFiles.hasNext()) {
            listed += read(Path.of(partFiles.next()), files);
        }
        long vanished = listed - files.size();
        if (vanished > 0) {
            LOG.warn("Partition {}: {} of {} listed files no longer exist; they are not indexed", partition, vanished,
                    listed);
        }
        List<String> gpus = GpuAssignment.addresses(resources(task));
        Sdembed sdembed = ExecutorSdembed.get(settings, gpus);
        long start = System.currentTimeMillis();
        // Every listed file gone: nothing to run (the pipeline refuses an empty list of roots).
        PipelineSummary s = files.isEmpty() ? new PipelineSummary(0, 0, 0, 0, 0, 0, List.of(), 0, 0, Duration.ZERO,
                false) : run(sdembed, files, partition, attempt);
        List<PartitionReport.SlotWork> slots = s.slots().stream()
                .map(w -> new PartitionReport.SlotWork(w.slot(), w.computed(), w.encoderCalls(), w.cacheHits()))
                .toList();
        return List.of(new PartitionReport(partition, attempt, SparkEnv.get().executorId(),
                ProcessHandle.current().pid(), listed, vanished, s.indexed(), s.skipped(), s.failed(),
                s.imagesEmbedded(), slots, start, System.currentTimeMillis(), ExecutorSdembed.loads())).iterator();
    }

    private PipelineSummary run(Sdembed sdembed, List<Path> files, int partition, int attempt) {
        // The same pipeline `sdembed index` builds, without the store-wide totals each run would end with: the
        // driver reads them once, after the job (StoreTotals).
        TaskProgress progress = new TaskProgress(partition, attempt);
        BulkEmbeddingPipeline.Builder b = sdembed.pipeline().storeTotals(false).retryFailed(settings.retryFailed())
                .listener(progress);
        if (settings.batchSize() != null) {
            b.batchSize(settings.batchSize());
        }
        try (BulkEmbeddingPipeline pipeline = b.build()) {
            progress.pipeline = pipeline;
            PipelineSummary summary = pipeline.run(files);
            if (TaskContext.get().isInterrupted()) {
                // Killed (the losing copy of a speculative task, a cancelled job): what it wrote is committed.
                throw new TaskKilledException("stopped after its batches in flight");
            }
            return summary;
        }
    }

    /**
     * Adds the counts of each written batch to the job's accumulators and tells the listener; stops the pipeline
     * when Spark kills the task. A kill interrupts the task's thread, which waits for the pipeline's batch threads
     * and would not notice: the check after each batch closes the pipeline, whose batches in flight are written and
     * nothing more started.
     */
    private final class TaskProgress implements ProgressListener {
        private final TaskContext task = TaskContext.get();
        private final int partition;
        private final int attempt;
        private volatile BulkEmbeddingPipeline pipeline;
        private long lastIndexed;
        private long lastSkipped;
        private long lastFailed;

        TaskProgress(int partition, int attempt) {
            this.partition = partition;
            this.attempt = attempt;
        }

        @Override
        public void onProgress(Progress p) {
            indexed.add(p.filesDone() - lastIndexed);
            skipped.add(p.filesSkipped() - lastSkipped);
            failed.add(p.filesFailed() - lastFailed);
            lastIndexed = p.filesDone();
            lastSkipped = p.filesSkipped();
            lastFailed = p.filesFailed();
            if (task.isInterrupted() && pipeline != null) {
                pipeline.close();
                return;
            }
            listener.afterBatch(partition, attempt, p);
        }

        @Override
        public void onFileFailed(Path file, String reason) {
            // Stored as a failed record; `sdembed index --retry-failed` (or the job's) tries it again.
            LOG.warn("Cannot index {}: {}", file, reason);
        }
    }

    /** Appends the existing files of a part file to {@code files}; returns how many it lists. */
    private static long read(Path partFile, List<Path> files) {
        long listed = 0;
        try (BufferedReader r = Files.newBufferedReader(partFile, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                int tab = line.indexOf('\t');
                Path file = Path.of(line.substring(tab + 1));
                listed++;
                if (Files.exists(file)) {
                    files.add(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the partition's file list " + partFile + " (the job's"
                    + " --work-dir must be on storage every executor reads): " + e.getMessage(), e);
        }
        return listed;
    }

    private static Map<String, String[]> resources(TaskContext task) {
        Map<String, String[]> out = new HashMap<>();
        for (Map.Entry<String, ResourceInformation> e : task.resourcesJMap().entrySet()) {
            out.put(e.getKey(), e.getValue().addresses());
        }
        return out;
    }
}
