package dev.sdembed.store.postgres.internal;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Streams rows to {@code COPY ... FROM STDIN (FORMAT binary)} through a fixed buffer, so a batch of any size never
 * exists twice in memory. Binary COPY skips text parsing of floats, the dominant cost of loading vectors.
 */
final class BinaryCopyWriter implements AutoCloseable {
    private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0,
            0, 0, 0, 0, 0, 0, 0, 0};
    private static final int BUFFER = 1 << 16;
    /** PostgreSQL timestamps count microseconds from 2000-01-01T00:00:00Z. */
    private static final Instant PG_EPOCH = Instant.parse("2000-01-01T00:00:00Z");

    private final CopyIn copy;
    private final byte[] buffer = new byte[BUFFER];
    private int used;
    private boolean ended;

    BinaryCopyWriter(CopyManager manager, String copySql) throws SQLException {
        this.copy = manager.copyIn(copySql);
        put(HEADER, 0, HEADER.length);
    }

    void startRow(int fields) throws SQLException {
        ensure(2);
        putShort(fields);
    }

    void writeNull() throws SQLException {
        ensure(4);
        putInt(-1);
    }

    void writeBytes(byte[] value) throws SQLException {
        if (value == null) {
            writeNull();
            return;
        }
        ensure(4);
        putInt(value.length);
        put(value, 0, value.length);
    }

    void writeText(String value) throws SQLException {
        writeBytes(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    void writeInt(int value) throws SQLException {
        ensure(8);
        putInt(4);
        putInt(value);
    }

    void writeLong(long value) throws SQLException {
        ensure(12);
        putInt(8);
        putLong(value);
    }

    /** An {@code integer}, or NULL. */
    void writeNullableInt(Integer value) throws SQLException {
        if (value == null) {
            writeNull();
        } else {
            writeInt(value);
        }
    }

    /** A {@code bigint}, or NULL. */
    void writeNullableLong(Long value) throws SQLException {
        if (value == null) {
            writeNull();
        } else {
            writeLong(value);
        }
    }

    /** A {@code double precision}, or NULL. */
    void writeNullableDouble(Double value) throws SQLException {
        if (value == null) {
            writeNull();
            return;
        }
        ensure(12);
        putInt(8);
        putLong(Double.doubleToLongBits(value));
    }

    void writeTimestamp(Instant value) throws SQLException {
        writeLong(ChronoUnit.MICROS.between(PG_EPOCH, value));
    }

    /**
     * pgvector's binary {@code vector}: int16 dimension, int16 unused, big-endian float4 components (pgvector-java's
     * {@code PGvector.toBytes} layout), copied from the view in bulk.
     */
    void writeVector(FloatBuffer vector) throws SQLException {
        vectorHeader(vector.remaining(), 4);
        ByteBuffer out = ByteBuffer.wrap(buffer);
        while (vector.hasRemaining()) {
            if (used + 4 > buffer.length) {
                flush();
            }
            int n = Math.min(vector.remaining(), (buffer.length - used) / 4);
            FloatBuffer part = vector.slice();
            part.limit(n);
            out.position(used).asFloatBuffer().put(part);
            vector.position(vector.position() + n);
            used += 4 * n;
        }
    }

    /** pgvector's binary {@code halfvec}: int16 dimension, int16 unused, binary16 components. */
    void writeHalfVector(FloatBuffer vector) throws SQLException {
        vectorHeader(vector.remaining(), 2);
        while (vector.hasRemaining()) {
            ensure(2);
            putShort(Float16.fromFloat(vector.get()));
        }
    }

    /** The field length, then pgvector's int16 dimension and int16 unused word. */
    private void vectorHeader(int dimension, int bytesPerComponent) throws SQLException {
        ensure(8);
        putInt(4 + bytesPerComponent * dimension);
        putShort(dimension);
        putShort(0);
    }

    /** Ends the copy and returns the number of rows the server received. */
    long finish() throws SQLException {
        ensure(2);
        putShort(-1);
        flush();
        // Ended only once the server said so: when the connection breaks inside endCopy, pgjdbc keeps the connection
        // locked for this copy until it is cancelled (close() does), and the transaction's rollback would otherwise
        // wait for that lock forever (a server stopped mid-index hung the command).
        long rows = copy.endCopy();
        ended = true;
        return rows;
    }

    @Override
    public void close() throws SQLException {
        if (!ended && copy.isActive()) {
            copy.cancelCopy();
        }
    }

    private void ensure(int bytes) throws SQLException {
        if (used + bytes > buffer.length) {
            flush();
        }
    }

    private void flush() throws SQLException {
        if (used > 0) {
            copy.writeToCopy(buffer, 0, used);
            used = 0;
        }
    }

    private void put(byte[] bytes, int offset, int length) throws SQLException {
        while (length > 0) {
            if (used == buffer.length) {
                flush();
            }
            int n = Math.min(length, buffer.length - used);
            System.arraycopy(bytes, offset, buffer, used, n);
            used += n;
            offset += n;
            length -= n;
        }
    }

    private void putShort(int v) {
        buffer[used++] = (byte) (v >>> 8);
        buffer[used++] = (byte) v;
    }

    private void putInt(int v) {
        buffer[used++] = (byte) (v >>> 24);
        buffer[used++] = (byte) (v >>> 16);
        buffer[used++] = (byte) (v >>> 8);
        buffer[used++] = (byte) v;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }
}
