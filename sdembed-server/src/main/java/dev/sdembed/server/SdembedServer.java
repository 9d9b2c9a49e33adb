package dev.sdembed.server;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.server.internal.Access;
import dev.sdembed.server.internal.Api;
import dev.sdembed.server.internal.ApiEndpoints;
import dev.sdembed.server.internal.EncoderGate;
import dev.sdembed.server.internal.Limits;
import dev.sdembed.server.internal.ServerMetrics;
import dev.sdembed.server.internal.Thumbnails;
import dev.sdembed.server.internal.Uploads;
import io.javalin.Javalin;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sdembed serve}: the JSON API and the web page over an opened {@link Sdembed} (its slots loaded once, its
 * store), on Javalin and Jetty 12 with a bounded thread pool.
 *
 * <pre>{@code
 * try (Sdembed sdembed = Sdembed.builder(config).store(url).usage(Sdembed.Usage.SERVING).open();
 *      SdembedServer server = SdembedServer.builder(sdembed).port(8080).start()) {
 *     server.awaitStop();
 * }
 * }</pre>
 *
 * It listens on 127.0.0.1 by default; any other address needs a token. Closing it stops taking requests, lets those
 * in flight finish (up to {@link Builder#drainMillis(long)}), then stops Jetty; idempotent. The {@link Sdembed} stays
 * open: whoever opened it closes it.
 */
public final class SdembedServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SdembedServer.class);

    /** Environment variable holding the token, so it need not be on the command line. */
    public static final String TOKEN_VARIABLE = "SDEMBED_SERVER_TOKEN";

    private final Javalin app;
    private final Access access;
    private final String host;
    private final long drainMillis;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object stopped = new Object();

    private SdembedServer(Javalin app, Access access, String host, long drainMillis) {
        this.app = app;
        this.access = access;
        this.host = host;
        this.drainMillis = drainMillis;
    }

    public static Builder builder(Sdembed sdembed) {
        return new Builder(sdembed);
    }

    /** The port it listens on (the one the system chose for port 0). */
    public int port() {
        return app.port();
    }

    /** {@code http://host:port} as a client on this machine reaches it. */
    public String url() {
        String h = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port();
    }

    /** Blocks until {@link #close()} has stopped the server (from another thread, e.g. a shutdown hook). */
    public void awaitStop() throws InterruptedException {
        synchronized (stopped) {
            while (!closed.get()) {
                stopped.wait();
            }
        }
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        String url = url();
        try {
            access.drain(drainMillis);
            app.stop();
            LOG.info("sdembed server on {} stopped", url);
        } finally {
            synchronized (stopped) {
                stopped.notifyAll();
            }
        }
    }

    /** The server's address, limits and files; {@link #start()} checks them and starts listening. */
    public static final class Builder {
        /** Default largest request body: 32 MB (an upload). */
        public static final long DEFAULT_MAX_BODY_BYTES = 32L << 20;
        public static final int DEFAULT_MAX_TEXT_LENGTH = 4_000;
        /** Default most pixels an uploaded or thumbnailed image may have: 64 megapixels. */
        public static final long DEFAULT_MAX_PIXELS = 64_000_000L;
        public static final int DEFAULT_MAX_PAGE = 100;
        public static final int DEFAULT_MAX_INPUTS = 256;
        public static final int DEFAULT_MAX_IN_FLIGHT = 32;
        public static final int DEFAULT_THREADS = 16;

        private final Sdembed sdembed;
        private String host = "127.0.0.1";
        private int port = 8080;
        private String token;
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int maxTextLength = DEFAULT_MAX_TEXT_LENGTH;
        private long maxPixels = DEFAULT_MAX_PIXELS;
        private int maxPage = DEFAULT_MAX_PAGE;
        private int maxInputs = DEFAULT_MAX_INPUTS;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private int threads = DEFAULT_THREADS;
        private int encoderConcurrency = 2;
        private long drainMillis = 10_000;
        private Path thumbnailCache;
        private List<String> corsOrigins = List.of();

        private Builder(Sdembed sdembed) {
            this.sdembed = Objects.requireNonNull(sdembed, "sdembed");
        }

        /** The address to listen on; default 127.0.0.1. Any address that is not loopback needs a {@link #token}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Default 8080; 0 lets the system choose (see {@link SdembedServer#port()}). */
        public Builder port(int port) {
            this.port = (int) Checks.inRange("port", port, 0, 65535);
            return this;
        }

        /**
         * The token every request but {@code /health} must carry ({@code Authorization: Bearer T}); null for none,
         * which only a loopback address allows.
         */
        public Builder token(String token) {
            if (token != null && token.length() < 16) {
                throw new InvalidInputException("The server token has " + token.length()
                        + " characters; use at least 16 (e.g. openssl rand -hex 16)");
            }
            this.token = token;
            return this;
        }

        /** Default {@value #DEFAULT_MAX_BODY_BYTES} bytes; larger bodies are 413. */
        public Builder maxBodyBytes(long bytes) {
            this.maxBodyBytes = Checks.inRange("maxBodyBytes", bytes, 1024, 1L << 31);
            return this;
        }

        /** Default {@value #DEFAULT_MAX_TEXT_LENGTH} characters per search text or embedding input. */
        public Builder maxTextLength(int chars) {
            this.maxTextLength = (int) Checks.inRange("maxTextLength", chars, 1, 1_000_000);
            return this;
        }

        /** Default {@value #DEFAULT_MAX_PIXELS}; uploads declaring more are 413, stored images over it get no thumbnail. */
        public Builder maxPixels(long pixels) {
            this.maxPixels = Checks.inRange("maxPixels", pixels, 1, ImageDecoder.MAX_PIXELS_CAP);
            return this;
        }

        /** Default {@value #DEFAULT_MAX_PAGE} hits or groups per page. */
        public Builder maxPage(int hits) {
            this.maxPage = (int) Checks.inRange("maxPage", hits, 1, Api.MAX_END);
            return this;
        }

        /** Default {@value #DEFAULT_MAX_IN_FLIGHT} requests at once; more are 503 with Retry-After. */
        public Builder maxInFlight(int requests) {
            this.maxInFlight = (int) Checks.inRange("maxInFlight", requests, 1, 10_000);
            return this;
        }

        /** Jetty's thread pool size; default {@value #DEFAULT_THREADS}. */
        public Builder threads(int threads) {
            this.threads = (int) Checks.inRange("threads", threads, 4, 1_000);
            return this;
        }

        /** Requests running on one slot's encoder at once (the rest wait in line); default 2. */
        public Builder encoderConcurrency(int n) {
            this.encoderConcurrency = (int) Checks.inRange("encoderConcurrency", n, 1, 64);
            return this;
        }

        /** How long closing waits for requests in flight; default 10 s. */
        public Builder drainMillis(long millis) {
            this.drainMillis = Checks.inRange("drainMillis", millis, 0, 600_000);
            return this;
        }

        /**
         * Where thumbnails are cached. Default: {@code thumbnails/} in the embedded store's folder, for a PostgreSQL
         * store {@code ~/.cache/sdembed/thumbnails} (they are keyed by content, so stores can share them).
         */
        public Builder thumbnailCache(Path dir) {
            this.thumbnailCache = dir;
            return this;
        }

        /** Origins allowed to call the API from another site's pages (CORS); default none. */
        public Builder corsOrigins(List<String> origins) {
            this.corsOrigins = List.copyOf(origins);
            return this;
        }

        /** Checks the settings, starts listening and returns the running server. */
        public SdembedServer start() {
            if (token == null && !isLoopback(host)) {
                throw new InvalidInputException("Listening on " + host + " (not a loopback address) needs a token:"
                        + " --token T or " + TOKEN_VARIABLE + "; without one only 127.0.0.1 or localhost is allowed");
            }
            Limits limits = new Limits(maxBodyBytes, maxTextLength, maxPixels, maxPage, maxInputs, maxInFlight);
            Path cache = thumbnailCache != null ? thumbnailCache : sdembed.storeLocation().isEmbedded()
                    ? sdembed.storeLocation().embeddedDirectory().resolve("thumbnails")
                    : Path.of(System.getProperty("user.home"), ".cache", "sdembed", "thumbnails");
            AtomicInteger inFlight = new AtomicInteger();
            ServerMetrics metrics = new ServerMetrics(sdembed.store(), inFlight);
            Access access = new Access(token, limits, inFlight, metrics);
            ImageDecoder decoder = ImageDecoder.builder().maxPixels(maxPixels).build();
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "sdembed-server-uploads");
            Api api = new Api(sdembed, limits, new EncoderGate(encoderConcurrency, 30_000, metrics),
                    new Thumbnails(cache, decoder, 2), new Uploads(tmp, maxPixels));
            Javalin app = ApiEndpoints.create(api, access, metrics, limits, threads, corsOrigins, tmp);
            try {
                app.start(host, port);
            } catch (RuntimeException e) {
                throw new InvalidInputException("Cannot listen on " + host + ":" + port + ": " + rootMessage(e), e);
            }
            SdembedServer server = new SdembedServer(app, access, host, drainMillis);
            LOG.info("sdembed server listening on {} ({}; thumbnails in {})", server.url(),
                    token == null ? "loopback only, no token" : "token required", cache);
            return server;
        }

        private static boolean isLoopback(String host) {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                throw new InvalidInputException("Host '" + host + "' is not an address this machine knows", e);
            }
        }

        private static String rootMessage(Throwable e) {
            Throwable t = e;
            while (t.getCause() != null) {
                t = t.getCause();
            }
            return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        }
    }
}
