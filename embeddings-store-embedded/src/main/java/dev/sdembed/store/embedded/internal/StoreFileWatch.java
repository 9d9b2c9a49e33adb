package dev.sdembed.store.embedded.internal;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Files;
import java.util.Objects;

/**
 * Whether the writer's database file and write-ahead log are still the files it opened. On Linux and macOS a file
 * deleted or replaced (moved over) while open lives on for the process that has it open: SQLite in WAL mode goes on
 * committing into the orphan and reports success, and everything is lost when the process ends. The writer is the
 * only process that changes either file, so between its commits each keeps its identity (file key: device and
 * inode) and the database never shrinks (only checkpoints, run inside this process's commits, change its size).
 * Where the file system has no file keys, only presence and size are compared.
 */
final class StoreFileWatch {
    private final Path database;
    private final Path log;
    private Object databaseKey;
    private long databaseSize;
    private Object logKey;

    StoreFileWatch(Path database) {
        this.database = database;
        this.log = database.resolveSibling(database.getFileName() + "-wal");
    }

    /** Remembers the files as they are now: after the open and after each commit. */
    void record() {
        try {
            BasicFileAttributes db = attributes(database);
            if (db != null) {
                databaseKey = db.fileKey();
                databaseSize = db.size();
            }
            BasicFileAttributes wal = attributes(log);
            if (wal != null) {
                logKey = wal.fileKey();
            }
        } catch (IOException e) {
            // Attributes that cannot be read now are compared against the last ones that could.
        }
    }

    /** What changed since {@link #record()}, for a message, or null when both files are the ones recorded. */
    String change() {
        try {
            BasicFileAttributes db = attributes(database);
            if (db == null) {
                return database.getFileName() + " is gone";
            }
            if (databaseKey != null && !Objects.equals(databaseKey, db.fileKey())) {
                return "another file is at " + database.getFileName() + " now";
            }
            if (db.size() < databaseSize) {
                return database.getFileName() + " shrank from " + databaseSize + " to " + db.size() + " bytes";
            }
            if (logKey != null) {
                BasicFileAttributes wal = attributes(log);
                if (wal == null) {
                    return log.getFileName() + " is gone";
                }
                if (!Objects.equals(logKey, wal.fileKey())) {
                    return "another file is at " + log.getFileName() + " now";
                }
            }
            return null;
        } catch (IOException e) {
            // Attributes that cannot be read are no evidence of a replacement; SQLite reports real I/O failures.
            return null;
        }
    }

    /** The file's attributes (links followed, as SQLite opens them), or null when there is no file. */
    private static BasicFileAttributes attributes(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
