package dev.sdembed.store.embedded.internal;

import dev.sdembed.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The embedded store's one writer: an operating-system lock on {@code sdembed.db-lock} beside the database, held
 * while a store is open for writing. Readers never take it, so they run beside the writer (SQLite's write-ahead log
 * gives each read a consistent snapshot). The lock is on a file of its own because a POSIX lock on the database
 * itself would be released when any descriptor of it closes, SQLite's included. The system drops the lock when the
 * process ends, even by {@code kill -9}; the file stays and is reused.
 */
final class WriterLock implements AutoCloseable {
    /** Appended to the database's file name. */
    static final String SUFFIX = "-lock";

    private final FileChannel channel;
    private final FileLock lock;

    private WriterLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the writer lock of {@code database}, or fails naming it when another writer holds it. */
    static WriterLock acquire(Path database) {
        Path path = database.resolveSibling(database.getFileName() + SUFFIX);
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new StoreException(SqliteErrors.notWritable(database) + " (cannot create " + path + ")", e);
        } catch (IOException e) {
            throw new StoreException("Cannot open the writer lock " + path + " of embedded store " + database + ": "
                    + e, e);
        }
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new StoreException(SqliteErrors.inUse(database, "while opening the store for writing"));
            }
            return new WriterLock(channel, lock);
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel, e);
            throw new StoreException("Embedded store " + database + " is already open for writing in this process "
                    + "(another EmbeddedEmbeddingStore of the same folder); the embedded store has one writer at a "
                    + "time. Close that one first, or open this one read-only to read", e);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel, e);
            if (e instanceof StoreException s) {
                throw s;
            }
            throw new StoreException("Cannot lock " + path + " of embedded store " + database + ": " + e, e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it as well.
        } finally {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing to release any more.
            }
        }
    }

    private static void closeQuietly(FileChannel channel, Exception failure) {
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
