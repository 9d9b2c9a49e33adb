package dev.sdembed.spark;

import dev.sdembed.pipeline.Progress;
import java.io.Serializable;

/**
 * Follows the tasks of a {@link SparkIndexJob} on the executors: called on the task's thread after each batch of
 * its partition is written. Sent to the executors with the job, so it must be serializable; it must return quickly.
 * A listener that throws fails the task (which Spark then retries): the tests inject failures this way.
 */
@FunctionalInterface
public interface PartitionListener extends Serializable {

    /** A listener that does nothing. */
    PartitionListener NONE = (partition, attempt, progress) -> {
    };

    /**
     * After a batch of partition {@code partition}'s files was written, with the partition's counts so far.
     *
     * @param attempt the task's attempt number: 0, then 1, 2, ... when Spark runs the partition again
     */
    void afterBatch(int partition, int attempt, Progress progress);
}
