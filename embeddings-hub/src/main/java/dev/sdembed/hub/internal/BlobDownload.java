package dev.sdembed.hub.internal;

import dev.sdembed.hub.DownloadListener;
import dev.sdembed.hub.HubException;
import dev.sdembed.hub.HubException.Reason;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads one file into {@code blobs/<etag>.incomplete} until it is whole and checked, as huggingface_hub's
 * {@code http_get}: a dropped or stalled transfer resumes with {@code Range: bytes=N-} from the bytes on disk (also
 * those a killed earlier run left); a server that answers 200 to a resume makes the file restart from zero. Then the
 * size, and the SHA-256 (LFS) or git blob id (others), must be the Hub's, else the partial file is deleted and the
 * download fails naming both values. The caller holds the blob's lock.
 */
public final class BlobDownload {
    private static final Logger LOG = LoggerFactory.getLogger(BlobDownload.class);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final HubHttp http;
    private final HubTarget target;
    private final RepoEntry entry;
    private final URI resolveUrl;
    private final Path incomplete;
    private final DownloadListener listener;
    private ContentHasher hasher;

    public BlobDownload(HubHttp http, HubTarget target, RepoEntry entry, URI resolveUrl, Path incomplete,
                        DownloadListener listener) {
        this.http = http;
        this.target = target;
        this.entry = entry;
        this.resolveUrl = resolveUrl;
        this.incomplete = incomplete;
        this.listener = listener;
    }

    /** Fetches from {@code location} (the HEAD's answer) and returns the content's SHA-256 once checked. */
    public String run(URI location) {
        try {
            Files.createDirectories(incomplete.getParent());
            fetch(location);
            return verify();
        } catch (HubException e) {
            if (e.reason() == Reason.INTEGRITY) {
                deleteIncomplete();
            }
            throw e;
        } catch (IOException e) {
            throw HubCache.cacheFailure("write " + incomplete, e);
        }
    }

