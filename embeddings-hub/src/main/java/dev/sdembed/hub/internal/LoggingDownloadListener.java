package dev.sdembed.hub.internal;

import dev.sdembed.hub.DownloadListener;
import dev.sdembed.hub.HubClient;
import dev.sdembed.hub.HubFile;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link DownloadListener#logging()}: a line per file, never per chunk. */
public final class LoggingDownloadListener implements DownloadListener {
    public static final LoggingDownloadListener INSTANCE = new LoggingDownloadListener();
    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);

    /** When the current file started; calls come from one thread, one file at a time. */
    private final ThreadLocal<Long> startedNanos = new ThreadLocal<>();

    private LoggingDownloadListener() {
    }

    @Override
    public void snapshotStarted(String repoId, String commit, int files, long totalBytes) {
        LOG.info("{} at commit {}: {} file(s), {}", repoId, commit, files, DownloadListener.humanBytes(totalBytes));
    }

    @Override
    public void fileStarted(String repoId, String path, long totalBytes, boolean fromCache) {
        if (!fromCache) {
            startedNanos.set(System.nanoTime());
            LOG.info("Downloading {} {} ({})", repoId, path, DownloadListener.humanBytes(totalBytes));
        }
    }

    @Override
    public void fileDone(String repoId, HubFile file) {
        if (file.fromCache()) {
            LOG.debug("{} {} is in the cache: {}", repoId, file.path(), file.localPath());
            return;
        }
        Long started = startedNanos.get();
        startedNanos.remove();
        double seconds = started == null ? 0 : (System.nanoTime() - started) / 1e9;
        LOG.info("Downloaded {} {}: {} in {} s ({}/s)", repoId, file.path(), DownloadListener.humanBytes(file.size()),
                String.format(Locale.ROOT, "%.1f", seconds),
                DownloadListener.humanBytes(seconds > 0 ? (long) (file.size() / seconds) : file.size()));
    }
}
