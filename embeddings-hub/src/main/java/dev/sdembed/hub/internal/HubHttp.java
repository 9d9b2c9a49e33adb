package dev.sdembed.hub.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.hub.HubException;
import dev.sdembed.hub.HubException.Reason;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hub's HTTP conversation, as huggingface_hub has it ({@code utils/_http.py}, {@code file_download.py}):
 * redirects are followed by hand, and only while they stay on the endpoint's origin (a renamed repository); the
 * token goes to the endpoint's origin and nowhere else, so a CDN a download is redirected to never sees it; 408, 429,
 * 5xx and dropped connections are retried with backoff; {@code X-Error-Code} turns into a message saying what is
 * wrong and what to do.
 */
public final class HubHttp {
    private static final Logger LOG = LoggerFactory.getLogger(HubHttp.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_JSON_BYTES = 64 << 20;
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"?next\"?");

    /** What a HEAD on {@code resolve/} says about a file. */
    public record FileMetadata(String commit, String etag, long size, URI location) {
    }

    /** A JSON answer of the Hub API, with its headers (pagination links). */
    public record Json(JsonNode body, HttpHeaders headers) {
    }

    private final HttpClient client;
    private final URI endpoint;
    private final String token;
    private final Backoff backoff;
    private final Duration readTimeout;
    private final String userAgent;

    public HubHttp(HttpClient client, URI endpoint, String token, Backoff backoff, Duration readTimeout,
                   String userAgent) {
        this.client = client;
        this.endpoint = endpoint;
        this.token = token;
        this.backoff = backoff;
        this.readTimeout = readTimeout;
        this.userAgent = userAgent;
    }

    public URI endpoint() {
        return endpoint;
    }

    public Backoff backoff() {
        return backoff;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public HttpClient client() {
        return client;
    }

    /** Same scheme, host and port: the token is only ever sent where this holds for the endpoint. */
    public static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    public boolean onEndpoint(URI uri) {
        return sameOrigin(uri, endpoint);
    }

    private boolean sendsToken(URI uri) {
        return token != null && onEndpoint(uri);
    }

    /**
     * A request with the client's headers; {@code Authorization} only when {@code uri} is on the endpoint's origin.
     * {@code Accept-Encoding: identity} because sizes and hashes are of the bytes as stored.
     */
    public HttpRequest request(String method, URI uri, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(readTimeout)
                .header("User-Agent", userAgent)
                .header("Accept-Encoding", "identity");
        headers.forEach(b::header);
        boolean auth = sendsToken(uri);
        if (auth) {
            b.header("Authorization", "Bearer " + token);
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("{} {} {}{}", method, Redaction.url(uri), headers,
                    auth ? " Authorization: Bearer " + Redaction.MASK : "");
        }
        return b.build();
    }

    /** GET of a Hub API document, retried, following redirects on the endpoint's origin. */
    public Json getJson(URI uri, HubTarget target) {
        HttpResponse<byte[]> r = followOnEndpoint("GET", uri, target);
        if (isRedirect(r.statusCode())) {
            throw protocol(target, "GET " + Redaction.url(uri) + " redirected off the endpoint, to "
                    + Redaction.url(location(r, r.uri(), target)));
        }
        if (r.statusCode() / 100 != 2) {
            throw failure(r, target);
        }
        try {
            return new Json(JSON.readTree(r.body()), r.headers());
        } catch (IOException e) {
            throw protocol(target, "GET " + Redaction.url(r.uri()) + " did not answer JSON (" + e.getMessage() + ")");
        }
    }

    /** The {@code rel="next"} link of a paginated answer, moved onto the endpoint (as a mirror may name the Hub). */
    public Optional<URI> nextPage(HttpHeaders headers) {
        for (String link : headers.allValues("Link")) {
            Matcher m = NEXT_LINK.matcher(link);
            if (m.find()) {
                URI next = endpoint.resolve(m.group(1));
                String query = next.getRawQuery() == null ? "" : "?" + next.getRawQuery();
                return Optional.of(URI.create(endpoint + next.getRawPath() + query));
            }
        }
        return Optional.empty();
    }

    /**
     * HEAD on a file's {@code resolve/} URL: redirects on the endpoint's origin are followed (a renamed repository);
     * one to another host says where the content is and stops there, as {@code get_hf_file_metadata}.
     */
    public FileMetadata head(URI resolveUrl, HubTarget target) {
        HttpResponse<byte[]> r = followOnEndpoint("HEAD", resolveUrl, target);
        if (isRedirect(r.statusCode())) {
            return metadata(r, location(r, r.uri(), target), target, true);
        }
        if (r.statusCode() / 100 != 2) {
            throw failure(r, target);
        }
        return metadata(r, r.uri(), target, false);
    }

    /**
     * The answer to {@code method} on {@code uri} once redirects on the endpoint's origin are followed; a redirect off
     * it is returned as it is.
     */
    private HttpResponse<byte[]> followOnEndpoint(String method, URI uri, HubTarget target) {
        URI url = uri;
        for (int hops = 0; ; hops++) {
            HttpResponse<byte[]> r = small(method, url, target);
            if (!isRedirect(r.statusCode())) {
                return r;
            }
            URI next = location(r, url, target);
            if (!onEndpoint(next)) {
                return r;
            }
            if (hops >= MAX_REDIRECTS) {
                throw protocol(target, method + " " + Redaction.url(uri) + " redirected " + hops + " times");
            }
            url = next;
        }
    }

    private FileMetadata metadata(HttpResponse<?> r, URI location, HubTarget target, boolean redirect) {
        HttpHeaders h = r.headers();
        String where = "HEAD " + Redaction.url(r.uri());
        String commit = h.firstValue("X-Repo-Commit").orElseThrow(() -> protocol(target, where
                + " answered without X-Repo-Commit: " + endpoint + " does not look like a Hugging Face Hub."
                + " Check HF_ENDPOINT and any proxy between here and the Hub"));
        String etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).map(HubHttp::normalizeEtag)
                .orElseThrow(() -> protocol(target, where + " answered without an ETag"));
        OptionalLong size = longHeader(h, "X-Linked-Size");
        if (size.isEmpty() && !redirect) {
            size = longHeader(h, "Content-Length");
        }
        if (size.isEmpty()) {
            throw protocol(target, where + " answered without X-Linked-Size or Content-Length");
        }
        return new FileMetadata(commit, etag, size.getAsLong(), location);
    }

