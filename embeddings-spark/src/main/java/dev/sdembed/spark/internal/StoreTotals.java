package dev.sdembed.spark.internal;

import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import java.io.Serializable;
import org.apache.spark.api.java.function.Function;

/**
 * A one-task job the driver runs after the index job: the store's totals for the end-of-run summary, asked once
 * through an executor's open store (the driver loads no encoders), instead of once per partition.
 */
public final class StoreTotals implements Function<Integer, StoreTotals.Totals> {
    private static final long serialVersionUID = 1L;

    /** The figures of the summary that only the store knows. */
    public record Totals(long textContents, long vectorBytesStored, long vectorBytesWithoutDedup)
            implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private final JobSettings settings;

    public StoreTotals(JobSettings settings) {
        this.settings = settings;
    }

    @Override
    public Totals call(Integer ignored) throws Exception {
        StoreStats stats = ExecutorSdembed.getAny(settings).store().stats();
        long stored = 0;
        long withoutDedup = 0;
        for (SlotStats s : stats.slots()) {
            stored += s.vectorBytes();
            withoutDedup += s.vectorBytesWithoutDedup();
        }
        return new Totals(stats.textContents(), stored, withoutDedup);
    }
}
