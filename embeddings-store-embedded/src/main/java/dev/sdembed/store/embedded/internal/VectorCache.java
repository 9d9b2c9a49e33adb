package dev.sdembed.store.embedded.internal;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ContentEmbedding;
import dev.sdembed.store.SlotSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each slot's current vectors in memory ({@link SlotVectors}), which search scores by brute force: exact float32
 * vectors, or from {@code quantiseFrom} vectors on int8 codes whose best candidates are then re-ranked by
 * {@link #exactScores} from the float32 vectors in the file. A slot is loaded from the file on its first search and
 * kept current by this connection's commits. Another connection's commits (the writer's, seen by a read-only open in
 * another process) change SQLite's {@code PRAGMA data_version}; the cache is then dropped and each slot loaded again
 * on its next search. Not thread-safe: used under the store's lock.
 */
public final class VectorCache {
    private static final Logger LOG = LoggerFactory.getLogger(VectorCache.class);

    /** Vectors from which a slot is held quantised by default: below it the float32 scan takes about a millisecond. */
    public static final int QUANTISE_FROM = 4096;

    private final Map<String, SlotVectors> slots = new HashMap<>();
    private final int quantiseFrom;
    private long dataVersion = -1;

    /**
     * @param quantiseFrom the number of vectors from which a slot is held as int8 codes ({@link #QUANTISE_FROM} by
     *                     default); {@link Integer#MAX_VALUE} keeps every slot exact (float32)
     */
    public VectorCache(int quantiseFrom) {
        if (quantiseFrom < 1) {
            throw new IllegalArgumentException("quantiseFrom is " + quantiseFrom + "; expected 1 or more");
        }
        this.quantiseFrom = quantiseFrom;
    }

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
        cache = new SlotVectors(slot.dimension(), quantiseFrom, rowCount(c, slot));
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
        LOG.debug("Loaded {} vectors of slot {} in {} ms ({}, {} MB)", cache.size(), slot.name(),
                (System.nanoTime() - start) / 1_000_000, cache.exact() ? "float32" : "int8",
                cache.heapBytes() >> 20);
        return cache;
    }

    /** The slot table's rows, stale ones included: room for the vectors to load, counted on the hash index. */
    private static int rowCount(Connection c, SlotSpec slot) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SqliteSchema.table(slot))) {
            return rs.next() ? (int) Math.min(Integer.MAX_VALUE - 8, rs.getLong(1)) : 0;
        }
    }

    /**
     * The exact scores of {@code rows} of a quantised slot with {@code query}, from the float32 vectors in the file,
     * in the order of {@code rows}; null when one of them is no longer in the file at the slot's fingerprint, so the
     * codes in memory are stale: the caller then drops them ({@link #clear}) and searches again.
     */
    public float[] exactScores(Connection c, SlotSpec slot, SlotVectors cache, int[] rows, float[] query)
            throws SQLException {
        Map<Integer, Integer> position = new HashMap<>(rows.length * 2);
        List<ContentHash> hashes = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            position.put(rows[i], i);
            hashes.add(cache.hash(rows[i]));
        }
        float[] scores = new float[rows.length];
        boolean[] found = new boolean[rows.length];
        String fingerprint = slot.fingerprint();
        InLists.forHashes(c, hashes, "SELECT hash, fingerprint, embedding FROM " + SqliteSchema.table(slot)
                + " WHERE hash IN ", ps -> { }, rs -> {
                    Integer at = position.get(cache.row(ContentHash.of(rs.getBytes(1))));
                    if (at != null && fingerprint.equals(rs.getString(2))) {
                        scores[at] = SlotVectors.dot(Rows.vector(rs.getBytes(3)), 0, query, slot.dimension());
                        found[at] = true;
                    }
                });
        for (boolean f : found) {
            if (!f) {
                return null;
            }
        }
        return scores;
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

    /** Forgets one slot's vectors, found not to match the file; they are loaded again on its next search. */
    public void dropStale(String slot) {
        LOG.warn("The in-memory vectors of slot {} no longer match the store file; they are loaded again", slot);
        slots.remove(slot);
    }

    /** Forgets every slot; each is loaded again on its next search. */
    public void clear() {
        slots.clear();
    }
}
