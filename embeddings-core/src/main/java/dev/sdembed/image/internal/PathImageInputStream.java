package dev.sdembed.image.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * A buffered {@link javax.imageio.stream.ImageInputStream} over a file opened from its {@link Path}. ImageIO's and
 * TwelveMonkeys' public file streams take a {@link java.io.File}, which holds the name as text: a name with bytes
 * the platform's file name encoding cannot decode (a Latin-1 {@code caf\xE9.png} on a UTF-8 Linux system) is then
 * "not found". A {@code Path} keeps those bytes, and so does the channel opened from it.
 */
public final class PathImageInputStream extends ImageInputStreamImpl {
    private static final int BUFFER = 16 * 1024;

    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).limit(0);
    /** The file position of the buffer's first byte. */
    private long bufferStart;

    private PathImageInputStream(FileChannel channel) {
        this.channel = channel;
    }

    /** Opens {@code file} for reading. */
    public static PathImageInputStream open(Path file) throws IOException {
        return new PathImageInputStream(FileChannel.open(file, StandardOpenOption.READ));
    }

    @Override
    public int read() throws IOException {
        checkClosed();
        bitOffset = 0;
        if (!fill()) {
            return -1;
        }
        int b = buffer.get((int) (streamPos - bufferStart)) & 0xff;
        streamPos++;
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkClosed();
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        bitOffset = 0;
        if (len >= BUFFER && !buffered()) {
            // Large reads (pixel data) go straight into the caller's array.
            int n = channel.read(ByteBuffer.wrap(b, off, len), streamPos);
            if (n <= 0) {
                return -1;
            }
            streamPos += n;
            return n;
        }
        if (!fill()) {
            return -1;
        }
        int at = (int) (streamPos - bufferStart);
        int n = Math.min(len, buffer.limit() - at);
        buffer.get(at, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        try {
            return channel.size();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public void close() throws IOException {
        super.close();
        channel.close();
    }

    private boolean buffered() {
        return streamPos >= bufferStart && streamPos < bufferStart + buffer.limit();
    }

    /** Makes the buffer hold the byte at {@code streamPos}; false at the end of the file. */
    private boolean fill() throws IOException {
        if (buffered()) {
            return true;
        }
        buffer.clear();
        bufferStart = streamPos;
        int n = channel.read(buffer, streamPos);
        buffer.flip();
        return n > 0;
    }
}
