package dev.sdembed.runtime;

import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Search hits, duplicate groups and store counts as JSON objects (maps in field order), with the field names the
 * command line's {@code --json} output and the server's API share: both give the same answers in the same words.
 */
public final class JsonViews {
    private JsonViews() {
    }

    /**
     * {@code rank}, {@code score} (6 decimals), {@code path}, {@code imageId}, {@code generator}, {@code model},
     * {@code prompt}, and {@code negativePrompt} for a hit of a search of negative prompts.
     */
    public static Map<String, Object> hit(int rank, SearchHit h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rank", rank);
        m.put("score", rounded(h.score()));
        m.put("path", h.path());
        m.put("imageId", h.imageId());
        m.put("generator", h.generator());
        m.put("model", h.modelName());
        m.put("prompt", h.prompt());
        if (h.negativePrompt() != null) {
            // Only a search of negative prompts carries it: the text that matched.
            m.put("negativePrompt", h.negativePrompt());
        }
        return m;
    }

    /** {@code size}, {@code lowestLink} (6 decimals) and {@code paths} in the group's order. */
    public static Map<String, Object> group(DuplicateGroup g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("size", g.members().size());
        m.put("lowestLink", rounded(g.lowestLink()));
        m.put("paths", g.members().stream().map(DuplicateGroup.Member::path).toList());
        return m;
    }

    /**
     * Images (and failed ones), distinct texts and image contents, per slot the embeddings, stale ones, references
     * and bytes of vectors, the totals with the share deduplication saves, then the indexed images ({@code okImages}),
     * those without generation metadata, and the indexed images by generator and by model.
     */
    public static Map<String, Object> stats(StoreStats stats) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", stats.images());
        m.put("failedImages", stats.failedImages());
        m.put("textContents", stats.textContents());
        m.put("imageContents", stats.imageContents());
        List<Map<String, Object>> slots = new ArrayList<>();
        for (SlotStats s : stats.slots()) {
            Map<String, Object> slot = new LinkedHashMap<>();
            slot.put("slot", s.slot());
            slot.put("embeddings", s.embeddings());
            slot.put("stale", s.stale());
            slot.put("references", s.references());
            slot.put("vectorBytes", s.vectorBytes());
            slot.put("vectorBytesWithoutDedup", s.vectorBytesWithoutDedup());
            slots.add(slot);
        }
        m.put("slots", slots);
        m.put("vectorBytes", stats.vectorBytes());
        m.put("vectorBytesWithoutDedup", stats.vectorBytesWithoutDedup());
        m.put("storageSavedPercent", Math.round(stats.storageSavedPercent() * 10) / 10.0);
        m.put("okImages", stats.okImages());
        m.put("imagesWithoutMetadata", stats.imagesWithoutMetadata());
        m.put("generators", counts(stats.generators(), "generator"));
        m.put("models", counts(stats.models(), "model"));
        return m;
    }

    /** A breakdown as {@code [{key: value, "images": n}, ...]}, most images first; a null value stays null. */
    private static List<Map<String, Object>> counts(List<StoreStats.Count> counts, String key) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (StoreStats.Count c : counts) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(key, c.value());
            m.put("images", c.images());
            out.add(m);
        }
        return out;
    }

    /** A similarity as printed: 6 decimals. */
    public static double rounded(double score) {
        return Math.round(score * 1e6) / 1e6;
    }
}
