package dev.sdembed.store.embedded.internal;

import dev.sdembed.hash.ContentHash;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Lookups of many keys as {@code ... IN (?, ?, ...)} queries, a chunk of keys per statement: one statement per key
 * would cost a round through SQLite's parser each, one for all could pass SQLite's parameter limit.
 */
public final class InLists {
    /** Parameters per IN (...) list, far below SQLite's limit of 32,766. */
    public static final int CHUNK = 500;

    private InLists() {
    }

    /** Binds a statement's own parameters, those before the IN list. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Binds one key at parameter {@code index}. */
    @FunctionalInterface
    public interface KeyBinder<T> {
        void bind(PreparedStatement ps, int index, T key) throws SQLException;
    }

    /** Reads the row at the cursor. */
    @FunctionalInterface
    public interface RowHandler {
        void row(ResultSet rs) throws SQLException;
    }

    /** {@link #forChunks} for content hashes, bound as their 32 bytes. */
    public static void forHashes(Connection c, List<ContentHash> hashes, String sqlPrefix, Binder own,
                                 RowHandler handler) throws SQLException {
        forChunks(c, hashes, sqlPrefix, own, (ps, i, h) -> ps.setBytes(i, h.toBytes()), handler);
    }

    /**
     * Runs {@code sqlPrefix + "(?, ?, ...)"} per chunk of {@code keys} and hands every row to {@code handler}; the
     * prefix's own parameters come first.
     */
    public static <T> void forChunks(Connection c, List<T> keys, String sqlPrefix, Binder own, KeyBinder<T> key,
                                     RowHandler handler) throws SQLException {
        int first = (int) sqlPrefix.chars().filter(ch -> ch == '?').count() + 1;
        for (int start = 0; start < keys.size(); start += CHUNK) {
            List<T> chunk = keys.subList(start, Math.min(keys.size(), start + CHUNK));
            try (PreparedStatement ps = c.prepareStatement(sqlPrefix + placeholders(chunk.size()))) {
                own.bind(ps);
                for (int i = 0; i < chunk.size(); i++) {
                    key.bind(ps, first + i, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        handler.row(rs);
                    }
                }
            }
        }
    }

    private static String placeholders(int n) {
        return "(" + "?, ".repeat(n - 1) + "?)";
    }
}
