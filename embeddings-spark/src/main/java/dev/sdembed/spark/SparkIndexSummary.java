package dev.sdembed.spark;

import dev.sdembed.pipeline.PipelineSummary;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a {@link SparkIndexJob} did: the same summary a local {@code sdembed index} run gives (its counts added up
 * over the partitions' successful attempts, the store's totals after the job), and how Spark ran it.
 *
 * @param summary        the run's summary, as {@code sdembed index} prints it
 * @param partitions     one report per partition, from the attempt that succeeded
 * @param failedAttempts task attempts that failed and were run again
 */
public record SparkIndexSummary(PipelineSummary summary, List<PartitionReport> partitions, int failedAttempts) {
    public SparkIndexSummary {
        partitions = List.copyOf(partitions);
    }

    /** Per executor JVM (process id), the sets of encoders it had loaded by the end of its last partition. */
    public Map<Long, Integer> encoderLoadsByJvm() {
        Map<Long, Integer> loads = new TreeMap<>();
        for (PartitionReport p : partitions) {
            loads.merge(p.pid(), p.encoderLoads(), Math::max);
        }
        return loads;
    }
}
