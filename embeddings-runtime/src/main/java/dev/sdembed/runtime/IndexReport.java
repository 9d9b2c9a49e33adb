package dev.sdembed.runtime;

import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.StoreStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end-of-run summary of an index run, as {@code sdembed index} and {@code sdembed-spark index} print it: one
 * format for every front end, as text lines or as the fields of one JSON object.
 */
public final class IndexReport {
    private IndexReport() {
    }

    /**
     * The summary as text:
     *
     * <pre>
     * Indexed 48 of 48 files (0 skipped, 0 failed) in 2.0 s, 24.1 images/s
     *   prompt_bge: 27 embedded in 1 encoder calls, 69 cache hits
     * Vectors stored: 41472 bytes (147456 without deduplication, 71.9 % saved)
     * </pre>
     */
    public static List<String> lines(PipelineSummary s) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "Indexed %d of %d files (%d skipped, %d failed) in %.1f s, %.1f images/s%s",
                s.indexed(), s.files(), s.skipped(), s.failed(), s.wallTime().toMillis() / 1000.0, s.imagesPerSecond(),
                s.cancelled() ? " - stopped early, run again to continue" : ""));
        for (PipelineSummary.SlotSummary slot : s.slots()) {
            lines.add(String.format(Locale.ROOT, "  %s: %d embedded in %d encoder calls, %d cache hits", slot.slot(),
                    slot.computed(), slot.encoderCalls(), slot.cacheHits()));
        }
        lines.add(String.format(Locale.ROOT, "Vectors stored: %d bytes (%d without deduplication, %.1f %% saved)",
                s.vectorBytesStored(), s.vectorBytesWithoutDedup(), s.storageSavedPercent()));
        return lines;
    }

    /**
     * {@link #lines(PipelineSummary)}, then, when some indexed images in the store have no generation metadata, a
     * line saying how many and what that leaves searchable ({@link #withoutMetadata}).
     *
     * @param stats     the store's counts after the run; null when they could not be read (nothing is added)
     * @param imageSlot whether an image slot is configured (their pixels are then searchable)
     */
    public static List<String> lines(PipelineSummary s, StoreStats stats, boolean imageSlot) {
        List<String> lines = lines(s);
        String without = stats == null ? null : withoutMetadata(stats, imageSlot);
        if (without != null) {
            lines.add(without);
        }
        return lines;
    }

    /**
     * What the store's indexed images without generation metadata (generator {@code none}) mean for search, e.g.
     * {@code 2 of the 50 indexed images have no generation metadata (generator none), so only their pixels are
     * searchable}; null when every indexed image has metadata. The count is the store's, over every run.
     */
    public static String withoutMetadata(StoreStats stats, boolean imageSlot) {
        long without = stats.imagesWithoutMetadata();
        if (without == 0) {
            return null;
        }
        return String.format(Locale.ROOT, "%d of the %d indexed images %s no generation metadata (generator %s), so %s",
                without, stats.okImages(), without == 1 ? "has" : "have", SearchFilter.NO_GENERATOR, imageSlot
                        ? "only their pixels are searchable"
                        : "they cannot be searched: no prompt to match, and no image slot configured to compare pixels");
    }

    /**
     * {@link #json(PipelineSummary)} plus {@code store}: the store's indexed images and how many of them have no
     * generation metadata ({@code {"indexedImages", "imagesWithoutMetadata"}}), when {@code stats} is not null.
     */
    public static Map<String, Object> json(PipelineSummary s, StoreStats stats) {
        Map<String, Object> m = json(s);
        if (stats != null) {
            Map<String, Object> store = new LinkedHashMap<>();
            store.put("indexedImages", stats.okImages());
            store.put("imagesWithoutMetadata", stats.imagesWithoutMetadata());
            m.put("store", store);
        }
        return m;
    }

    /** The summary's fields, in order, for one JSON object ({@code --json-summary}). */
    public static Map<String, Object> json(PipelineSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("files", s.files());
        m.put("indexed", s.indexed());
        m.put("skipped", s.skipped());
        m.put("failed", s.failed());
        m.put("imagesEmbedded", s.imagesEmbedded());
        m.put("uniqueTexts", s.uniqueTexts());
        Map<String, Object> slots = new LinkedHashMap<>();
        for (PipelineSummary.SlotSummary slot : s.slots()) {
            slots.put(slot.slot(), Map.of("computed", slot.computed(), "encoderCalls", slot.encoderCalls(),
                    "cacheHits", slot.cacheHits()));
        }
        m.put("slots", slots);
        m.put("vectorBytesStored", s.vectorBytesStored());
        m.put("vectorBytesWithoutDedup", s.vectorBytesWithoutDedup());
        m.put("storageSavedPercent", Math.round(s.storageSavedPercent() * 10) / 10.0);
        m.put("wallTimeMs", s.wallTime().toMillis());
        m.put("imagesPerSecond", Math.round(s.imagesPerSecond() * 10) / 10.0);
        m.put("cancelled", s.cancelled());
        return m;
    }

    /**
     * What a run over whole roots found against the store (vanished, moved and removed records, pixel hashes added
     * to images indexed before, roots not scanned), for front ends that walk roots ({@code index}, {@code watch});
     * a job over a list of files, as Spark's, has none of these.
     */
    public static Map<String, Object> syncJson(PipelineSummary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vanished", s.vanished());
        m.put("moved", s.moved());
        m.put("removed", s.removed());
        m.put("pixelHashesAdded", s.pixelHashesAdded());
        m.put("rootsNotScanned", s.rootsNotScanned());
        return m;
    }

    /**
     * The lines about what a run found gone and the pixel hashes it added to images indexed before, each only when
     * there is something to say, e.g. {@code Vanished: 3 indexed files are gone from the folders walked: 1 moved, 2
     * removed}.
     *
     * @param prune whether the run removed the records of vanished files
     */
    public static List<String> syncLines(PipelineSummary s, boolean prune) {
        List<String> lines = new ArrayList<>();
        if (s.vanished() > 0) {
            lines.add(prune
                    ? String.format(Locale.ROOT, "Vanished: %d indexed files are gone from the folders walked: %d moved,"
                            + " %d removed", s.vanished(), s.moved(), s.removed())
                    : String.format(Locale.ROOT, "Vanished: %d indexed files are gone from the folders walked%s; their"
                            + " records stay: run with --prune to remove them", s.vanished(),
                            s.moved() > 0 ? " (" + s.moved() + " found at a new path)" : ""));
        }
        if (s.pixelHashesAdded() > 0) {
            lines.add(String.format(Locale.ROOT, "Pixel hashes: added for %d distinct images indexed before (duplicates"
                    + " --by pixels)", s.pixelHashesAdded()));
        }
        return lines;
    }
}
