package dev.sdembed.server.internal;

import dev.sdembed.hash.ContentHash;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every request passes before its route, as one before-handler (and its after-handler): the host check, the
 * token, the body size and the bound on requests in flight. {@code /health} passes all of them.
 *
 * <ul>
 *   <li><b>Token</b> (when configured): {@code Authorization: Bearer T}, or the cookie a browser gets by opening
 *       {@code /?token=T} once (HttpOnly, SameSite=Strict); compared in constant time over SHA-256 digests, so
 *       neither the content nor the length leaks through timing. 401 otherwise.</li>
 *   <li><b>Host</b> (without a token, i.e. on a loopback address): the {@code Host} header must name a loopback
 *       host, so a web page whose domain is rebound to 127.0.0.1 cannot read the API. 403 otherwise.</li>
 *   <li><b>Body</b>: a declared {@code Content-Length} over the limit is 413 before a byte is read; a body without a
 *       length (chunked) is 411.</li>
 *   <li><b>In flight</b>: at most {@link Limits#maxInFlight()} requests at once (the metrics page aside); more, or
 *       any while the server shuts down, are 503 with {@code Retry-After: 1}.</li>
 * </ul>
 */
public final class Access {
    public static final String COOKIE = "sdembed_token";
    private static final String PERMIT = "sdembed.permit";
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    private final byte[] tokenDigest;
    private final Limits limits;
    private final Semaphore permits;
    private final AtomicInteger inFlight;
    private final ServerMetrics metrics;
    private volatile boolean closing;

    public Access(String token, Limits limits, AtomicInteger inFlight, ServerMetrics metrics) {
        this.tokenDigest = token == null ? null : digest(token);
        this.limits = limits;
        this.permits = new Semaphore(limits.maxInFlight());
        this.inFlight = inFlight;
        this.metrics = metrics;
    }

    public void before(Context ctx) {
        String path = ctx.path();
        if (path.equals("/health")) {
            return;
        }
        if (tokenDigest == null) {
            String host = hostName(ctx.header("Host"));
            if (host == null || !LOOPBACK.contains(host)) {
                throw new ApiException(403, "Host '" + ctx.header("Host") + "' is not allowed: this server listens on"
                        + " a loopback address without a token; use http://127.0.0.1 or http://localhost");
            }
        } else if (!authorized(ctx)) {
            throw new ApiException(401, ctx.header("Authorization") == null && ctx.cookie(COOKIE) == null
                    ? "this server needs a token: send 'Authorization: Bearer TOKEN', or open /?token=TOKEN once in"
                    + " a browser" : "wrong token");
        }
        String length = ctx.header("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Content-Length '" + length + "' is not a number");
            }
            if (declared > limits.maxBodyBytes()) {
                ctx.header("Connection", "close");
                throw ApiException.tooLarge("the request body has " + declared + " bytes; at most "
                        + limits.maxBodyBytes() + " are accepted");
            }
        } else if (ctx.header("Transfer-Encoding") != null) {
            throw new ApiException(411, "a request body needs a Content-Length (chunked bodies are not accepted)");
        }
        if (path.equals("/metrics")) {
            return;
        }
        if (closing) {
            metrics.refused();
            throw ApiException.overloaded("the server is shutting down", 1);
        }
        if (!permits.tryAcquire()) {
            metrics.refused();
            throw ApiException.overloaded("the server is busy: " + limits.maxInFlight()
                    + " requests are already being worked on; try again in a second", 1);
        }
        inFlight.incrementAndGet();
        ctx.attribute(PERMIT, Boolean.TRUE);
    }

    /** Gives back the request's permit, whatever its route did. */
    public void after(Context ctx) {
        if (ctx.attribute(PERMIT) != null) {
            ctx.attribute(PERMIT, null);
            inFlight.decrementAndGet();
            permits.release();
        }
    }

    /**
     * {@code GET /?token=T}: a right token becomes the browser's cookie and the page is opened without it in the
     * address; a wrong one is 401. Returns true when it answered.
     */
    public boolean login(Context ctx) {
        String given = ctx.queryParam("token");
        if (given == null || tokenDigest == null) {
            return false;
        }
        if (!MessageDigest.isEqual(tokenDigest, digest(given))) {
            throw new ApiException(401, "wrong token");
        }
        ctx.cookie(new Cookie(COOKIE, given, "/", -1, false, true, null, SameSite.STRICT));
        ctx.redirect("/", io.javalin.http.HttpStatus.SEE_OTHER);
        return true;
    }

    /** Refuses new requests from now on and waits up to {@code waitMs} for those in flight to finish. */
    public void drain(long waitMs) {
        closing = true;
        long end = System.currentTimeMillis() + waitMs;
        while (inFlight.get() > 0 && System.currentTimeMillis() < end) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean authorized(Context ctx) {
        String header = ctx.header("Authorization");
        if (header != null) {
            String h = header.trim();
            return h.regionMatches(true, 0, "Bearer ", 0, 7)
                    && MessageDigest.isEqual(tokenDigest, digest(h.substring(7).trim()));
        }
        if (ctx.path().equals("/") && ctx.queryParam("token") != null) {
            return true; // login() checks it
        }
        String cookie = ctx.cookie(COOKIE);
        return cookie != null && MessageDigest.isEqual(tokenDigest, digest(cookie));
    }

    private static byte[] digest(String token) {
        return ContentHash.sha256().digest(token.getBytes(StandardCharsets.UTF_8));
    }

    /** The host of a {@code Host} header, without its port, lower-case; null when absent. */
    static String hostName(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String h = header.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }
}