    private void fetch(URI location) throws IOException {
        long expected = entry.size();
        long gitSize = entry.lfs() ? -1 : expected;
        warnIfShortOfSpace(expected - sizeOnDisk());
        URI url = location;
        int failures = 0;
        int redirects = 0;
        boolean refreshed = false;
        while (true) {
            long offset = sizeOnDisk();
            if (offset > expected) {
                LOG.warn("{} holds {} bytes, more than the {} of {}: starting again", incomplete, offset, expected,
                        target.describe());
                deleteIncomplete();
                offset = 0;
            }
            if (hasher == null || hasher.count() != offset) {
                hasher = offset == 0 ? new ContentHasher(gitSize) : ContentHasher.ofPrefix(incomplete, offset, gitSize);
            }
            if (offset == expected) {
                listener.fileProgress(target.repoId(), entry.path(), offset, expected);
                return;
            }
            if (offset > 0) {
                LOG.info("Resuming {} at byte {} of {}", target.describe(), offset, expected);
                listener.fileProgress(target.repoId(), entry.path(), offset, expected);
            }
            Attempt attempt = new Attempt(offset, hasher, expected, gitSize);
            String what = "GET " + Redaction.url(url);
            HttpResponse<Long> r;
            try {
                r = WatchedExchange.send(http.client(),
                        http.request("GET", url, offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of()),
                        attempt::open, http.readTimeout(),
                        n -> listener.fileProgress(target.repoId(), entry.path(), attempt.onDisk(), expected));
            } catch (IOException e) {
                boolean progressed = attempt.onDisk() > offset || attempt.restarted() && attempt.onDisk() > 0;
                failures = progressed ? 1 : failures + 1;
                if (failures > http.backoff().maxRetries()) {
                    throw http.network(target, what, failures, HubHttp.describe(e), e);
                }
                http.pauseBeforeRetry(target, what, failures, "transfer interrupted after " + attempt.onDisk()
                        + " of " + expected + " bytes (" + HubHttp.describe(e) + ")", Optional.empty());
                continue;
            } catch (InterruptedException e) {
                throw http.interrupted(target, e);
            } finally {
                attempt.cancel();
                hasher = attempt.hasher();
            }
            int status = r.statusCode();
            if ((status == 200 || status == 206) && attempt.opened()) {
                long onDisk = sizeOnDisk();
                if (onDisk == expected) {
                    listener.fileProgress(target.repoId(), entry.path(), onDisk, expected);
                    return;
                }
                if (attempt.declaredLength()) {
                    throw integrity("its size", expected + " bytes (the Hub's)", "a complete response of "
                            + r.body() + " bytes from " + r.uri().getHost() + ", leaving " + onDisk + " on disk");
                }
                // No Content-Length: the body ended when the connection did, which is a drop.
                String why = "the connection closed at " + onDisk + " of " + expected + " bytes";
                failures++;
                if (failures > http.backoff().maxRetries()) {
                    throw http.network(target, what, failures, why, null);
                }
                http.pauseBeforeRetry(target, what, failures, why, Optional.empty());
                continue;
            }
            if (status == 206) {
                LOG.warn("{} answered a resume at byte {} with Content-Range {}: starting {} again", what, offset,
                        r.headers().firstValue("Content-Range").orElse("(none)"), entry.path());
                deleteIncomplete();
            } else if (HubHttp.isRedirect(status)) {
                if (++redirects > 10) {
                    throw http.protocol(target, what + " redirected " + redirects + " times");
                }
                url = http.location(r, url, target);
                continue;
            } else if (status == 416) {
                LOG.warn("{} refused the range bytes={}- (416): starting {} again", what, offset, entry.path());
                deleteIncomplete();
            } else if (Backoff.retried(status)) {
                // Falls through to the count below.
            } else if (!refreshed && !http.onEndpoint(url) && (status == 401 || status == 403 || status == 404
                    || status == 410)) {
                // A CDN's signed URL expires; the Hub hands out a fresh one.
                refreshed = true;
                LOG.info("{} answered {}: asking the Hub for a new download location", what, status);
                url = http.head(resolveUrl, target).location();
                continue;
            } else {
                throw http.failure(r, target);
            }
            failures++;
            if (failures > http.backoff().maxRetries()) {
                throw http.network(target, what, failures, HubHttp.statusText(r), null);
            }
            http.pauseBeforeRetry(target, what, failures, HubHttp.statusText(r), Backoff.retryAfter(r.headers()));
        }
    }

    private String verify() throws IOException {
        long size = sizeOnDisk();
        if (size != entry.size()) {
            throw integrity("its size", entry.size() + " bytes (the Hub's)", size + " bytes");
        }
        if (entry.lfs()) {
            String actual = hasher.sha256();
            if (!actual.equals(entry.lfsSha256())) {
                throw integrity("its SHA-256", entry.lfsSha256() + " (the Hub's LFS oid)", actual);
            }
        } else {
            String actual = hasher.gitSha1();
            if (!actual.equals(entry.gitOid())) {
                throw integrity("its git blob id", entry.gitOid() + " (the Hub's)", actual);
            }
        }
        return hasher.sha256();
    }

    private HubException integrity(String what, String expected, String actual) {
        return new HubException(Reason.INTEGRITY, http.redact("The " + target.describe() + " failed its check: "
                + what + " should be " + expected + " but is " + actual + ". The partial download was deleted;"
                + " pull again, and if this repeats, something between here and the Hub alters the download."));
    }

    private long sizeOnDisk() throws IOException {
        return Files.exists(incomplete) ? Files.size(incomplete) : 0;
    }

    private void deleteIncomplete() {
        try {
            Files.deleteIfExists(incomplete);
            hasher = null;
        } catch (IOException e) {
            throw HubCache.cacheFailure("delete " + incomplete, e);
        }
    }

