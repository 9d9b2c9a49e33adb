package dev.sdembed.store.embedded.internal;

import dev.sdembed.store.SearchFilter;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link SearchFilter}'s conditions on {@code images i} as SQL ({@code AND ...} with {@code ?} parameters) and the
 * values to bind, meaning what {@link SearchFilter#matches} means: a width range never matches an unknown width (0),
 * an unknown setting (NULL) never matches, {@code none} is the images without a generator. Each condition is on an
 * indexed column.
 */
public final class SqliteFilter {
    private final String sql;
    private final List<Object> values;

    private SqliteFilter(String sql, List<Object> values) {
        this.sql = sql;
        this.values = values;
    }

    /** The conditions of {@code f} on records (its minimum score and distinct apply to hits, not here). */
    public static SqliteFilter of(SearchFilter f) {
        StringBuilder sql = new StringBuilder();
        List<Object> values = new ArrayList<>();
        if (f.pathPrefix() != null) {
            String prefix = f.pathPrefix();
            char last = prefix.charAt(prefix.length() - 1);
            if (last < 0x7f) {
                // Paths starting with "p/" are exactly those from "p/" to "p0" in byte order: a range on the path
                // index. (SQLite's LIKE ignores case; GLOB would need its wildcards escaped.)
                sql.append(" AND i.path >= ? AND i.path < ?");
                values.add(prefix);
                values.add(prefix.substring(0, prefix.length() - 1) + (char) (last + 1));
            } else {
                // Counted in characters by SQLite on both sides, whatever Java's UTF-16 length is.
                sql.append(" AND substr(i.path, 1, length(?)) = ?");
                values.add(prefix);
                values.add(prefix);
            }
        }
        if (f.generator() != null) {
            sql.append(f.generator().equals(SearchFilter.NO_GENERATOR)
                    ? " AND (i.generator IS NULL OR i.generator = ?)" : " AND i.generator = ?");
            values.add(f.generator());
        }
        equal(sql, values, "i.model_name", f.modelName());
        equal(sql, values, "i.sampler", f.sampler());
        equal(sql, values, "i.seed", f.seed());
        range(sql, values, "i.steps", f.steps());
        range(sql, values, "i.cfg", f.cfg());
        range(sql, values, "i.width", f.width());
        range(sql, values, "i.height", f.height());
        if (f.width() != null) {
            sql.append(" AND i.width > 0");
        }
        if (f.height() != null) {
            sql.append(" AND i.height > 0");
        }
        if (f.modified() != null) {
            if (f.modified().min() != null) {
                sql.append(" AND i.modified_at >= ?");
                values.add(Rows.micros(f.modified().min()));
            }
            if (f.modified().max() != null) {
                sql.append(" AND i.modified_at <= ?");
                values.add(Rows.micros(f.modified().max()));
            }
        }
        return new SqliteFilter(sql.toString(), values);
    }

    private static void equal(StringBuilder sql, List<Object> values, String column, Object value) {
        if (value != null) {
            sql.append(" AND ").append(column).append(" = ?");
            values.add(value);
        }
    }

    private static void range(StringBuilder sql, List<Object> values, String column, SearchFilter.Range<?> range) {
        if (range != null) {
            if (range.min() != null) {
                sql.append(" AND ").append(column).append(" >= ?");
                values.add(range.min());
            }
            if (range.max() != null) {
                sql.append(" AND ").append(column).append(" <= ?");
                values.add(range.max());
            }
        }
    }

    /** {@code AND ...} for each condition, with a {@code ?} per value; empty when none. */
    public String sql() {
        return sql;
    }

    /** Binds the values from parameter {@code first}; returns the next free parameter index. */
    public int bind(PreparedStatement ps, int first) throws SQLException {
        int i = first;
        for (Object v : values) {
            if (v instanceof String s) {
                ps.setString(i++, s);
            } else if (v instanceof Double d) {
                ps.setDouble(i++, d);
            } else {
                ps.setLong(i++, ((Number) v).longValue());
            }
        }
        return i;
    }
}
