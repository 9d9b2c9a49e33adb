package dev.sdembed.hub;

import java.util.Objects;

/**
 * Everything the Hub client throws. Unchecked, one type with a {@link Reason} the caller can act on (the command line
 * picks its hint and exit code from it), and a message that names the repository, revision and file, what was
 * expected, and what to do.
 *
 * <p>It does not extend {@code dev.sdembed.SdembedException}: that would make this module depend on
 * {@code embeddings-core} and with it image and metadata libraries a download has no use for. Messages never hold
 * the token or a download URL's query (a CDN signature).
 */
public class HubException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a Hub operation failed. */
    public enum Reason {
        /** The repository, the revision or a file does not exist (HTTP 404, {@code X-Error-Code}). */
        NOT_FOUND,
        /** The Hub refused the token or its absence: a private or gated repository (HTTP 401 / 403). */
        UNAUTHORIZED,
        /** A file's size or hash differs from what the Hub declares; the partial file was deleted. */
        INTEGRITY,
        /** Offline mode, and the cache lacks the revision or some of the wanted files. */
        OFFLINE,
        /** The Hub or the CDN could not be reached, or kept failing (429, 5xx, dropped connections) past the retries. */
        NETWORK,
        /** The endpoint answered something a Hugging Face Hub does not (no commit header, a bad path, bad JSON). */
        PROTOCOL,
        /** The local cache could not be read or written. */
        CACHE,
        /** The calling thread was interrupted; a partial download stays in the cache and resumes next time. */
        INTERRUPTED
    }

    private final Reason reason;

    public HubException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public HubException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
