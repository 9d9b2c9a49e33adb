package dev.sdembed.store.embedded.internal;

import dev.sdembed.StoreException;
import dev.sdembed.store.SlotSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.JDBC;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The embedded store's one connection to its file: opened with the PRAGMAs the store depends on, used by one
 * operation at a time, closed once. SQL failures leave here as {@link StoreException}s naming the file
 * ({@link SqliteErrors}).
 *
 * <p>One writer, any number of readers. A connection opened {@linkplain #openForWriting for writing} holds the
 * store's {@link WriterLock}, so a second writer is refused at once; it checks before each transaction and each
 * commit that the file it writes is still the store's ({@link StoreFileWatch}). A connection opened
 * {@linkplain #openForReading for reading} takes no lock and changes nothing: SQLite's write-ahead log gives each of
 * its operations a snapshot of the last commit, while the writer goes on.
 */
public final class SqliteConnection {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteConnection.class);

    private final Path file;
    private final Connection connection;
    private final WriterLock writerLock;
    private final StoreFileWatch watch;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;
    private int commits;
    private String lost;

    private SqliteConnection(Path file, Connection connection, WriterLock writerLock, StoreFileWatch watch) {
        this.file = file;
        this.connection = connection;
        this.writerLock = writerLock;
        this.watch = watch;
    }

    /** Work on the connection that may fail in SQL. */
    @FunctionalInterface
    public interface Work<R> {
        R run() throws SQLException;
    }

    /**
     * Opens (or creates) {@code file} as the store's one writer: takes the writer lock, sets the PRAGMAs and brings
     * the tables and {@code slots} up to date in one transaction. On any failure the connection and the lock are
     * released again, so the file is free for the next attempt.
     *
     * @param maxPageCount the most pages SQLite may grow the file to ({@code PRAGMA max_page_count}), past which
     *                     writes fail with SQLITE_FULL as on a full disk; 0 for SQLite's default (no limit short of
     *                     4 billion pages)
     */
    public static SqliteConnection openForWriting(Path file, Collection<SlotSpec> slots, long maxPageCount) {
        WriterLock writer = WriterLock.acquire(file);
        Connection c = null;
        try {
            c = connect("jdbc:sqlite:" + file, new Properties());
            try (Statement s = c.createStatement()) {
                // Only takes effect while the file is new. A 1024-d vector (4 KB) does not fit a 4 KB page and
                // went to overflow pages; 16 KB pages keep up to ~4,000-d vectors inline, three 1024-d per page.
                s.execute("PRAGMA page_size = 16384");
                s.execute("PRAGMA busy_timeout = 2000");
                // Normal locking with the write-ahead log: readers in other processes see each commit while this
                // one writes (the writer lock, not SQLite's, keeps out a second writer).
                s.execute("PRAGMA journal_mode = WAL");
                // WAL + NORMAL: a killed process loses nothing committed; a power cut may lose the last commits
                // but never leaves a half-applied batch.
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute("PRAGMA foreign_keys = ON");
                cacheAndMapping(s);
                if (maxPageCount > 0) {
                    s.execute("PRAGMA max_page_count = " + maxPageCount);
                }
            }
            c.setAutoCommit(false);
            SqliteSchema.setUp(c, slots, file.toString());
            c.commit();
            c.setAutoCommit(true);
            StoreFileWatch watch = new StoreFileWatch(file);
            watch.record();
            return new SqliteConnection(file, c, writer, watch);
        } catch (SQLException | RuntimeException e) {
            closeAfterFailure(c, e);
            writer.close();
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw SqliteErrors.translate((SQLException) e, "opening the store", file);
        }
    }

    /**
     * Opens the existing store {@code file} for reading: no lock, nothing created or changed, the tables checked
     * against {@code slots} ({@link SqliteSchema#check}). In a folder this process cannot write, SQLite cannot make
     * the write-ahead log's shared-memory file; when no log is left to fold in ({@code sdembed.db-wal} absent or
     * empty: the last writer closed the store), the file is then read as immutable, else the open fails saying why.
     */
    public static SqliteConnection openForReading(Path file, Collection<SlotSpec> slots) {
        Connection c = null;
        try {
            try {
                c = readOnlyConnection("jdbc:sqlite:" + file);
            } catch (SQLException e) {
                if (!cannotCreateLogFiles(e, file)) {
                    throw e;
                }
                Path wal = file.resolveSibling(file.getFileName() + "-wal");
                if (Files.exists(wal) && Files.size(wal) > 0) {
                    throw new StoreException("Embedded store " + file + " cannot be read here: its folder "
                            + file.getParent() + " is not writable by this process and " + wal.getFileName()
                            + " holds commits not yet in " + file.getFileName() + " (a writer was stopped without "
                            + "closing the store). Open it once with write access (e.g. sdembed stats as the "
                            + "folder's owner) to fold them in, or make the folder writable", e);
                }
                // Nothing to fold in: the file holds every commit. (A writer with more rights than this process
                // could still change it meanwhile, which immutable reads would not see; the next open would.)
                c = readOnlyConnection("jdbc:sqlite:" + file.toUri() + "?immutable=1");
                LOG.info("Embedded store folder {} is not writable: reading {} as immutable", file.getParent(),
                        file.getFileName());
            }
            // One read transaction: the version and the slot registry from the same commit.
            c.setAutoCommit(false);
            SqliteSchema.check(c, slots, file);
            c.setAutoCommit(true);
            return new SqliteConnection(file, c, null, null);
        } catch (SQLException | RuntimeException | IOException e) {
            closeAfterFailure(c, e);
            if (e instanceof RuntimeException r) {
                throw r;
            }
            if (e instanceof SQLException s) {
                throw SqliteErrors.translate(s, "opening the store for reading", file);
            }
            throw new StoreException("Cannot read embedded store " + file + ": " + e, e);
        }
    }

    /**
     * A connection from SQLite's driver itself rather than {@link java.sql.DriverManager}, which first loads every JDBC
     * driver on the class path (PostgreSQL's too: ~10 ms of a one-shot query).
     */
    private static Connection connect(String url, Properties properties) throws SQLException {
        return JDBC.createConnection(url, properties);
    }

    /** A read-only connection to {@code url} with the reader's PRAGMAs, its first read done (so failures show). */
    private static Connection readOnlyConnection(String url) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(2000);
        Properties properties = config.toProperties();
        Connection c = connect(url, properties);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA query_only = 1");
            cacheAndMapping(s);
            s.executeQuery("PRAGMA user_version").close();
            s.executeQuery("SELECT count(*) FROM sqlite_master").close();
            return c;
        } catch (SQLException | RuntimeException e) {
            closeAfterFailure(c, e);
            throw e;
        }
    }

    /** Whether {@code e} says SQLite could not create the -wal or -shm file a read needs, in a read-only folder. */
    private static boolean cannotCreateLogFiles(SQLException e, Path file) {
        if (!(e instanceof SQLiteException s) || Files.isWritable(file.getParent())) {
            return false;
        }
        int primary = s.getResultCode().code & 0xff;
        return s.getResultCode() == SQLiteErrorCode.SQLITE_READONLY_DIRECTORY
                || s.getResultCode() == SQLiteErrorCode.SQLITE_READONLY_CANTINIT
                || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code || primary == SQLiteErrorCode.SQLITE_IOERR.code;
    }

    private static void cacheAndMapping(Statement s) throws SQLException {
        // Content keys are hashes, so every insert lands on a random index page: with SQLite's 2 MB default cache
        // each one became a read from the file. 256 MB holds the indexes of a large library; memory-mapped reads
        // skip a system call per page.
        s.execute("PRAGMA cache_size = -262144");
        s.execute("PRAGMA mmap_size = 1073741824");
    }

    private static void closeAfterFailure(Connection c, Exception e) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException close) {
                e.addSuppressed(close);
            }
        }
    }

    /** The connection, for the store's queries and writer; use it only inside {@link #locked}. */
    public Connection connection() {
        return connection;
    }

    /** Whether this connection only reads (no writer lock, no writes). */
    public boolean readOnly() {
        return writerLock == null;
    }

    /**
     * Runs {@code work} alone on the connection; SQL failures become a {@link StoreException} naming the file. A
     * reader runs it in one read transaction, so all it reads comes from the same commit of the writer.
     */
    public <R> R locked(String action, Work<R> work) {
        lock.lock();
        try {
            if (closed) {
                throw new StoreException("Embedded store " + file + " is closed");
            }
            if (!readOnly()) {
                return work.run();
            }
            return inReadTransaction(work);
        } catch (SQLException e) {
            throw SqliteErrors.translate(e, action, file);
        } finally {
            lock.unlock();
        }
    }

    private <R> R inReadTransaction(Work<R> work) throws SQLException {
        connection.setAutoCommit(false);
        Throwable failure = null;
        try {
            return work.run();
        } catch (SQLException | RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            endTransaction(failure);
        }
    }

    /**
     * Runs {@code work} in one write transaction, rolled back entirely on any failure; call it inside
     * {@link #locked}. Before it starts and again before it commits, the file must still be the one this writer
     * opened: a store file deleted or replaced meanwhile fails this and every later transaction, naming the last
     * batch that was saved. The first failure is the one thrown; a rollback or commit failing after it (SQLite
     * rolls back by itself after a full disk or an I/O error) is attached to it as suppressed.
     */
    public <R> R transaction(Work<R> work) throws SQLException {
        if (readOnly()) {
            throw new StoreException("Embedded store " + file + " was opened read-only; open it for writing to "
                    + "change it");
        }
        requireSameFile();
        connection.setAutoCommit(false);
        Throwable failure = null;
        try {
            R result = work.run();
            requireSameFile();
            connection.commit();
            commits++;
            watch.record();
            return result;
        } catch (SQLException | RuntimeException e) {
            failure = e;
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            endTransaction(failure);
        }
    }

    /**
     * Back to autocommit, which ends the transaction (sqlite-jdbc commits what is left: nothing after a rollback or
     * a read). When that fails after {@code failure}, it is attached to it instead of replacing it.
     */
    private void endTransaction(Throwable failure) throws SQLException {
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            if (failure == null) {
                throw e;
            }
            failure.addSuppressed(e);
        }
    }

    private void requireSameFile() {
        if (lost == null) {
            String change = watch.change();
            if (change == null) {
                return;
            }
            lost = "The embedded store file " + file + " was deleted or replaced while this process had it open ("
                    + change + "); " + (commits == 0 ? "nothing this process wrote was saved"
                    : "nothing after batch " + commits + " was saved (" + (commits == 1 ? "batch 1" : "batches 1 to "
                    + commits) + " went to the file as it was when opened)") + ". Leave the store folder alone while "
                    + "sdembed writes to it, then run index again: it writes what is missing";
        }
        throw new StoreException(lost);
    }

    /**
     * Closes the connection once, after running {@code release} (dropping what the store holds in memory) under the
     * same lock, so no operation still running sees it half released; then releases the writer lock. Later calls
     * do nothing.
     */
    public void close(Runnable release) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                release.run();
                connection.close();
            } finally {
                if (writerLock != null) {
                    writerLock.close();
                }
            }
            LOG.debug("Closed embedded store {}", file);
        } catch (SQLException e) {
            throw new StoreException("Cannot close embedded store " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