    /** {@code W/"abc"} or {@code "abc"} → {@code abc}, as {@code _normalize_etag}. */
    public static String normalizeEtag(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        return e.replace("\"", "");
    }

    public static OptionalLong longHeader(HttpHeaders h, String name) {
        Optional<String> v = h.firstValue(name);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v.get().strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** The redirect's target, resolved against the request (a relative {@code Location} stays on its host). */
    public URI location(HttpResponse<?> r, URI from, HubTarget target) {
        String loc = r.headers().firstValue("Location").orElseThrow(() -> protocol(target,
                r.request().method() + " " + Redaction.url(from) + " redirected (" + r.statusCode()
                        + ") without a Location"));
        try {
            return from.resolve(loc.strip());
        } catch (IllegalArgumentException e) {
            throw protocol(target, "redirect from " + Redaction.url(from) + " to a bad Location");
        }
    }

    /** One small request (HEAD, API), retried on 408/429/5xx and dropped connections; redirects are returned. */
    private HttpResponse<byte[]> small(String method, URI url, HubTarget target) {
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<byte[]> r = WatchedExchange.send(client, request(method, url, Map.of()),
                        info -> info.statusCode() / 100 == 2 ? WatchedExchange.memory(MAX_JSON_BYTES)
                                : WatchedExchange.discarding(), readTimeout, n -> {
                        });
                if (!Backoff.retried(r.statusCode())) {
                    return r;
                }
                Optional<Duration> retryAfter = Backoff.retryAfter(r.headers());
                if (attempt > backoff.maxRetries()) {
                    throw network(target, method + " " + Redaction.url(url), attempt, statusText(r), null);
                }
                pauseBeforeRetry(target, method + " " + Redaction.url(url), attempt, statusText(r), retryAfter);
            } catch (IOException e) {
                if (attempt > backoff.maxRetries()) {
                    throw network(target, method + " " + Redaction.url(url), attempt, describe(e), e);
                }
                pauseBeforeRetry(target, method + " " + Redaction.url(url), attempt, describe(e), Optional.empty());
            } catch (InterruptedException e) {
                throw interrupted(target, e);
            }
        }
    }

    /** Logs a WARN and waits before retry {@code attempt}; refuses a Retry-After beyond five minutes. */
    public void pauseBeforeRetry(HubTarget target, String what, int attempt, String why, Optional<Duration> retryAfter) {
        if (retryAfter.isPresent() && retryAfter.get().compareTo(Backoff.LONGEST_RETRY_AFTER) > 0) {
            throw new HubException(Reason.NETWORK, redact(what + " for " + target.describe() + " answered " + why
                    + " asking to retry after " + retryAfter.get().toSeconds() + " s, longer than "
                    + Backoff.LONGEST_RETRY_AFTER.toMinutes() + " minutes: try again later"));
        }
        Duration wait = backoff.delay(attempt, retryAfter);
        LOG.warn("{} for {} failed: {}; retry {}/{} in {} ms{}", what, target.describe(), redact(why), attempt,
                backoff.maxRetries(), wait.toMillis(), retryAfter.isPresent() ? " (Retry-After)" : "");
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            throw interrupted(target, e);
        }
    }

    public static String statusText(HttpResponse<?> r) {
        return "HTTP " + r.statusCode() + r.headers().firstValue("X-Error-Message").map(m -> " (" + m + ")")
                .orElse("");
    }

    public static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    /** The error for a response that is neither success nor redirect nor worth a retry. */
    public HubException failure(HttpResponse<?> r, HubTarget t) {
        HttpHeaders h = r.headers();
        int status = r.statusCode();
        String code = h.firstValue("X-Error-Code").orElse("");
        String detail = "HTTP " + status + (code.isEmpty() ? "" : " " + code)
                + h.firstValue("X-Error-Message").map(m -> ": " + m).orElse("");
        boolean tokenSent = sendsToken(r.uri());
        boolean fromHub = onEndpoint(r.uri());
        String host = fromHub ? endpoint.toString() : "the download host " + r.uri().getHost();
        String page = endpoint + "/" + t.repoId();
        String message;
        Reason reason;
        if (code.equals("RevisionNotFound")) {
            reason = Reason.NOT_FOUND;
            message = "Revision '" + t.revision() + "' of " + t.repoId() + " does not exist on " + host + " ("
                    + detail + "). Check the branch, tag or commit name on " + page + ".";
        } else if (code.equals("EntryNotFound")) {
            reason = Reason.NOT_FOUND;
            message = "The " + t.describe() + " does not exist on " + host + " (" + detail + " for "
                    + Redaction.url(r.uri()) + "). Check the file name on " + page + "/tree/"
                    + (t.commit() != null ? t.commit() : t.revision()) + ".";
        } else if (code.equals("GatedRepo")) {
            reason = Reason.UNAUTHORIZED;
            message = t.repoId() + " is gated (" + detail + ") and " + (tokenSent
                    ? "the token's account has not been granted access. Accept the conditions on " + page
                    + " with that account, or set HF_TOKEN to a token of an account that has."
                    : "no token was sent. Accept its conditions on " + page + ", then set HF_TOKEN to a read token"
                    + " of that account (or run `hf auth login`).");
        } else if (status == 404 || code.equals("RepoNotFound") && status != 401) {
            reason = Reason.NOT_FOUND;
            message = "Repository " + t.repoId() + " was not found on " + host + " (" + detail + "). Check its name"
                    + (tokenSent ? " and that the token's account can read it."
                    : "; if it is private, set HF_TOKEN to a token that can read it.");
        } else if (status == 401) {
            reason = Reason.UNAUTHORIZED;
            message = tokenSent
                    ? host + " refused the token for " + t.describe() + " (" + detail + "). Set HF_TOKEN to a valid"
                    + " read token (" + endpoint + "/settings/tokens); if the repository is gated, accept its"
                    + " conditions on " + page + "."
                    : host + " requires a token for " + t.describe() + " (" + detail + "): the repository is"
                    + " private or gated. Set HF_TOKEN to a read token (or run `hf auth login`), and accept the"
                    + " conditions on " + page + " if it is gated.";
        } else if (status == 403) {
            reason = Reason.UNAUTHORIZED;
            message = host + " refused access to " + t.describe() + " (" + detail + "). " + (tokenSent
                    ? "The token lacks permission: use one with read access, and accept the conditions on " + page
                    + " if the repository is gated."
                    : "Set HF_TOKEN to a token with read access, and accept the conditions on " + page
                    + " if the repository is gated.");
        } else {
            reason = Reason.PROTOCOL;
            message = host + " answered " + detail + " to " + r.request().method() + " "
                    + Redaction.url(r.uri()) + " for " + t.describe() + "; expected a success or a redirect.";
        }
        return new HubException(reason, redact(message));
    }

    /** Retries used up. */
    public HubException network(HubTarget t, String what, int attempts, String last, Exception cause) {
        return new HubException(Reason.NETWORK, redact(what + " for " + t.describe() + " failed " + attempts
                + " time(s), last: " + last + ". Check the connection (and HF_ENDPOINT, now " + endpoint
                + ") or try again later; what is in the cache stays, and a partial download resumes."), cause);
    }

    public HubException protocol(HubTarget t, String what) {
        return new HubException(Reason.PROTOCOL, redact(what + " (for " + t.describe() + ")."));
    }

    public HubException interrupted(HubTarget t, InterruptedException e) {
        Thread.currentThread().interrupt();
        return new HubException(Reason.INTERRUPTED, "Interrupted while fetching " + t.describe()
                + "; a partial download stays in the cache and resumes next time.", e);
    }

    /** {@code text} without the token. */
    public String redact(String text) {
        return Redaction.text(text, token);
    }

    /** Percent-encodes a path for a URL, keeping {@code /} when {@code keepSlash} (huggingface_hub's quote). */
    public static String quote(String s, boolean keepSlash) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '~' || keepSlash && c == '/') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }
}
