package dev.sdembed.store.postgres.internal;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.StoredImage;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/** Column lists and mappers for image rows. */
public final class Rows {
    /** Selects everything {@link #STORED_IMAGE} maps, from {@code images i}. */
    public static final String IMAGE_SELECT = "SELECT i.id, i.path, i.image_hash, i.prompt_hash, i.negative_hash, "
            + "i.generator, i.model_name, i.width, i.height, i.file_size, i.modified_at, i.status, i.error, "
            + "ARRAY(SELECT key FROM jsonb_each_text(i.parameters) ORDER BY key) AS parameter_names, "
            + "ARRAY(SELECT value FROM jsonb_each_text(i.parameters) ORDER BY key) AS parameter_values "
            + "FROM images i ";

    public static final RowMapper<StoredImage> STORED_IMAGE = Rows::storedImage;

    private Rows() {
    }

    public static String status(ImageStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    public static ContentHash hash(ResultSet rs, String column) throws SQLException {
        byte[] bytes = rs.getBytes(column);
        return bytes == null ? null : ContentHash.of(bytes);
    }

    private static StoredImage storedImage(ResultSet rs, StatementContext ctx) throws SQLException {
        Map<String, String> parameters = new LinkedHashMap<>();
        Array names = rs.getArray("parameter_names");
        Array values = rs.getArray("parameter_values");
        String[] n = (String[]) names.getArray();
        String[] v = (String[]) values.getArray();
        for (int i = 0; i < n.length; i++) {
            parameters.put(n[i], v[i]);
        }
        Timestamp modified = rs.getTimestamp("modified_at");
        ImageRecord record = new ImageRecord(rs.getString("path"), hash(rs, "image_hash"), hash(rs, "prompt_hash"),
                hash(rs, "negative_hash"), rs.getString("generator"), rs.getString("model_name"), parameters,
                rs.getInt("width"), rs.getInt("height"), rs.getLong("file_size"), modified.toInstant(),
                ImageStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)), rs.getString("error"));
        return new StoredImage(rs.getLong("id"), record);
    }
}
