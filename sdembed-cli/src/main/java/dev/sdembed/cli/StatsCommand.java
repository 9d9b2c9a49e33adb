package dev.sdembed.cli;

import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Prints the store's counts as one JSON object: images (and failed ones), distinct texts and"
                + " image contents, and per slot the embeddings stored, stale ones, and the bytes of vectors stored"
                + " against the same without deduplication."})
public final class StatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions storeOptions;

    @Override
    public Integer call() {
        try (StoreSession session = StoreSession.open(storeOptions)) {
            StoreStats stats = session.store.stats();
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
            PrintWriter out = spec.commandLine().getOut();
            out.println(Json.line(m));
            out.flush();
        }
        return ExitCodes.OK;
    }
}
