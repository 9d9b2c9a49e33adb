package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import java.util.List;

/**
 * Counts for a whole store, read in one consistent snapshot.
 *
 * @param images        image records, all statuses
 * @param failedImages  of those, records with status FAILED
 * @param textContents  distinct texts
 * @param imageContents distinct image files
 * @param slots         per configured slot, in configuration order
 */
public record StoreStats(long images, long failedImages, long textContents, long imageContents, List<SlotStats> slots) {
    public StoreStats {
        slots = List.copyOf(slots);
    }

    /** Bytes of vectors stored, over all slots. */
    public long vectorBytes() {
        return slots.stream().mapToLong(SlotStats::vectorBytes).sum();
    }

    /** Bytes the same vectors would take stored once per reference, over all slots. */
    public long vectorBytesWithoutDedup() {
        return slots.stream().mapToLong(SlotStats::vectorBytesWithoutDedup).sum();
    }

    /** Share of vector storage deduplication saves in this store, 0 to 100: {@link #savedPercent}. */
    public double storageSavedPercent() {
        return savedPercent(vectorBytes(), vectorBytesWithoutDedup());
    }

    /**
     * The share of {@code withoutDedup} bytes that storing {@code stored} bytes saves, 0 to 100. Never negative: a
     * store can hold more vectors than references (contents no record uses any more, until
     * {@link EmbeddingStore#removeUnreferenced()}), and then deduplication saved nothing.
     */
    public static double savedPercent(long stored, long withoutDedup) {
        return withoutDedup <= 0 ? 0 : Math.max(0, 100.0 * (withoutDedup - stored) / withoutDedup);
    }

    public SlotStats slot(String name) {
        return slots.stream().filter(s -> s.slot().equals(name)).findFirst()
                .orElseThrow(() -> new InvalidInputException("No stats for slot '" + name + "'"));
    }
}
