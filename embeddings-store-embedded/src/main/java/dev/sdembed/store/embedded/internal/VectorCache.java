package dev.sdembed.store.embedded.internal;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ContentEmbedding;
import dev.sdembed.store.SlotSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each slot's current vectors in memory ({@link SlotVectors}), which exact search scores by brute force. A slot is
 * loaded from the file on its first search and kept current by this connection's commits. Another connection's
 * commits (the writer's, seen by a read-only open in another process) change SQLite's {@code PRAGMA data_version};
 * the cache is then dropped and each slot loaded again on its next search. Not thread-safe: used under the store's
 * lock.
 */
public final class VectorCache {
    private static final Logger LOG = LoggerFactory.getLogger(VectorCache.class);

    private final Map<String, SlotVectors> slots = new HashMap<>();
    private long dataVersion = -1;

    /** The slot's current vectors, loaded from the file on first use and after another connection committed. */
    public SlotVectors get(Connection c, SlotSpec slot) throws SQLException {
        long version = dataVersion(c);
        if (version != dataVersion) {
            if (!slots.isEmpty()) {
                LOG.debug("Another connection committed to the store: its vectors are loaded again");
            }
            slots.clear();
            dataVersion = version;
        }
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

    /** Changes exactly when another connection commits to the file (this connection's own commits leave it). */
    private static long dataVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Forgets every slot; each is loaded again on its next search. */
    public void clear() {
        slots.clear();
    }
}
