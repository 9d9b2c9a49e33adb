package dev.sdembed.store.embedded.internal;

import dev.sdembed.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** The embedded store's failures as messages that name the file or folder and say what to do. */
public final class SqliteErrors {
    private SqliteErrors() {
    }

    /** {@code e}, raised while {@code action} ran on the store file {@code file}, as a {@link StoreException}. */
    public static StoreException translate(SQLException e, String action, Path file) {
        SQLiteErrorCode code = e instanceof SQLiteException s ? s.getResultCode() : null;
        String detail = message(e);
        int primary = code == null ? -1 : code.code & 0xff;
        if (code == SQLiteErrorCode.SQLITE_READONLY_DBMOVED) {
            return new StoreException("The embedded store file " + file + " was deleted or replaced while this "
                    + "process had it open (" + detail + ", while " + action + "); nothing of this call was saved", e);
        }
        if (primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code) {
            return new StoreException(inUse(file, "while " + action), e);
        }
        boolean writable = Files.isWritable(file.getParent())
                && (!Files.exists(file) || Files.isWritable(file));
        if (!writable && (primary == SQLiteErrorCode.SQLITE_READONLY.code
                || primary == SQLiteErrorCode.SQLITE_IOERR.code || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code)) {
            return new StoreException(notWritable(file) + " (" + detail + ", while " + action + ")", e);
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

    private static String message(SQLException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
