package dev.sdembed.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What one task did with its partition, sent back to the driver: the pipeline's counts, which JVM ran it, and when.
 *
 * @param partition    the partition's index
 * @param attempt      the task's attempt number (0 unless Spark retried it)
 * @param executorId   Spark's id of the executor ({@code driver} in local mode)
 * @param pid          the JVM's process id
 * @param files        files listed in the partition
 * @param vanished     of those, files gone by the time the task ran (not indexed, not counted below)
 * @param indexed      files indexed
 * @param skipped      files already indexed and current
 * @param failed       files stored as failed
 * @param imagesEmbedded image contents embedded
 * @param slots        per slot, what its encoder did
 * @param startMillis  when the task started its pipeline, its encoders loaded (epoch milliseconds)
 * @param endMillis    when the pipeline's last batch was written
 * @param encoderLoads sets of encoders the task's JVM had loaded when the task ended
 */
public record PartitionReport(int partition, int attempt, String executorId, long pid, long files, long vanished,
                              long indexed, long skipped, long failed, long imagesEmbedded, List<SlotWork> slots,
                              long startMillis, long endMillis, int encoderLoads)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public PartitionReport {
        slots = List.copyOf(slots);
    }

    /** One slot's encoder work in a partition. */
    public record SlotWork(String slot, long computed, long encoderCalls, long cacheHits) implements Serializable {
        private static final long serialVersionUID = 1L;
    }
}
