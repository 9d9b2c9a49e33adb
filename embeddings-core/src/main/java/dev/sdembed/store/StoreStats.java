package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import java.util.Comparator;
import java.util.List;

/**
 * Counts for a whole store, read in one consistent snapshot.
 *
 * @param images        image records, all statuses
 * @param failedImages  of those, records with status FAILED
 * @param textContents  distinct texts
 * @param imageContents distinct image files
 * @param slots         per configured slot, in configuration order
 * @param generators    indexed (OK) images per generator, {@value SearchFilter#NO_GENERATOR} for those without
 *                      generation metadata; most images first, then by name
 * @param models        indexed (OK) images per model name, null for those naming none; most images first, then by
 *                      name
 */
public record StoreStats(long images, long failedImages, long textContents, long imageContents, List<SlotStats> slots,
                         List<Count> generators, List<Count> models) {

    /** Orders breakdowns: most images first, then by value (null last). */
    public static final Comparator<Count> ORDER = Comparator.comparingLong((Count c) -> -c.images())
            .thenComparing(Count::value, Comparator.nullsLast(Comparator.naturalOrder()));

    public StoreStats {
        slots = List.copyOf(slots);
        generators = generators.stream().sorted(ORDER).toList();
        models = models.stream().sorted(ORDER).toList();
    }

    /** Counts without the breakdowns by generator and model (empty). */
    public StoreStats(long images, long failedImages, long textContents, long imageContents, List<SlotStats> slots) {
        this(images, failedImages, textContents, imageContents, slots, List.of(), List.of());
    }

    /**
     * How many images share one value.
     *
     * @param value  a generator id or model name; null for a model when the images name none
     * @param images how many indexed images have it
     */
    public record Count(String value, long images) {
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

    /** Records with status OK: the indexed images. */
    public long okImages() {
        return images - failedImages;
    }

    /**
     * Indexed images without generation metadata (generator {@value SearchFilter#NO_GENERATOR}): no prompt to search
     * them by, only their pixels in an image slot.
     */
    public long imagesWithoutMetadata() {
        return generators.stream().filter(c -> SearchFilter.NO_GENERATOR.equals(c.value())).mapToLong(Count::images)
                .sum();
    }
}
