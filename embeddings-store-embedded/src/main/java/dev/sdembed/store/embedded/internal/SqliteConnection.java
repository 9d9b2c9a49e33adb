package dev.sdembed.store.embedded.internal;

import dev.sdembed.StoreException;
import dev.sdembed.store.SlotSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's one connection to its file: opened with the PRAGMAs the store depends on, used by one
 * operation at a time, closed once. SQL failures leave here as {@link StoreException}s naming the file, and a second
 * process holding the file is told so.
 */
public final class SqliteConnection {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteConnection.class);

    private final Path file;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    private SqliteConnection(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /** Work on the connection that may fail in SQL. */
    @FunctionalInterface
    public interface Work<R> {
        R run() throws SQLException;
    }

    /**
     * Opens (or creates) {@code file}, locks it for this process, sets the PRAGMAs and brings the tables and
     * {@code slots} up to date in one transaction. On any failure the connection is closed again, so the file is
     * free for the next attempt.
     */
    public static SqliteConnection open(Path file, Collection<SlotSpec> slots) {
        Connection c = null;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = c.createStatement()) {
                // Exclusive locking before WAL: no shared-memory index, and a second process is refused at once
                // instead of reading vectors this process's cache no longer matches.
                // Only takes effect while the file is new. A 1024-d vector (4 KB) does not fit a 4 KB page and
                // went to overflow pages; 16 KB pages keep up to ~4,000-d vectors inline, three 1024-d per page.
                s.execute("PRAGMA page_size = 16384");
                s.execute("PRAGMA locking_mode = EXCLUSIVE");
                s.execute("PRAGMA busy_timeout = 2000");
                s.execute("PRAGMA journal_mode = WAL");
                // WAL + NORMAL: a killed process loses nothing committed; a power cut may lose the last commits
                // but never leaves a half-applied batch.
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute("PRAGMA foreign_keys = ON");
                // Content keys are hashes, so every insert lands on a random index page: with SQLite's 2 MB
                // default cache each one became a read from the file. 256 MB holds the indexes of a large
                // library; memory-mapped reads skip a system call per page.
                s.execute("PRAGMA cache_size = -262144");
                s.execute("PRAGMA mmap_size = 1073741824");
            }
            c.setAutoCommit(false);
            SqliteSchema.setUp(c, slots, file.toString());
            c.commit();
            c.setAutoCommit(true);
            return new SqliteConnection(file, c);
        } catch (SQLException | RuntimeException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException close) {
                    e.addSuppressed(close);
                }
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw translate((SQLException) e, "opening the store", file);
        }
    }

    /** The connection, for the store's queries and writer; use it only inside {@link #locked}. */
    public Connection connection() {
        return connection;
    }

    /** Runs {@code work} alone on the connection; SQL failures become a {@link StoreException} naming the file. */
    public <R> R locked(String action, Work<R> work) {
        lock.lock();
        try {
            if (closed) {
                throw new StoreException("Embedded store " + file + " is closed");
            }
            return work.run();
        } catch (SQLException e) {
            throw translate(e, action, file);
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code work} in one transaction, rolled back entirely on any failure. Call it inside {@link #locked}. */
    public <R> R transaction(Work<R> work) throws SQLException {
        connection.setAutoCommit(false);
        try {
            R result = work.run();
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /**
     * Closes the connection once, after running {@code release} (dropping what the store holds in memory) under the
     * same lock, so no operation still running sees it half released. Later calls do nothing.
     */
    public void close(Runnable release) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            release.run();
            connection.close();
            LOG.debug("Closed embedded store {}", file);
        } catch (SQLException e) {
            throw new StoreException("Cannot close embedded store " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private static StoreException translate(SQLException e, String action, Path file) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (message.contains("SQLITE_BUSY") || message.contains("database is locked")) {
            return new StoreException("Embedded store " + file + " is in use by another process (while " + action + ")."
                    + " The embedded store serves one process at a time; stop the other one, or use a PostgreSQL "
                    + "store (--store postgresql://...) for several", e);
        }
        return new StoreException("Embedded store " + file + " failed while " + action + ": " + message, e);
    }
}
