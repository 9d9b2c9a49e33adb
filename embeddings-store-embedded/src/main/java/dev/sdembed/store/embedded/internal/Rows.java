package dev.sdembed.store.embedded.internal;

import dev.sdembed.StoreException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.GenerationSettings;
import dev.sdembed.image.PixelHash;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.spi.ParametersJson;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

/** Conversions between the store's values and SQLite columns. */
public final class Rows {
    public static final String IMAGE_COLUMNS = "path, image_hash, prompt_hash, negative_hash, generator, model_name, "
            + "parameters, width, height, file_size, modified_at, status, error";
    public static final String IMAGE_SELECT = "SELECT id, " + IMAGE_COLUMNS + " FROM images ";
    /** What the writer sets: the record's columns, then its {@link GenerationSettings} for filters. */
    public static final String WRITTEN_COLUMNS = IMAGE_COLUMNS + ", sampler, seed, steps, cfg";
    public static final int WRITTEN_COLUMN_COUNT = 17;

    private Rows() {
    }

    /** Little-endian float32: the layout of the BLOBs in the slot tables. */
    public static byte[] vectorBytes(float[] vector) {
        ByteBuffer buffer = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(vector);
        return buffer.array();
    }

    public static float[] vector(byte[] bytes) {
        float[] v = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    public static byte[] bytes(ContentHash hash) {
        return hash == null ? null : hash.toBytes();
    }

    public static ContentHash hash(byte[] bytes) {
        return bytes == null ? null : ContentHash.of(bytes);
    }

    public static String status(ImageStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    /** Microseconds since the epoch: the precision records keep, and exact in a 64-bit integer for years 1 to 9999. */
    public static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    /** Binds the 17 written columns, in {@link #WRITTEN_COLUMNS} order, from parameter {@code first}. */
    public static void bindImage(PreparedStatement ps, int first, ImageRecord r) throws SQLException {
        ps.setString(first, r.path());
        ps.setBytes(first + 1, bytes(r.imageHash()));
        ps.setBytes(first + 2, bytes(r.promptHash()));
        ps.setBytes(first + 3, bytes(r.negativeHash()));
        ps.setString(first + 4, r.generator());
        ps.setString(first + 5, r.modelName());
        ps.setString(first + 6, ParametersJson.write(r.parameters()));
        ps.setInt(first + 7, r.width());
        ps.setInt(first + 8, r.height());
        ps.setLong(first + 9, r.fileSize());
        ps.setLong(first + 10, micros(r.modifiedAt()));
        ps.setString(first + 11, status(r.status()));
        ps.setString(first + 12, r.error());
        bindSettings(ps, first + 13, r.settings());
    }

    /** Binds sampler, seed, steps and cfg (NULL where unknown) from parameter {@code first}. */
    public static void bindSettings(PreparedStatement ps, int first, GenerationSettings g) throws SQLException {
        ps.setString(first, g.sampler());
        setNullable(ps, first + 1, g.seed(), Types.INTEGER);
        setNullable(ps, first + 2, g.steps(), Types.INTEGER);
        setNullable(ps, first + 3, g.cfg(), Types.REAL);
    }

    private static void setNullable(PreparedStatement ps, int index, Number value, int type) throws SQLException {
        if (value == null) {
            ps.setNull(index, type);
        } else if (value instanceof Double d) {
            ps.setDouble(index, d);
        } else {
            ps.setLong(index, value.longValue());
        }
    }

    /** Binds a pixel hash (its bits as a signed 64-bit integer) or NULL. */
    public static void setPixelHash(PreparedStatement ps, int index, PixelHash hash) throws SQLException {
        if (hash == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, hash.bits());
        }
    }

    /** The pixel hash in column {@code index}, or null. */
    public static PixelHash pixelHash(ResultSet rs, int index) throws SQLException {
        long bits = rs.getLong(index);
        return rs.wasNull() ? null : new PixelHash(bits);
    }

    /** The columns {@link #imageContent} reads, in order. */
    public static final String IMAGE_CONTENT_COLUMNS = "hash, width, height, format, byte_size, pixel_hash";

    /** The row at the cursor of a query selecting {@link #IMAGE_CONTENT_COLUMNS}. */
    public static ImageContent imageContent(ResultSet rs) throws SQLException {
        return new ImageContent(ContentHash.of(rs.getBytes(1)), rs.getInt(2), rs.getInt(3), rs.getString(4),
                rs.getLong(5), pixelHash(rs, 6));
    }

    /** The row at the cursor of a {@link #IMAGE_SELECT} query. */
    public static StoredImage storedImage(ResultSet rs) throws SQLException {
        String path = rs.getString(2);
        Map<String, String> parameters;
        try {
            parameters = ParametersJson.read(rs.getString(8));
        } catch (Exception e) {
            throw new StoreException("Stored generation parameters of image '" + path + "' are not a JSON object of "
                    + "strings; the store file is damaged", e);
        }
        ImageRecord record = new ImageRecord(path, hash(rs.getBytes(3)), hash(rs.getBytes(4)), hash(rs.getBytes(5)),
                rs.getString(6), rs.getString(7), parameters, rs.getInt(9), rs.getInt(10), rs.getLong(11),
                Instant.EPOCH.plus(rs.getLong(12), ChronoUnit.MICROS),
                ImageStatus.valueOf(rs.getString(13).toUpperCase(Locale.ROOT)), rs.getString(14));
        return new StoredImage(rs.getLong(1), record);
    }
}
