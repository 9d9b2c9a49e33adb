package dev.sdembed.store.embedded.internal;

import dev.sdembed.StoreException;
import dev.sdembed.store.spi.SqlFailures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The embedded store's failures as messages that name the file or folder and say what to do. SQLite's result code
 * decides, taken from the first real failure: after a full disk or an I/O error SQLite rolls the transaction back by
 * itself, so the rollback and the commit that follow fail too ("cannot commit - no transaction is active"), and those
 * secondary errors must not hide the first.
 */
public final class SqliteErrors {
    /** What SQLite says when a transaction it already rolled back is committed or rolled back again. */
    private static final String NO_TRANSACTION = "no transaction is active";

    private SqliteErrors() {
    }

    /** {@code e}, raised while {@code action} ran on the store file {@code file}, as a {@link StoreException}. */
    public static StoreException translate(SQLException e, String action, Path file) {
        SQLException first = firstRealFailure(e);
        SQLiteErrorCode code = first instanceof SQLiteException s ? s.getResultCode() : null;
        String detail = message(first);
        int primary = code == null ? -1 : code.code & 0xff;
        if (code == SQLiteErrorCode.SQLITE_READONLY_DBMOVED) {
            return new StoreException("The embedded store file " + file + " was deleted or replaced while this "
                    + "process had it open (" + detail + ", while " + action + "); nothing of this call was saved", e);
        }
        if (primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code) {
            return new StoreException(inUse(file, "while " + action), e);
        }
        if (primary == SQLiteErrorCode.SQLITE_FULL.code) {
            return new StoreException("No space left on device writing " + file + ": " + detail + " (while " + action
                    + "); nothing of this call was saved. Free space on the disk that holds " + file.getParent()
                    + " or move the store (--store), then run again: index continues where it stopped", e);
        }
        boolean writable = Files.isWritable(file.getParent())
                && (!Files.exists(file) || Files.isWritable(file));
        if (!writable && (primary == SQLiteErrorCode.SQLITE_READONLY.code
                || primary == SQLiteErrorCode.SQLITE_IOERR.code || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code)) {
            return new StoreException(notWritable(file) + " (" + detail + ", while " + action + ")", e);
        }
        if (primary == SQLiteErrorCode.SQLITE_IOERR.code) {
            return new StoreException("I/O error on embedded store " + file + " while " + action + ": " + detail
                    + ". The disk or file system failed; check it (e.g. dmesg), then run again", e);
        }
        if (primary == SQLiteErrorCode.SQLITE_CORRUPT.code || primary == SQLiteErrorCode.SQLITE_NOTADB.code) {
            return new StoreException("Embedded store " + file + " is damaged or not an sdembed store (" + detail
                    + ", while " + action + "); move it aside and index again into a new store", e);
        }
        return new StoreException("Embedded store " + file + " failed while " + action + ": " + detail, e);
    }

    /** A second writer of {@code file}, found {@code when}. */
    public static String inUse(Path file, String when) {
        return "Embedded store " + file + " is in use by another process (" + when + "). The embedded store has one"
                + " writer at a time, and any number of processes may read it meanwhile (search, similar, duplicates,"
                + " stats); stop the other writer, or use a PostgreSQL store (--store postgresql://...) for several";
    }

    /** Why a store cannot be opened for writing: its folder, or its file, is not writable by this process. */
    public static String notWritable(Path file) {
        Path folder = file.getParent();
        String what = Files.isWritable(folder) ? "Embedded store file " + file : "Embedded store folder " + folder;
        return what + " is not writable by this process, so the store cannot be written: SQLite keeps "
                + file.getFileName() + "-wal and " + file.getFileName() + "-shm beside " + file.getFileName()
                + ". Make it writable for this user, or only read the store (search, similar, duplicates and stats "
                + "open it read-only)";
    }

    /** A read-only open where there is no store. */
    public static StoreException noStore(Path directory, String why) {
        return new StoreException("No sdembed store at " + directory + " (" + why + "); index a folder first, or "
                + "give --store");
    }

    /**
     * The failure to report: {@code e}, unless it is SQLite's "no transaction is active" following a failure that
     * already rolled the transaction back, in which case that failure (found among the suppressed exceptions and
     * causes).
     */
    static SQLException firstRealFailure(SQLException e) {
        if (!message(e).contains(NO_TRANSACTION)) {
            return e;
        }
        for (SQLException other : SqlFailures.all(e)) {
            if (!message(other).contains(NO_TRANSACTION)) {
                return other;
            }
        }
        return e;
    }

    private static String message(SQLException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