    private void warnIfShortOfSpace(long needed) {
        try {
            long usable = Files.getFileStore(incomplete.getParent()).getUsableSpace();
            if (usable < needed) {
                LOG.warn("{} needs {} more bytes but {} has only {} free", target.describe(), needed,
                        incomplete.getParent(), usable);
            }
        } catch (IOException e) {
            LOG.debug("Free space of {} unknown: {}", incomplete.getParent(), e.getMessage());
        }
    }

    /**
     * One GET: the sink that writes 200/206 bodies to the {@code .incomplete} file. Everything that touches the file
     * or the hasher holds this object's lock, and {@link #cancel} ends it, so a late chunk of a cancelled exchange
     * can never land in the file the next attempt writes.
     */
    private final class Attempt implements WatchedExchange.Sink<Long> {
        private final long offset;
        private final long expected;
        private final long gitSize;
        private ContentHasher hasher;
        private FileChannel channel;
        private volatile long onDisk;
        private boolean cancelled;
        private boolean opened;
        private boolean restarted;
        private boolean declaredLength;

        Attempt(long offset, ContentHasher hasher, long expected, long gitSize) {
            this.offset = offset;
            this.hasher = hasher;
            this.expected = expected;
            this.gitSize = gitSize;
            this.onDisk = offset;
        }

        synchronized WatchedExchange.Sink<Long> open(HttpResponse.ResponseInfo info) throws IOException {
            int status = info.statusCode();
            if (cancelled || status != 200 && status != 206) {
                return WatchedExchange.discarding();
            }
            String encoding = info.headers().firstValue("Content-Encoding").orElse("identity");
            if (!encoding.equalsIgnoreCase("identity")) {
                throw http.protocol(target, "the download host sent Content-Encoding " + encoding
                        + " though identity was asked: the bytes would not be the file's");
            }
            OptionalLong length = HubHttp.longHeader(info.headers(), "Content-Length");
            declaredLength = length.isPresent();
            long start = 0;
            long total = length.orElse(-1);
            if (status == 206) {
                Matcher m = CONTENT_RANGE.matcher(info.headers().firstValue("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
                    return WatchedExchange.discarding();
                }
                start = offset;
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            }
            if (total >= 0 && total != expected) {
                throw integrity("its size", expected + " bytes (the Hub's)", total + " bytes (announced by "
                        + (status == 206 ? "Content-Range" : "Content-Length") + ")");
            }
            if (status == 200 && offset > 0) {
                LOG.info("The download host ignored the resume of {} at byte {} (200, not 206): starting again",
                        target.describe(), offset);
                restarted = true;
            }
            if (start == 0) {
                hasher = new ContentHasher(gitSize);
            }
            channel = FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            channel.truncate(start);
            channel.position(start);
            onDisk = start;
            opened = true;
            return this;
        }

        @Override
        public synchronized void write(ByteBuffer bytes) throws IOException {
            if (cancelled) {
                throw new IOException("download cancelled");
            }
            if (onDisk + bytes.remaining() > expected) {
                throw integrity("its size", expected + " bytes (the Hub's)", "more: the download host sent over "
                        + (onDisk + bytes.remaining()) + " bytes");
            }
            ByteBuffer forHash = bytes.duplicate();
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            hasher.update(forHash);
            onDisk = channel.position();
        }

        @Override
        public synchronized Long finish() throws IOException {
            channel.force(true);
            channel.close();
            return onDisk - (restarted ? 0 : offset);
        }

        @Override
        public synchronized void abandon() {
            closeChannel();
        }

        synchronized void cancel() {
            cancelled = true;
            closeChannel();
        }

        private void closeChannel() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    LOG.debug("Closing {}: {}", incomplete, e.getMessage());
                }
            }
        }

        long onDisk() {
            return onDisk;
        }

        synchronized boolean opened() {
            return opened;
        }

        synchronized boolean restarted() {
            return restarted;
        }

        synchronized boolean declaredLength() {
            return declaredLength;
        }

        synchronized ContentHasher hasher() {
            return hasher;
        }
    }
}
