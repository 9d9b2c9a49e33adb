package dev.sdembed.hub;

import dev.sdembed.hub.internal.LoggingDownloadListener;

/**
 * What a {@link HubClient} reports while it fetches a snapshot, so a caller can draw a progress bar with rate and ETA
 * or write log lines. Every method has an empty default; implement the ones you need.
 *
 * <p>All calls come from the thread that called {@link HubClient#snapshot}, one file after the other, and progress
 * at most a few times a second per file, so an implementation needs no locking and may print directly.
 */
public interface DownloadListener {

    /**
     * The snapshot's commit and file list are known; nothing has been fetched yet.
     *
     * @param files      how many files will follow
     * @param totalBytes the sum of their sizes, whether cached or not
     */
    default void snapshotStarted(String repoId, String commit, int files, long totalBytes) {
    }

    /**
     * A file starts.
     *
     * @param totalBytes its size
     * @param fromCache  true when it is already in the cache: {@link #fileDone} follows with no progress in between
     */
    default void fileStarted(String repoId, String path, long totalBytes, boolean fromCache) {
    }

    /**
     * Bytes of a file on disk so far. After a resume the first call reports the bytes already there (not fetched
     * now), so a rate should be measured from that first value. It can go down: a server that ignores a resume
     * makes the file start again from zero.
     */
    default void fileProgress(String repoId, String path, long bytesSoFar, long totalBytes) {
    }

    /** A file is in place and checked. */
    default void fileDone(String repoId, HubFile file) {
    }

    /** 1234567 → "1.2 MB": decimal units with one decimal, as the Hub's web pages show sizes; below 1000, "999 B". */
    static String humanBytes(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** A listener that does nothing. */
    static DownloadListener none() {
        return new DownloadListener() {
        };
    }

    /**
     * The default: one INFO line per downloaded file when it starts and when it is done (size, seconds, rate), a
     * DEBUG line per cached file, through SLF4J logger {@code dev.sdembed.hub.HubClient}.
     */
    static DownloadListener logging() {
        return LoggingDownloadListener.INSTANCE;
    }
}
