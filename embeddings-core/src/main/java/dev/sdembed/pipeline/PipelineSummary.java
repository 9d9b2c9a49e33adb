package dev.sdembed.pipeline;

import dev.sdembed.store.StoreStats;
import java.time.Duration;
import java.util.List;

/**
 * What a {@link BulkEmbeddingPipeline} run did.
 *
 * @param files                  files found under the roots
 * @param indexed                files indexed (new or changed) in this run
 * @param skipped                files already indexed with every slot current, left untouched
 * @param failed                 files that failed in this run, each reported to the listener; recorded as failed,
 *                               but for those that changed or went away while read (the next run reads them)
 * @param imagesEmbedded         image contents embedded in this run, summed over the image slots
 * @param uniqueTexts            distinct prompt and negative texts the store holds after the run
 * @param slots                  per slot, what its encoder did
 * @param vectorBytesStored      bytes of vectors the store holds after the run, over all slots
 * @param vectorBytesWithoutDedup bytes the same vectors would take stored once per image reference
 * @param wallTime               duration of the run
 * @param cancelled              whether the run was stopped by {@link BulkEmbeddingPipeline#close()} before the end
 * @param vanished               indexed files gone from the folders walked (see {@link VanishedFile}); 0 for a run
 *                               that was stopped
 * @param moved                  of those, files found at a new path with the same content (their records re-pointed
 *                               there when the run prunes)
 * @param removed                of those, records deleted (with the contents only they used) by a pruning run: the
 *                               vanished files that did not move; 0 without pruning
 * @param pixelHashesAdded       image contents stored before without a pixel hash that got one in this run
 * @param rootsNotScanned        roots that were missing or empty folders, nothing under them walked or pruned
 * @param store                  the store's counts read at the end of the run, which the totals above come from (front
 *                               ends print more of them, e.g. the images without generation metadata, without
 *                               asking the store again); null when the summary was put together without reading it
 */
public record PipelineSummary(long files, long indexed, long skipped, long failed, long imagesEmbedded,
                              long uniqueTexts, List<SlotSummary> slots, long vectorBytesStored,
                              long vectorBytesWithoutDedup, Duration wallTime, boolean cancelled, long vanished,
                              long moved, long removed, long pixelHashesAdded, List<String> rootsNotScanned,
                              StoreStats store) {

    public PipelineSummary {
        slots = List.copyOf(slots);
        rootsNotScanned = List.copyOf(rootsNotScanned);
    }

    /** A summary of a run that found nothing gone and added no pixel hash to stored contents. */
    public PipelineSummary(long files, long indexed, long skipped, long failed, long imagesEmbedded, long uniqueTexts,
                           List<SlotSummary> slots, long vectorBytesStored, long vectorBytesWithoutDedup,
                           Duration wallTime, boolean cancelled) {
        this(files, indexed, skipped, failed, imagesEmbedded, uniqueTexts, slots, vectorBytesStored,
                vectorBytesWithoutDedup, wallTime, cancelled, 0, 0, 0, 0, List.of(), null);
    }

    /**
     * One slot's work.
     *
     * @param slot         the slot's name
     * @param computed     contents its encoder embedded
     * @param encoderCalls calls made to its encoder (each embeds many contents)
     * @param cacheHits    content references served without computing: already stored, computed by a batch in
     *                     flight, or repeated within a batch
     */
    public record SlotSummary(String slot, long computed, long encoderCalls, long cacheHits) {
    }

    /** The summary of {@code name}; an {@link IllegalArgumentException} if the run had no such slot. */
    public SlotSummary slot(String name) {
        return slots.stream().filter(s -> s.slot().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No slot '" + name + "' in this run"));
    }

    /** Share of vector storage deduplication saved, 0 to 100, never negative ({@link StoreStats#savedPercent}). */
    public double storageSavedPercent() {
        return StoreStats.savedPercent(vectorBytesStored, vectorBytesWithoutDedup);
    }

    /** Files indexed per second of wall time. */
    public double imagesPerSecond() {
        double seconds = wallTime.toNanos() / 1e9;
        return seconds <= 0 ? 0 : indexed / seconds;
    }
}
