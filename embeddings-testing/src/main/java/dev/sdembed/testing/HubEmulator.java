package dev.sdembed.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Hugging Face Hub on loopback, for tests of a Hub client: repositories served from local folders with the
 * protocol huggingface_hub speaks, on two hosts so that a redirect really leaves the Hub:
 *
 * <ul>
 *   <li>the Hub (127.0.0.1): {@code GET /api/models/{repo}/revision/{rev}} (the commit), {@code GET
 *       /api/models/{repo}/tree/{rev}[/{path}]?recursive=…} (paged with {@code Link: rel="next"}; files with their
 *       git blob {@code oid}, LFS files with {@code lfs.oid} = SHA-256 and {@code lfs.size}), and {@code HEAD|GET
 *       /{repo}/resolve/{rev}/{path}}: a small file is served there ({@code ETag} = git blob id), an LFS file answers
 *       302 to the CDN with {@code X-Linked-Etag} (its SHA-256) and {@code X-Linked-Size}; always {@code
 *       X-Repo-Commit}. Errors carry {@code X-Error-Code} ({@code RepoNotFound}, {@code RevisionNotFound},
 *       {@code EntryNotFound}, {@code GatedRepo}).</li>
 *   <li>the CDN (127.0.0.2 where it can be bound, else 127.0.0.1 on another port): {@code GET|HEAD
 *       /lfs/{sha256}?X-Amz-Signature=…}. Both hosts honour {@code Range: bytes=N-} with 206.</li>
 * </ul>
 *
 * Each revision of a repository is a folder; its fake commit is a SHA-1 of the repository, revision name and files.
 * A file is LFS when it is at least {@link Builder#lfsThreshold} bytes or its name matches {@link
 * Builder#lfsPatterns}. Faults are injected per file or for the next requests, each used up as it fires. Every
 * request is recorded ({@link #requests()}). Bounded: a request beyond {@link Builder#maxRequests} gets a 500, and
 * {@link #close()} stops both servers and their threads.
 */
public final class HubEmulator implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    static {
        // The JDK server writes headers and body apart; without TCP_NODELAY every small answer waits ~40 ms for a
        // delayed ACK on loopback. Read once when the server classes load, so it is set before the first server.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** A served file. */
    private record Blob(String path, Path source, long size, String sha256, String gitOid, boolean lfs,
                        String pointerOid, int pointerSize) {
        String treeOid() {
            return lfs ? pointerOid : gitOid;
        }
    }

    private record Revision(String name, String commit, TreeMap<String, Blob> files) {
    }

    private final Map<String, Map<String, Revision>> repos;
    private final Map<String, String> aliases;
    private final String token;
    private final int treePageSize;
    private final int maxRequests;
    private final Map<String, Blob> blobsBySha256 = new ConcurrentHashMap<>();
    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService executor;
    private final URI endpoint;
    private final URI cdnEndpoint;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger requestCount = new AtomicInteger();

    // Faults, keyed by the file's SHA-256 where they concern a file.
    private final Map<String, Long> dropAfter = new ConcurrentHashMap<>();
    private final Map<String, long[]> stallAfter = new ConcurrentHashMap<>();
    private final Map<String, Boolean> corrupt = new ConcurrentHashMap<>();
    private final Map<String, Long> wrongSize = new ConcurrentHashMap<>();
    private final Map<String, Boolean> ignoreRangeOnce = new ConcurrentHashMap<>();
    private final Map<String, Boolean> removed = new ConcurrentHashMap<>();
    private final AtomicInteger rateLimited = new AtomicInteger();
    private volatile int retryAfterSeconds = -1;
    private final AtomicInteger serverErrors = new AtomicInteger();
    private final AtomicInteger droppedRequests = new AtomicInteger();

    private HubEmulator(Builder b) throws IOException {
        this.aliases = Map.copyOf(b.aliases);
        this.token = b.token;
        this.treePageSize = b.treePageSize;
        this.maxRequests = b.maxRequests;
        Map<String, Map<String, Revision>> loaded = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Path>> repo : b.revisions.entrySet()) {
            Map<String, Revision> revisions = new LinkedHashMap<>();
            for (Map.Entry<String, Path> rev : repo.getValue().entrySet()) {
                revisions.put(rev.getKey(), load(repo.getKey(), rev.getKey(), rev.getValue(), b));
            }
            loaded.put(repo.getKey(), revisions);
        }
        this.repos = loaded;
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "hub-emulator");
            t.setDaemon(true);
            return t;
        });
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        this.hub = HttpServer.create(new InetSocketAddress(loopback, 0), 50);
        HttpServer cdnServer;
        try {
            cdnServer = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0), 50);
        } catch (IOException e) {
            // macOS routes only 127.0.0.1: another port still makes another origin.
            cdnServer = HttpServer.create(new InetSocketAddress(loopback, 0), 50);
        }
        this.cdn = cdnServer;
        hub.createContext("/", ex -> handle(ex, "hub"));
        cdn.createContext("/", ex -> handle(ex, "cdn"));
        hub.setExecutor(executor);
        cdn.setExecutor(executor);
        hub.start();
        cdn.start();
        this.endpoint = URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
        this.cdnEndpoint = URI.create("http://" + cdn.getAddress().getAddress().getHostAddress() + ":"
                + cdn.getAddress().getPort());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Repositories, LFS rules, token and limits of an emulator. */
    public static final class Builder {
        private final Map<String, Map<String, Path>> revisions = new LinkedHashMap<>();
        private final Map<String, String> aliases = new LinkedHashMap<>();
        private long lfsThreshold = 10L * 1024 * 1024;
        private List<String> lfsPatterns = List.of("*.onnx", "*.onnx_data", "*.bin", "*.safetensors", "*.pt",
                "*.pth", "*.ckpt", "*.h5", "*.msgpack");
        private String token;
        private int treePageSize = 100;
        private int maxRequests = 10_000;

        private Builder() {
        }

        /** A repository whose branch {@code main} holds the files under {@code folder}. */
        public Builder repo(String repoId, Path folder) {
            return revision(repoId, "main", folder);
        }

        /** Another revision (branch or tag) of a repository, holding the files under {@code folder}. */
        public Builder revision(String repoId, String revision, Path folder) {
            revisions.computeIfAbsent(repoId, r -> new LinkedHashMap<>()).put(revision, folder);
            return this;
        }

        /** {@code oldId} was renamed to {@code newId}: its URLs answer 307 with a relative Location, as the Hub. */
        public Builder alias(String oldId, String newId) {
            aliases.put(oldId, newId);
            return this;
        }

        /** Files of at least this many bytes are LFS. Default 10 MiB, the Hub's limit for plain git files. */
        public Builder lfsThreshold(long bytes) {
            this.lfsThreshold = bytes;
            return this;
        }

        /** File-name globs tracked by LFS whatever their size. Default: *.onnx, *.onnx_data, *.bin, *.safetensors… */
        public Builder lfsPatterns(String... globs) {
            this.lfsPatterns = List.of(globs);
            return this;
        }

        /** Every Hub request must carry {@code Authorization: Bearer <token>}, else 401 (a gated repository). */
        public Builder requireToken(String token) {
            this.token = token;
            return this;
        }

        /** Tree entries per page. Default 100. */
        public Builder treePageSize(int entries) {
            this.treePageSize = entries;
            return this;
        }

        /** Requests served before every further one gets a 500, against a client that loops. Default 10,000. */
        public Builder maxRequests(int requests) {
            this.maxRequests = requests;
            return this;
        }

        /** Reads the folders, hashes their files and starts both servers. */
        public HubEmulator start() {
            try {
                return new HubEmulator(this);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot start the Hub emulator: " + e.getMessage(), e);
            }
        }
    }

    /** The Hub's base URL, e.g. {@code http://127.0.0.1:41234}: a client's endpoint. */
    public URI endpoint() {
        return endpoint;
    }

    /** The CDN's base URL, on another host (or port) than {@link #endpoint()}. */
    public URI cdnEndpoint() {
        return cdnEndpoint;
    }

    /** The fake commit of a revision. */
    public String commit(String repoId, String revision) {
        return revision(repoId, revision).commit();
    }

    /** Whether the emulator serves the file of branch {@code main} through LFS (and so through the CDN). */
    public boolean isLfs(String repoId, String path) {
        return blob(repoId, path).lfs();
    }

    /** The next GET of the file (on whichever host serves it) sends {@code bytes} bytes, then drops the connection. */
    public void dropConnectionAfter(String repoId, String path, long bytes) {
        dropAfter.put(blob(repoId, path).sha256(), bytes);
    }

    /**
     * The next GET of the file sends {@code bytes} bytes, then sends nothing for {@code millis} ms before going on
     * (a stalled transfer; a client that gave up meanwhile finds the connection closed).
     */
    public void stallAfter(String repoId, String path, long bytes, long millis) {
        stallAfter.put(blob(repoId, path).sha256(), new long[] {bytes, millis});
    }

    /** Every transfer of the file has one byte (its middle one) flipped, until the emulator closes. */
    public void corrupt(String repoId, String path) {
        corrupt.put(blob(repoId, path).sha256(), true);
    }

    /**
     * Every GET of the file sends {@code servedSize} bytes (cut, or padded with zeros) with a matching
     * Content-Length, while the tree and the HEAD keep the true size.
     */
    public void wrongSize(String repoId, String path, long servedSize) {
        wrongSize.put(blob(repoId, path).sha256(), servedSize);
    }

    /** The next GET of the file that asks for a range gets the whole file with 200, as a server without ranges. */
    public void ignoreRangeOnce(String repoId, String path) {
        ignoreRangeOnce.put(blob(repoId, path).sha256(), true);
    }

    /** The file stays in the tree, but its {@code resolve/} URL answers 404 {@code EntryNotFound}. */
    public void remove(String repoId, String path) {
        removed.put(repoId + "\0" + path, true);
    }

    /**
     * The next {@code times} Hub requests get 429, with {@code Retry-After: retryAfterSeconds} when that is not
     * negative.
     */
    public void rateLimit(int times, int retryAfterSeconds) {
        this.retryAfterSeconds = retryAfterSeconds;
        rateLimited.set(times);
    }

    /** The next {@code times} Hub requests get 500. */
    public void serverError(int times) {
        serverErrors.set(times);
    }

    /** The next {@code times} Hub requests have their connection closed before any response. */
    public void dropRequests(int times) {
        droppedRequests.set(times);
    }

    /** Every request so far, in arrival order. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public List<RecordedRequest> requests(Predicate<RecordedRequest> which) {
        return requests.stream().filter(which).toList();
    }

    public void clearRequests() {
        requests.clear();
    }

    /** Stops both servers at once and their threads. */
    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------------------------

    private Revision revision(String repoId, String revision) {
        Map<String, Revision> revisions = repos.get(repoId);
        if (revisions == null || !revisions.containsKey(revision)) {
            throw new IllegalArgumentException("The emulator has no revision " + revision + " of " + repoId);
        }
        return revisions.get(revision);
    }

    private Blob blob(String repoId, String path) {
        Blob blob = revision(repoId, "main").files().get(path);
        if (blob == null) {
            throw new IllegalArgumentException("The emulator has no file " + path + " in " + repoId + " main");
        }
        return blob;
    }

    private Revision load(String repoId, String revision, Path folder, Builder b) throws IOException {
        TreeMap<String, Blob> files = new TreeMap<>();
        List<PathMatcher> lfsGlobs = b.lfsPatterns.stream()
                .map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                String path = folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                long size = Files.size(file);
                boolean lfs = size >= b.lfsThreshold || lfsGlobs.stream().anyMatch(m -> m.matches(file.getFileName()));
                String sha256 = hex(digest("SHA-256", new byte[0], file));
                String gitOid = hex(digest("SHA-1", ("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII), file));
                byte[] pointer = ("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " + size
                        + "\n").getBytes(StandardCharsets.US_ASCII);
                String pointerOid = hex(sha1(("blob " + pointer.length + "\0").getBytes(StandardCharsets.US_ASCII),
                        pointer));
                Blob blob = new Blob(path, file, size, sha256, gitOid, lfs, pointerOid, pointer.length);
                files.put(path, blob);
                blobsBySha256.putIfAbsent(sha256, blob);
            }
        }
        StringBuilder commitText = new StringBuilder("commit\0" + repoId + "\0" + revision + "\0");
        files.values().forEach(f -> commitText.append(f.path()).append(' ').append(f.treeOid()).append('\n'));
        String commit = hex(sha1(commitText.toString().getBytes(StandardCharsets.UTF_8)));
        return new Revision(revision, commit, files);
    }

    private void handle(HttpExchange ex, String server) throws IOException {
        try (ex) {
            URI uri = ex.getRequestURI();
            String path = decode(uri.getRawPath());
            Map<String, List<String>> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            requests.add(new RecordedRequest(server, ex.getLocalAddress().getAddress().getHostAddress(),
                    ex.getRequestMethod(), path, uri.getRawQuery(), headers));
            if (requestCount.incrementAndGet() > maxRequests) {
                error(ex, 500, null, "HubEmulator request limit (" + maxRequests + ") reached: the client loops");
                return;
            }
            if (server.equals("cdn")) {
                serveCdn(ex, path, uri.getRawQuery());
                return;
            }
            if (takeOne(droppedRequests)) {
                throw new IOException("HubEmulator drops this connection before answering");
            }
            if (takeOne(rateLimited)) {
                if (retryAfterSeconds >= 0) {
                    ex.getResponseHeaders().set("Retry-After", Integer.toString(retryAfterSeconds));
                }
                error(ex, 429, null, "Too many requests (emulated)");
                return;
            }
            if (takeOne(serverErrors)) {
                error(ex, 500, null, "Internal error (emulated)");
                return;
            }
            if (redirectAlias(ex, uri)) {
                return;
            }
            if (token != null && !("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                boolean sent = ex.getRequestHeaders().getFirst("Authorization") != null;
                error(ex, 401, sent ? null : "GatedRepo", sent ? "Invalid credentials in Authorization header"
                        : "Access to this model is restricted. You must have access to it and be authenticated to"
                        + " access it. Please log in.");
                return;
            }
            if (path.startsWith("/api/models/")) {
                api(ex, path, uri.getRawQuery());
            } else {
                resolve(ex, path);
            }
        }
    }

    private static boolean takeOne(AtomicInteger counter) {
        return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    /** A request naming a renamed repository: 307 to the same path under the new name, relative. */
    private boolean redirectAlias(HttpExchange ex, URI uri) throws IOException {
        String raw = uri.getRawPath();
        for (Map.Entry<String, String> alias : aliases.entrySet()) {
            for (String prefix : List.of("/api/models/", "/")) {
                String old = prefix + alias.getKey() + "/";
                if (raw.startsWith(old)) {
                    String target = prefix + alias.getValue() + "/" + raw.substring(old.length())
                            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
                    ex.getResponseHeaders().set("Location", target);
                    ex.sendResponseHeaders(307, -1);
                    return true;
                }
            }
        }
        return false;
    }

    private void api(HttpExchange ex, String path, String query) throws IOException {
        String[] segments = path.substring("/api/models/".length()).split("/", -1);
        for (int repoSegments = 1; repoSegments <= 2 && repoSegments < segments.length; repoSegments++) {
            String repoId = String.join("/", List.of(segments).subList(0, repoSegments));
            String op = segments[repoSegments];
            if (!repos.containsKey(repoId) || !(op.equals("revision") || op.equals("tree"))) {
                continue;
            }
            if (segments.length < repoSegments + 2) {
                break;
            }
            Optional<Revision> rev = findRevision(repoId, segments[repoSegments + 1]);
            if (rev.isEmpty()) {
                error(ex, 404, "RevisionNotFound", "Invalid rev id: " + segments[repoSegments + 1]);
                return;
            }
            if (op.equals("revision")) {
                ObjectNode info = JSON.createObjectNode();
                info.put("id", repoId);
                info.put("modelId", repoId);
                info.put("sha", rev.get().commit());
                ArrayNode siblings = info.putArray("siblings");
                rev.get().files().keySet().forEach(p -> siblings.addObject().put("rfilename", p));
                json(ex, 200, info, Map.of());
            } else {
                String under = String.join("/", List.of(segments).subList(repoSegments + 2, segments.length));
                tree(ex, repoId, segments[repoSegments + 1], rev.get(), under, query == null ? "" : query);
            }
            return;
        }
        error(ex, 404, "RepoNotFound", "Repository not found");
    }

    private void tree(HttpExchange ex, String repoId, String revName, Revision rev, String under, String query)
            throws IOException {
        Map<String, String> params = new LinkedHashMap<>();
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                params.put(kv.substring(0, eq), decode(kv.substring(eq + 1)));
            }
        }
        boolean recursive = Boolean.parseBoolean(params.getOrDefault("recursive", "false"));
        String prefix = under.isEmpty() ? "" : under + "/";
        List<ObjectNode> entries = new ArrayList<>();
        TreeSet<String> dirs = new TreeSet<>();
        for (Blob f : rev.files().values()) {
            if (!f.path().startsWith(prefix)) {
                continue;
            }
            String rest = f.path().substring(prefix.length());
            String[] parts = rest.split("/");
            for (int i = 1; i < parts.length && (recursive || i == 1); i++) {
                dirs.add(prefix + String.join("/", List.of(parts).subList(0, i)));
            }
            if (!recursive && parts.length > 1) {
                continue;
            }
            ObjectNode e = JSON.createObjectNode();
            e.put("type", "file");
            e.put("oid", f.treeOid());
            e.put("size", f.size());
            e.put("path", f.path());
            if (f.lfs()) {
                ObjectNode lfs = e.putObject("lfs");
                lfs.put("oid", f.sha256());
                lfs.put("size", f.size());
                lfs.put("pointerSize", f.pointerSize());
            }
            entries.add(e);
        }
        if (entries.isEmpty() && !under.isEmpty()) {
            error(ex, 404, "EntryNotFound", under + " does not exist on " + revName);
            return;
        }
        List<ObjectNode> all = new ArrayList<>();
        for (String dir : dirs) {
            ObjectNode d = JSON.createObjectNode();
            d.put("type", "directory");
            d.put("oid", hex(sha1(("tree " + dir).getBytes(StandardCharsets.UTF_8))));
            d.put("size", 0);
            d.put("path", dir);
            all.add(d);
        }
        all.addAll(entries);
        int start = params.containsKey("cursor")
                ? Integer.parseInt(new String(Base64.getUrlDecoder().decode(params.get("cursor")), StandardCharsets.UTF_8))
                : 0;
        int end = Math.min(all.size(), start + treePageSize);
        ArrayNode page = JSON.createArrayNode();
        all.subList(Math.min(start, end), end).forEach(page::add);
        Map<String, String> extra = new LinkedHashMap<>();
        if (end < all.size()) {
            String cursor = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(Integer.toString(end).getBytes(StandardCharsets.UTF_8));
            extra.put("Link", "<" + endpoint + "/api/models/" + repoId + "/tree/" + encode(revName)
                    + (under.isEmpty() ? "" : "/" + under) + "?recursive=" + recursive + "&cursor=" + cursor
                    + ">; rel=\"next\"");
        }
        json(ex, 200, page, extra);
    }

    private void resolve(HttpExchange ex, String path) throws IOException {
        String[] segments = path.substring(1).split("/", -1);
        for (int repoSegments = 1; repoSegments <= 2 && repoSegments + 2 < segments.length; repoSegments++) {
            String repoId = String.join("/", List.of(segments).subList(0, repoSegments));
            if (!repos.containsKey(repoId) || !segments[repoSegments].equals("resolve")) {
                continue;
            }
            Optional<Revision> rev = findRevision(repoId, segments[repoSegments + 1]);
            if (rev.isEmpty()) {
                error(ex, 404, "RevisionNotFound", "Invalid rev id: " + segments[repoSegments + 1]);
                return;
            }
            String file = String.join("/", List.of(segments).subList(repoSegments + 2, segments.length));
            Blob blob = rev.get().files().get(file);
            ex.getResponseHeaders().set("X-Repo-Commit", rev.get().commit());
            if (blob == null || removed.containsKey(repoId + "\0" + file)) {
                error(ex, 404, "EntryNotFound", "Entry not found");
                return;
            }
            if (blob.lfs()) {
                ex.getResponseHeaders().set("X-Linked-Etag", "\"" + blob.sha256() + "\"");
                ex.getResponseHeaders().set("X-Linked-Size", Long.toString(blob.size()));
                ex.getResponseHeaders().set("ETag", "\"" + blob.pointerOid() + "\"");
                ex.getResponseHeaders().set("Location", cdnEndpoint + "/lfs/" + blob.sha256() + "?X-Amz-Signature="
                        + HexFormat.of().formatHex(randomBytes()) + "&Expires=3600");
                ex.sendResponseHeaders(302, -1);
                return;
            }
            serveContent(ex, blob, "\"" + blob.gitOid() + "\"");
            return;
        }
        error(ex, 404, "RepoNotFound", "Repository not found");
    }

    private void serveCdn(HttpExchange ex, String path, String query) throws IOException {
        Blob blob = path.startsWith("/lfs/") ? blobsBySha256.get(path.substring("/lfs/".length())) : null;
        if (blob == null) {
            error(ex, 404, null, "NoSuchKey");
            return;
        }
        if (query == null || !query.contains("X-Amz-Signature=")) {
            error(ex, 403, null, "AccessDenied: no signature");
            return;
        }
        serveContent(ex, blob, "\"" + blob.sha256() + "\"");
    }

    /** The bytes of a file, with Range support and the file's faults applied. */
    private void serveContent(HttpExchange ex, Blob blob, String etag) throws IOException {
        boolean head = ex.getRequestMethod().equals("HEAD");
        long size = head ? blob.size() : wrongSize.getOrDefault(blob.sha256(), blob.size());
        ex.getResponseHeaders().set("ETag", etag);
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        long start = 0;
        int status = 200;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && !head && ignoreRangeOnce.remove(blob.sha256()) != null) {
            range = null;
        }
        if (range != null) {
            Matcher m = RANGE.matcher(range.strip());
            if (!m.matches() || !m.group(2).isEmpty() || Long.parseLong(m.group(1)) >= size) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
                error(ex, 416, null, "Range Not Satisfiable");
                return;
            }
            start = Long.parseLong(m.group(1));
            status = 206;
            ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (size - 1) + "/" + size);
        }
        long length = size - start;
        if (head) {
            ex.getResponseHeaders().set("Content-Length", Long.toString(length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, length);
        Long drop = dropAfter.remove(blob.sha256());
        long[] stall = stallAfter.remove(blob.sha256());
        long flip = corrupt.containsKey(blob.sha256()) ? blob.size() / 2 : -1;
        OutputStream out = ex.getResponseBody();
        long sent = 0;
        try (FileChannel in = FileChannel.open(blob.source(), StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            long position = start;
            while (position < size) {
                buffer.clear();
                int n = position < blob.size() ? in.read(buffer, position) : -1;
                if (n <= 0) {
                    // Padding of an emulated wrong size.
                    n = (int) Math.min(buffer.capacity(), size - position);
                    buffer.clear();
                    buffer.put(new byte[n]);
                }
                n = (int) Math.min(n, size - position);
                byte[] chunk = new byte[n];
                buffer.flip();
                buffer.get(chunk, 0, n);
                if (flip >= position && flip < position + n) {
                    chunk[(int) (flip - position)] ^= (byte) 0xFF;
                }
                if (stall != null && sent + n > stall[0]) {
                    int before = (int) (stall[0] - sent);
                    out.write(chunk, 0, before);
                    out.flush();
                    sleep(stall[1]);
                    out.write(chunk, before, n - before);
                    stall = null;
                    sent += n;
                    position += n;
                    continue;
                }
                if (drop != null && sent + n > drop) {
                    out.write(chunk, 0, (int) (drop - sent));
                    out.flush();
                    throw new IOException("HubEmulator drops the connection after " + drop + " bytes of "
                            + blob.path());
                }
                out.write(chunk);
                sent += n;
                position += n;
            }
        }
    }

    private Optional<Revision> findRevision(String repoId, String revision) {
        Map<String, Revision> revisions = repos.get(repoId);
        if (revisions.containsKey(revision)) {
            return Optional.of(revisions.get(revision));
        }
        return revisions.values().stream().filter(r -> r.commit().equals(revision)).findFirst();
    }

    private static void json(HttpExchange ex, int status, Object body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach(ex.getResponseHeaders()::set);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        if (code != null) {
            ex.getResponseHeaders().set("X-Error-Code", code);
        }
        ex.getResponseHeaders().set("X-Error-Message", message);
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ObjectNode body = JSON.createObjectNode().put("error", message);
        json(ex, status, body, Map.of());
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("HubEmulator closed during a stall", e);
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[16];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /** Percent-decoding of a URL path or query value ({@code +} stays). */
    private static String decode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    private static byte[] digest(String algorithm, byte[] prefix, Path file) throws IOException {
        MessageDigest md = md(algorithm);
        md.update(prefix);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            while (in.read(buffer) > 0) {
                buffer.flip();
                md.update(buffer);
                buffer.clear();
            }
        }
        return md.digest();
    }

    private static byte[] sha1(byte[]... parts) {
        MessageDigest md = md("SHA-1");
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    private static MessageDigest md(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
