package dev.sdembed.store.embedded.internal;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ContentEmbedding;
import dev.sdembed.store.SlotSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each slot's current vectors in memory ({@link SlotVectors}), which exact search scores by brute force. A slot is
 * loaded from the file on its first search and kept current by this process's commits; the file is locked to this
 * process, so nothing else can change it. Not thread-safe: used under the store's lock.
 */
public final class VectorCache {
    private static final Logger LOG = LoggerFactory.getLogger(VectorCache.class);

    private final Map<String, SlotVectors> slots = new HashMap<>();

    /** The slot's current vectors, loaded from the file on first use. */
    public SlotVectors get(Connection c, SlotSpec slot) throws SQLException {
        SlotVectors cache = slots.get(slot.name());
        if (cache != null) {
            return cache;
        }
        long start = System.nanoTime();
        cache = new SlotVectors(slot.dimension());
        try (PreparedStatement ps = c.prepareStatement("SELECT hash, embedding FROM " + SqliteSchema.table(slot)
                + " WHERE fingerprint = ?")) {
            ps.setString(1, slot.fingerprint());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cache.put(ContentHash.of(rs.getBytes(1)), Rows.vector(rs.getBytes(2)));
                }
            }
        }
        slots.put(slot.name(), cache);
        LOG.debug("Loaded {} vectors of slot {} in {} ms", cache.size(), slot.name(),
                (System.nanoTime() - start) / 1_000_000);
        return cache;
    }

    /**
     * Adds the embeddings a batch wrote, per slot, to the slots already loaded. Only after the commit: a rolled-back
     * batch must leave no vector behind.
     */
    public void committed(Map<String, List<ContentEmbedding>> written) {
        written.forEach((slot, list) -> {
            SlotVectors cache = slots.get(slot);
            if (cache != null) {
                list.forEach(e -> cache.put(e.content(), e.embedding().vector()));
            }
        });
    }

    /** Forgets every slot; each is loaded again on its next search. */
    public void clear() {
        slots.clear();
    }
}
