package dev.sdembed.metadata.internal;

import com.drew.lang.SequentialReader;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A metadata-extractor {@link SequentialReader} over a file that never allocates for a length the file cannot
 * hold. metadata-extractor's own stream reader allocates whatever a chunk header declares (a truncated PNG that
 * declares a 2 GB chunk costs 2 GB of heap), so every container is read through this class instead.
 *
 * <p>Reads longer than {@code maxReadBytes} are skipped instead of loaded: they return the shared empty
 * {@link #SKIPPED} array and are listed in {@link #skippedReads()}. Image data never takes this path because the
 * containers skip it; only oversized metadata does.
 */
final class BoundedFileReader extends SequentialReader {

    /** Returned by {@link #getBytes(int)} for a read over the limit; compare by identity. */
    static final byte[] SKIPPED = new byte[0];

    private final FileChannel channel;
    private final long size;
    private final int maxReadBytes;
    /**
     * Small on purpose: a PNG walk reads 8-byte chunk headers between long skips, and every refill copies the
     * whole buffer; long reads bypass it.
     */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(512).limit(0);
    private final List<SkippedRead> skipped = new ArrayList<>();
    private long position;

    /** A read that was skipped: {@code length} bytes from file offset {@code offset}. */
    record SkippedRead(long offset, long length) {
    }

    BoundedFileReader(FileChannel channel, long size, int maxReadBytes) {
        this.channel = channel;
        this.size = size;
        this.maxReadBytes = maxReadBytes;
    }

    List<SkippedRead> skippedReads() {
        return skipped;
    }

    @Override
    public long getPosition() {
        return position;
    }

    @Override
    public byte getByte() throws IOException {
        requireAvailable(1);
        fill();
        position++;
        return buffer.get();
    }

    @Override
    public byte[] getBytes(int count) throws IOException {
        if (count < 0) {
            throw new IOException("negative length " + count + " at offset " + position);
        }
        requireAvailable(count);
        if (count > maxReadBytes) {
            skipped.add(new SkippedRead(position, count));
            skip(count);
            return SKIPPED;
        }
        byte[] bytes = new byte[count];
        getBytes(bytes, 0, count);
        return bytes;
    }

    @Override
    public void getBytes(byte[] target, int offset, int count) throws IOException {
        requireAvailable(count);
        int done = Math.min(buffer.remaining(), count);
        buffer.get(target, offset, done);
        position += done;
        if (count - done >= buffer.capacity()) {
            ByteBuffer direct = ByteBuffer.wrap(target, offset + done, count - done);
            while (direct.hasRemaining()) {
                int n = channel.read(direct, position);
                if (n < 0) {
                    throw new EOFException("file shrank while reading: nothing at offset " + position);
                }
                position += n;
            }
            return;
        }
        while (done < count) {
            fill();
            int n = Math.min(buffer.remaining(), count - done);
            buffer.get(target, offset + done, n);
            done += n;
            position += n;
        }
    }

    @Override
    public void skip(long n) throws IOException {
        if (n < 0) {
            throw new IOException("negative skip " + n + " at offset " + position);
        }
        requireAvailable(n);
        seekForward(n);
    }

    @Override
    public boolean trySkip(long n) throws IOException {
        if (n < 0 || n > size - position) {
            seekForward(size - position);
            return false;
        }
        seekForward(n);
        return true;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, size - position);
    }

    private void seekForward(long n) {
        if (n <= buffer.remaining()) {
            buffer.position(buffer.position() + (int) n);
        } else {
            buffer.limit(0);
        }
        position += n;
    }

    private void requireAvailable(long count) throws EOFException {
        if (count > size - position) {
            throw new EOFException("unexpected end of file: " + count + " bytes needed at offset " + position
                    + " but the file ends " + (size - position) + " bytes later");
        }
    }

    private void fill() throws IOException {
        if (buffer.hasRemaining()) {
            return;
        }
        buffer.clear();
        int n = 0;
        while (n == 0) {
            n = channel.read(buffer, position);
            if (n < 0) {
                throw new EOFException("file shrank while reading: nothing at offset " + position);
            }
        }
        buffer.flip();
    }
}
