package dev.sdembed.cli.pull;

import dev.sdembed.hub.DownloadListener;
import dev.sdembed.hub.HubFile;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * What a pull shows while it downloads: on a terminal one line per file redrawn in place (path, bytes so far of the
 * total, rate, ETA), elsewhere a line when a file starts and one when it is done (size, seconds, rate), so a log stays
 * short. Files found in the cache get one line each. Called on the pulling thread only.
 */
public final class PullProgress implements DownloadListener {
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintWriter err;
    private final boolean terminal;
    private final LongSupplier clock;
    private long fileStarted;
    /** Bytes on disk at the first progress report of the file: a resumed download's rate starts from there. */
    private long firstBytes = -1;
    private long firstAt;
    private long lastDraw;

    /**
     * @param terminal whether {@code err} is a terminal, where the line of the running file is redrawn
     * @param clock    nanoseconds, {@link System#nanoTime} but for tests
     */
    public PullProgress(PrintWriter err, boolean terminal, LongSupplier clock) {
        this.err = err;
        this.terminal = terminal;
        this.clock = clock;
    }

    @Override
    public void snapshotStarted(String repoId, String commit, int files, long totalBytes) {
        err.println("sdembed: " + repoId + " at " + commit.substring(0, 12) + ": " + files + " file(s), "
                + bytes(totalBytes));
        err.flush();
    }

    @Override
    public void fileStarted(String repoId, String path, long totalBytes, boolean fromCache) {
        fileStarted = clock.getAsLong();
        firstBytes = -1;
        lastDraw = 0;
        if (!fromCache && !terminal) {
            err.println("sdembed: downloading " + path + " (" + bytes(totalBytes) + ")");
            err.flush();
        }
    }

    @Override
    public void fileProgress(String repoId, String path, long bytesSoFar, long totalBytes) {
        long now = clock.getAsLong();
        if (firstBytes < 0 || bytesSoFar < firstBytes) {
            firstBytes = bytesSoFar;
            firstAt = now;
        }
        if (terminal && now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            err.print("\r" + line(path, bytesSoFar, totalBytes, now) + "   ");
            err.flush();
        }
    }

    @Override
    public void fileDone(String repoId, HubFile file) {
        if (file.fromCache()) {
            err.println("sdembed: " + file.path() + " (" + bytes(file.size()) + ") is in the cache");
        } else {
            double seconds = Math.max(1e-9, (clock.getAsLong() - fileStarted) / 1e9);
            String done = file.path() + " " + bytes(file.size()) + " in " + String.format(Locale.ROOT, "%.1f s", seconds)
                    + ", " + bytes((long) (file.size() / seconds)) + "/s";
            err.println(terminal ? "\r  " + done + " ".repeat(20) : "sdembed: downloaded " + done);
        }
        err.flush();
    }

    /** {@code "  path  12.0 MB / 495.0 MB  2 %  35.1 MB/s  ETA 0:13"}. */
    String line(String path, long done, long total, long now) {
        double seconds = (now - firstAt) / 1e9;
        double rate = seconds > 0 ? (done - firstBytes) / seconds : 0;
        String eta = rate > 0 ? eta((long) ((total - done) / rate)) : "--:--";
        int percent = total == 0 ? 100 : (int) (100 * done / total);
        return "  " + path + "  " + bytes(done) + " / " + bytes(total) + "  " + percent + " %  " + bytes((long) rate)
                + "/s  ETA " + eta;
    }

    private static String eta(long seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60,
                seconds % 60) : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    /** Bytes as B, kB, MB or GB (powers of 1000, one decimal): {@link DownloadListener#humanBytes}. */
    public static String bytes(long n) {
        return DownloadListener.humanBytes(n);
    }
}
