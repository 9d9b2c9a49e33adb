package dev.sdembed.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.spark.internal.JobProgress;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.Tuple2;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The driver's progress line: finished tasks' counts from the accumulators plus running tasks' latest counts from
 * the executors' heartbeats, with the rate and the time left.
 */
class JobProgressTest {
    @Test
    void addsRunningTasksHeartbeatCountsToTheFinishedOnes() {
        try (JavaSparkContext spark = SparkFixtures.spark("local[1]")) {
            LongAccumulator indexed = spark.sc().longAccumulator("indexed");
            LongAccumulator skipped = spark.sc().longAccumulator("skipped");
            LongAccumulator failed = spark.sc().longAccumulator("failed");
            JobProgress progress = new JobProgress(1000, 8, indexed, skipped, failed);
            assertThat(progress.line()).isEqualTo("progress 0/1000 files, 0 indexed, 0 skipped, 0 failed, 0.0 files/s;"
                    + " 0/8 partitions done");

            indexed.add(300);
            skipped.add(100);
            // Task 7 is running: its heartbeat says 50 indexed and 2 failed so far.
            progress.onExecutorMetricsUpdate(heartbeat(7, Map.of(indexed, 50L, failed, 2L)));
            assertThat(progress.line()).matches("progress 452/1000 files, 350 indexed, 100 skipped, 2 failed,"
                    + " [0-9.]+ files/s, ETA \\d+:\\d\\d:\\d\\d; 0/8 partitions done");
            // A later heartbeat replaces the task's counts rather than adding to them.
            progress.onExecutorMetricsUpdate(heartbeat(7, Map.of(indexed, 60L, failed, 2L)));
            assertThat(progress.line()).startsWith("progress 462/1000 files, 360 indexed, 100 skipped, 2 failed");
        }
    }

    private static SparkListenerExecutorMetricsUpdate heartbeat(long taskId, Map<LongAccumulator, Long> counts) {
        List<AccumulableInfo> infos = counts.entrySet().stream()
                .map(e -> e.getKey().toInfo(Option.apply((Object) e.getValue()), Option.empty())).toList();
        Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task = new Tuple4<>(taskId, 0,
                0, CollectionConverters.asScala(infos).toList());
        return new SparkListenerExecutorMetricsUpdate("driver", CollectionConverters.asScala(List.of(task)).toList(),
                CollectionConverters.asScala(Map.<Tuple2<Object, Object>, ExecutorMetrics>of()));
    }
}
