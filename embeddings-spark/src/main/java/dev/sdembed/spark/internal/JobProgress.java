package dev.sdembed.spark.internal;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The job's progress in the driver's log while it runs: files indexed, skipped and failed, the rate and the time
 * left. The accumulators hold what finished tasks counted; running tasks' counts arrive with the executors'
 * heartbeats ({@code spark.executor.heartbeatInterval}, 10 s by default), so the line moves between task ends too.
 * A failed attempt's counts are dropped (its retry counts the files it finds done as skipped).
 */
public final class JobProgress extends SparkListener {
    private static final Logger LOG = LoggerFactory.getLogger("dev.sdembed.spark.progress");

    private final long totalFiles;
    private final int partitions;
    private final LongAccumulator indexed;
    private final LongAccumulator skipped;
    private final LongAccumulator failed;
    private final long start = System.nanoTime();
    /** Per running task: its latest indexed, skipped and failed counts from a heartbeat. */
    private final Map<Long, long[]> running = new ConcurrentHashMap<>();
    private final AtomicInteger tasksDone = new AtomicInteger();
    private final AtomicInteger tasksFailed = new AtomicInteger();

    public JobProgress(long totalFiles, int partitions, LongAccumulator indexed, LongAccumulator skipped,
                       LongAccumulator failed) {
        this.totalFiles = totalFiles;
        this.partitions = partitions;
        this.indexed = indexed;
        this.skipped = skipped;
        this.failed = failed;
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task
                : CollectionConverters.asJava(update.accumUpdates())) {
            long[] counts = null;
            for (AccumulableInfo info : CollectionConverters.asJava(task._4())) {
                int which = info.id() == indexed.id() ? 0 : info.id() == skipped.id() ? 1
                        : info.id() == failed.id() ? 2 : -1;
                if (which >= 0 && info.update().isDefined()) {
                    counts = counts == null ? new long[3] : counts;
                    counts[which] = ((Number) info.update().get()).longValue();
                }
            }
            if (counts != null) {
                running.put((Long) task._1(), counts);
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        running.remove(end.taskInfo().taskId());
        if (end.taskInfo().successful()) {
            tasksDone.incrementAndGet();
        } else {
            tasksFailed.incrementAndGet();
            LOG.warn("Task for partition {} (attempt {}) on executor {} failed: {} (Spark runs a failed task again up to"
                            + " spark.task.maxFailures times; local[N] does not retry, local[N,F] does)",
                    end.taskInfo().partitionId(), end.taskInfo().attemptNumber(), end.taskInfo().executorId(),
                    end.reason() instanceof ExceptionFailure f ? f.className() + ": " + f.description()
                            : end.reason().toString());
        }
    }

    /** Task attempts that failed (each retried by Spark, up to {@code spark.task.maxFailures}). */
    public int failedAttempts() {
        return tasksFailed.get();
    }

    /** Logs the counts so far. */
    public void log() {
        LOG.info(line());
    }

    /**
     * The counts so far: {@code progress 1200/2000 files, 1100 indexed, 100 skipped, 0 failed, 35.2 files/s, ETA
     * 0:00:22; 3/8 partitions done}.
     */
    public String line() {
        long[] sum = {indexed.value(), skipped.value(), failed.value()};
        for (long[] c : List.copyOf(running.values())) {
            for (int i = 0; i < 3; i++) {
                sum[i] += c[i];
            }
        }
        long processed = sum[0] + sum[1] + sum[2];
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = seconds <= 0 ? 0 : processed / seconds;
        String eta = rate <= 0 ? "" : ", ETA " + format(Duration.ofSeconds(
                Math.round(Math.max(0, totalFiles - processed) / rate)));
        return String.format(Locale.ROOT, "progress %d/%d files, %d indexed, %d skipped, %d failed, %.1f files/s%s;"
                + " %d/%d partitions done", processed, totalFiles, sum[0], sum[1], sum[2], rate, eta, tasksDone.get(),
                partitions);
    }

    private static String format(Duration d) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}
