package dev.sdembed.cli;

import dev.sdembed.InvalidInputException;
import dev.sdembed.cli.config.IndexConfig;
import dev.sdembed.cli.config.LoadedSlots;
import dev.sdembed.encoder.Modality;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SlotSpec;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The configured encoders and the store they fill, opened together for the query commands; closes both. */
final class StoreSession implements AutoCloseable {
    final LoadedSlots slots;
    final EmbeddingStore store;

    private StoreSession(LoadedSlots slots, EmbeddingStore store) {
        this.slots = slots;
        this.store = store;
    }

    static StoreSession open(StoreOptions options) {
        IndexConfig cfg = options.readConfig();
        options.storeLocation(cfg);
        LoadedSlots slots = LoadedSlots.load(cfg, cfg.maxPixels());
        try {
            return new StoreSession(slots, options.openStore(cfg, slots));
        } catch (RuntimeException e) {
            slots.close();
            throw e;
        }
    }

    /** {@code requested} if given (it must exist and have {@code modality}), else the first slot of the modality. */
    Optional<SlotSpec> slot(String requested, Modality modality) {
        if (requested != null) {
            SlotSpec s = store.slot(requested);
            if (modality != null && s.modality() != modality) {
                throw new InvalidInputException("Slot '" + requested + "' is a " + s.modality().name().toLowerCase()
                        + " slot; this needs a " + modality.name().toLowerCase() + " slot");
            }
            return Optional.of(s);
        }
        return slots.specs().stream().filter(s -> modality == null || s.modality() == modality).findFirst();
    }

    List<SlotSpec> specs() {
        return slots.specs();
    }

    /** One JSON line per hit, best first. */
    static void printHits(PrintWriter out, List<SearchHit> hits) {
        for (int i = 0; i < hits.size(); i++) {
            out.println(Json.line(hitJson(i + 1, hits.get(i))));
        }
        out.flush();
    }

    private static Map<String, Object> hitJson(int rank, SearchHit h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rank", rank);
        m.put("score", Math.round(h.score() * 1e6) / 1e6);
        m.put("path", h.path());
        m.put("imageId", h.imageId());
        m.put("generator", h.generator());
        m.put("model", h.modelName());
        m.put("prompt", h.prompt());
        return m;
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            slots.close();
        }
    }
}
