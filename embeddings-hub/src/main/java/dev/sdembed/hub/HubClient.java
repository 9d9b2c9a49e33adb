package dev.sdembed.hub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.hub.HubException.Reason;
import dev.sdembed.hub.internal.BlobDownload;
import dev.sdembed.hub.internal.Backoff;
import dev.sdembed.hub.internal.ContentHasher;
import dev.sdembed.hub.internal.HubCache;
import dev.sdembed.hub.internal.HubEnvironment;
import dev.sdembed.hub.internal.HubHttp;
import dev.sdembed.hub.internal.HubHttp.FileMetadata;
import dev.sdembed.hub.internal.HubTarget;
import dev.sdembed.hub.internal.Redaction;
import dev.sdembed.hub.internal.RepoEntry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads files of Hugging Face Hub model repositories into the standard huggingface_hub cache, as
 * {@code snapshot_download} does: a revision resolves to one commit and every file comes from it; files already in the
 * cache (also those Python tools fetched) are used as they are; the others are fetched with a HEAD on
 * {@code {endpoint}/{repo}/resolve/{commit}/{path}} then a GET that follows the redirect to the CDN by hand, resumed
 * after a drop, retried with backoff, and checked against the Hub's size and SHA-256 before they enter the cache.
 *
 * <p>Immutable and thread-safe; build one and share it, derive variants with {@link #toBuilder()} (they share the
 * HTTP client). Defaults come from the environment variables huggingface_hub reads ({@code HF_ENDPOINT},
 * {@code HF_TOKEN}, {@code HF_HOME}, {@code HF_HUB_CACHE}, {@code HF_HUB_OFFLINE}), each setter says which.
 *
 * <pre>{@code
 * HubSnapshot bge = HubClient.builder().build()
 *         .snapshot("BAAI/bge-large-en-v1.5", "main", p -> p.startsWith("onnx/") || p.endsWith(".json"));
 * Path model = bge.file("onnx/model.onnx").localPath();
 * }</pre>
 */
public final class HubClient {
    public static final String DEFAULT_REVISION = "main";
    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9_.\\-]+(/[A-Za-z0-9_.\\-]+)?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final int MAX_TREE_PAGES = 10_000;

    private final Function<String, String> environment;
    private final URI endpoint;
    private final String token;
    private final Path cacheDir;
    private final boolean offline;
    private final int maxRetries;
    private final Duration retryInitialDelay;
    private final Duration retryMaxDelay;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final DownloadListener listener;
    private final HttpClient httpClient;
    private final HubHttp http;
    private final HubCache cache;

    private HubClient(Builder b) {
        HubEnvironment env = new HubEnvironment(b.environment);
        this.environment = b.environment;
        this.endpoint = b.endpoint != null ? b.endpoint : env.endpoint();
        this.token = b.tokenSet ? b.token : env.token().orElse(null);
        this.cacheDir = (b.cacheDir != null ? b.cacheDir : env.cacheDir()).toAbsolutePath().normalize();
        this.offline = b.offline != null ? b.offline : env.offline();
        this.maxRetries = b.maxRetries;
        this.retryInitialDelay = b.retryInitialDelay;
        this.retryMaxDelay = b.retryMaxDelay;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.listener = b.listener;
        this.httpClient = b.httpClient != null && b.httpClient.connectTimeout().equals(Optional.of(connectTimeout))
                ? b.httpClient
                : HttpClient.newBuilder()
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(connectTimeout)
                        .build();
        this.http = new HubHttp(httpClient, endpoint, token,
                new Backoff(maxRetries, retryInitialDelay, retryMaxDelay), readTimeout, userAgent());
        this.cache = new HubCache(cacheDir);
        LOG.debug("{}", this);
    }

    /** A builder whose defaults come from the process environment. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this client's settings as resolved, sharing its HTTP client. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Whether a token is sent to the endpoint (the token itself is not exposed, so it cannot end up in a log). */
    public boolean hasToken() {
        return token != null;
    }

    public Path cacheDir() {
        return cacheDir;
    }

    public boolean offline() {
        return offline;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public Duration retryInitialDelay() {
        return retryInitialDelay;
    }

    public Duration retryMaxDelay() {
        return retryMaxDelay;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public DownloadListener listener() {
        return listener;
    }

    /**
     * The wanted files of {@code repoId} at {@code revision}, all from the one commit the revision resolves to, in the
     * cache's {@code snapshots/<commit>/}; missing ones are downloaded and checked first. {@code refs/<revision>} is
     * written once every file is in place, so a failed pull leaves the previous state of the revision.
     *
     * <p>Offline ({@link #offline()}) the revision resolves through {@code refs/} and the files must all be cached;
     * when the Hub cannot be reached the same happens, with a WARN. Files are fetched one after the other on this
     * thread, which also runs the {@link DownloadListener}.
     *
     * @param repoId     a model repository, {@code org/name} (e.g. {@code BAAI/bge-large-en-v1.5}) or {@code name}
     * @param revision   a branch, tag or 40-hex commit; {@link #DEFAULT_REVISION} is the usual one
     * @param wantedPath which repository paths ({@code /}-separated, e.g. {@code onnx/model.onnx}) to fetch
     * @throws HubException for every failure, its {@link HubException#reason()} saying which kind
     * @throws IllegalArgumentException for a malformed repository id or revision
     */
    public HubSnapshot snapshot(String repoId, String revision, Predicate<String> wantedPath) {
        checkRepoId(repoId);
        checkRevision(revision);
        Objects.requireNonNull(wantedPath, "wantedPath");
        HubTarget target = new HubTarget(repoId, revision, null, null);
        if (offline) {
            return fromCache(target, wantedPath, false);
        }
        Resolved resolved;
        try {
            resolved = resolve(target);
        } catch (HubException e) {
            return cachedAfter(e, target, () -> fromCache(target, wantedPath, true));
        }
        return fetchAll(resolved.target(), resolved.tree(), wantedPath);
    }

    /**
     * Every file of {@code repoId} at {@code revision} (path and size) and the commit it resolved to, downloading none:
     * for a caller that decides what it wants from what the repository has. Pass the listing to
     * {@link #snapshot(HubListing, Predicate)} to fetch the wanted files from that same commit. Offline, or when the
     * Hub cannot be reached (a WARN), the listing comes from the cache: {@code refs/<revision>} and the commit's cached
     * file list (else the files of its snapshot folder).
     *
     * @throws HubException for every failure, as {@link #snapshot(String, String, Predicate)}
     * @throws IllegalArgumentException for a malformed repository id or revision
     */
    public HubListing listing(String repoId, String revision) {
        checkRepoId(repoId);
        checkRevision(revision);
        HubTarget target = new HubTarget(repoId, revision, null, null);
        if (offline) {
            return cachedListing(target, false);
        }
        try {
            Resolved resolved = resolve(target);
            return new HubListing(repoId, revision, resolved.target().commit(), entries(resolved.tree()), false);
        } catch (HubException e) {
            return cachedAfter(e, target, () -> cachedListing(target, true));
        }
    }

    /**
     * What the cache answers when {@code e} says the Hub cannot be reached (after a WARN); any other failure, or a
     * cache that cannot answer, throws {@code e} (the cache's reason suppressed in it).
     */
    private <T> T cachedAfter(HubException e, HubTarget target, java.util.function.Supplier<T> cached) {
        if (e.reason() != Reason.NETWORK) {
            throw e;
        }
        LOG.warn("The Hub cannot be reached for {}; looking in the cache. {}", target.describe(), e.getMessage());
        try {
            return cached.get();
        } catch (HubException notCached) {
            e.addSuppressed(notCached);
            throw e;
        }
    }

    /**
     * The wanted files of a {@link #listing}, all from its commit, as {@link #snapshot(String, String, Predicate)}
     * fetches them; {@code refs/<revision>} is written once every file is in place. A listing that came from the
     * cache is served from the cache alone (every wanted file must be there).
     */
    public HubSnapshot snapshot(HubListing listing, Predicate<String> wantedPath) {
        Objects.requireNonNull(listing, "listing");
        Objects.requireNonNull(wantedPath, "wantedPath");
        HubTarget target = new HubTarget(listing.repoId(), listing.revision(), listing.commit(), null);
        if (offline || listing.fromCache()) {
            return fromCache(target, wantedPath, !offline);
        }
        Optional<List<RepoEntry>> tree = cache.readTree(listing.repoId(), listing.commit());
        return fetchAll(target, tree.isPresent() ? tree.get() : listTree(target), wantedPath);
    }

    /** A revision resolved to its commit, with the commit's files. */
    private record Resolved(HubTarget target, List<RepoEntry> tree) {
    }

    /** The commit of the target's revision and its file list (from the cache when listed before); caches both. */
    private Resolved resolve(HubTarget asked) {
        String revision = asked.revision();
        String commit = COMMIT.matcher(revision).matches() ? revision : resolveRevision(asked);
        HubTarget target = asked.withCommit(commit);
        Optional<List<RepoEntry>> cachedTree = cache.readTree(target.repoId(), commit);
        List<RepoEntry> tree = cachedTree.isPresent() ? cachedTree.get() : listTree(target);
        cache.tag();
        cache.writeTree(target.repoId(), commit, tree);
        return new Resolved(target, tree);
    }

    /** The wanted files of a resolved commit, fetched one after the other; then {@code refs/<revision>}. */
    private HubSnapshot fetchAll(HubTarget target, List<RepoEntry> tree, Predicate<String> wantedPath) {
        String repoId = target.repoId();
        List<RepoEntry> wanted = select(tree, wantedPath, target);
        listener.snapshotStarted(repoId, target.commit(), wanted.size(),
                wanted.stream().mapToLong(RepoEntry::size).sum());
        List<HubFile> files = new ArrayList<>();
        for (RepoEntry entry : wanted) {
            files.add(fetch(target.withPath(entry.path()), entry));
        }
        cache.writeRef(repoId, target.revision(), target.commit());
        return new HubSnapshot(repoId, target.revision(), target.commit(), cache.snapshotDir(repoId, target.commit()),
                files);
    }

    private static List<HubListing.Entry> entries(List<RepoEntry> tree) {
        return tree.stream().map(e -> new HubListing.Entry(e.path(), e.size())).toList();
    }

    /** {@code GET /api/models/{repo}/revision/{revision}}: the commit a branch or tag points at now. */
    private String resolveRevision(HubTarget target) {
        URI uri = URI.create(endpoint + "/api/models/" + target.repoId() + "/revision/"
                + HubHttp.quote(target.revision(), false));
        String sha = http.getJson(uri, target).body().path("sha").asText("");
        if (!COMMIT.matcher(sha).matches()) {
            throw http.protocol(target, "GET " + Redaction.url(uri) + " answered no commit sha (got '" + sha + "')");
        }
        return sha;
    }

    /** Every file of the commit, through the tree API and its {@code Link: rel="next"} pages. */
    private List<RepoEntry> listTree(HubTarget target) {
        URI page = URI.create(endpoint + "/api/models/" + target.repoId() + "/tree/" + target.commit()
                + "?recursive=true");
        Set<URI> seen = new HashSet<>();
        List<RepoEntry> entries = new ArrayList<>();
        while (page != null) {
            if (!seen.add(page) || seen.size() > MAX_TREE_PAGES) {
                throw http.protocol(target, "the tree API's pages loop or exceed " + MAX_TREE_PAGES + " at "
                        + Redaction.url(page));
            }
            HubHttp.Json answer = http.getJson(page, target);
            if (!answer.body().isArray()) {
                throw http.protocol(target, "GET " + Redaction.url(page) + " answered no JSON array");
            }
            for (JsonNode item : answer.body()) {
                if ("file".equals(item.path("type").asText())) {
                    entries.add(entry(item, target));
                }
            }
            page = http.nextPage(answer.headers()).orElse(null);
        }
        entries.sort((a, b) -> a.path().compareTo(b.path()));
        return List.copyOf(entries);
    }

    private RepoEntry entry(JsonNode item, HubTarget target) {
        try {
            JsonNode lfs = item.get("lfs");
            boolean isLfs = lfs != null && lfs.isObject();
            long size = isLfs && lfs.has("size") ? lfs.path("size").asLong() : item.path("size").asLong(-1);
            JsonNode xet = item.get("xetHash");
            return new RepoEntry(RepoEntry.checkPath(item.path("path").asText("")), size, item.path("oid").asText(""),
                    isLfs ? lfs.path("oid").asText("") : null, xet == null || xet.isNull() ? null : xet.asText());
        } catch (IllegalArgumentException e) {
            throw http.protocol(target, "the tree API lists an unusable entry: " + e.getMessage());
        }
    }

    private static List<RepoEntry> select(List<RepoEntry> tree, Predicate<String> wantedPath, HubTarget target) {
        List<RepoEntry> wanted = tree.stream().filter(e -> wantedPath.test(e.path())).toList();
        if (wanted.isEmpty()) {
            throw new HubException(Reason.NOT_FOUND, "No file of " + target.describe() + " is wanted; the"
                    + " repository has: " + sample(tree.stream().map(RepoEntry::path).toList()) + ".");
        }
        return wanted;
    }

    /** One file: from the snapshot folder, else linked from a blob another commit left, else downloaded. */
    private HubFile fetch(HubTarget target, RepoEntry entry) {
        String repoId = target.repoId();
        Path pointer = cache.pointer(repoId, target.commit(), entry.path());
        Optional<HubFile> cached = cachedFile(target, entry, pointer);
        if (cached.isPresent()) {
            announceCached(repoId, cached.get());
            return cached.get();
        }
        listener.fileStarted(repoId, entry.path(), entry.size(), false);
        URI resolveUrl = URI.create(endpoint + "/" + repoId + "/resolve/" + target.commit() + "/"
                + HubHttp.quote(entry.path(), true));
        FileMetadata meta = http.head(resolveUrl, target);
        if (!meta.commit().equals(target.commit())) {
            throw http.protocol(target, "HEAD " + Redaction.url(resolveUrl) + " answered X-Repo-Commit "
                    + meta.commit() + " for a request by commit");
        }
        if (!meta.etag().equals(entry.blobName()) || meta.size() != entry.size()) {
            throw new HubException(Reason.INTEGRITY, http.redact("The Hub contradicts itself about the "
                    + target.describe() + ": the tree API lists " + entry.size() + " bytes, "
                    + (entry.lfs() ? "LFS SHA-256 " : "git blob id ") + entry.blobName() + ", but HEAD on "
                    + Redaction.url(resolveUrl) + " says " + meta.size() + " bytes, ETag " + meta.etag()
                    + ". Nothing was downloaded; try again later."));
        }
        String sha256;
        boolean downloaded;
        try (HubCache.BlobLock lock = cache.lock(repoId, entry.blobName())) {
            Path blob = cache.blob(repoId, entry.blobName());
            // Another process may have finished the same blob while this one waited for the lock.
            Optional<String> present = checkedSha256(blob, entry);
            downloaded = present.isEmpty();
            if (present.isPresent()) {
                sha256 = present.get();
                cache.link(blob, pointer, false);
            } else {
                Path incomplete = cache.incomplete(repoId, entry.blobName());
                sha256 = new BlobDownload(http, target, entry, resolveUrl, incomplete, listener).run(meta.location());
                cache.moveIntoPlace(incomplete, blob);
                cache.link(blob, pointer, true);
            }
        }
        HubFile file = new HubFile(entry.path(), pointer, entry.size(), sha256, !downloaded);
        listener.fileDone(repoId, file);
        return file;
    }

    /** The file as cached: the pointer, or a blob of the same etag that only needs a link. */
    private Optional<HubFile> cachedFile(HubTarget target, RepoEntry entry, Path pointer) {
        Optional<String> sha256 = checkedSha256(pointer, entry);
        if (sha256.isEmpty()) {
            Path blob = cache.blob(target.repoId(), entry.blobName());
            sha256 = checkedSha256(blob, entry);
            if (sha256.isEmpty()) {
                return Optional.empty();
            }
            cache.link(blob, pointer, false);
        }
        return Optional.of(new HubFile(entry.path(), pointer, entry.size(), sha256.get(), true));
    }

    /**
     * The SHA-256 of a cached file when it is the entry's: the right size and, for a non-LFS file (small), the right
     * git blob id. An LFS blob is named by its SHA-256 and only ever moved into place after that check, so its size
     * is what is compared; one another tool put there is trusted as huggingface_hub trusts it.
     */
    private static Optional<String> checkedSha256(Path file, RepoEntry entry) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) != entry.size()) {
                if (Files.exists(file)) {
                    LOG.warn("Cached {} has {} bytes, not the Hub's {}: fetching it again", file, Files.size(file),
                            entry.size());
                }
                return Optional.empty();
            }
            if (entry.lfs()) {
                return Optional.of(entry.lfsSha256());
            }
            ContentHasher hash = ContentHasher.ofFile(file, true);
            if (!hash.gitSha1().equals(entry.gitOid())) {
                LOG.warn("Cached {} has git blob id {}, not the Hub's {}: fetching it again", file, hash.gitSha1(),
                        entry.gitOid());
                return Optional.empty();
            }
            return Optional.of(hash.sha256());
        } catch (IOException e) {
            LOG.warn("Cannot read cached {} ({}): fetching it again", file, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The snapshot from the cache alone: {@code refs/<revision>} → commit, the commit's cached file list (or, when
     * huggingface_hub left none, the files in its snapshot folder), every wanted file present.
     *
     * @param unreachable false in offline mode, true when the Hub could not be reached
     */
    private HubSnapshot fromCache(HubTarget asked, Predicate<String> wantedPath, boolean unreachable) {
        String repoId = asked.repoId();
        String why = why(unreachable);
        String fix = fix(unreachable);
        HubTarget target = asked.withCommit(cachedCommit(asked, unreachable));
        String commit = target.commit();
        List<HubFile> files = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Optional<List<RepoEntry>> tree = cache.readTree(repoId, commit);
        if (tree.isPresent()) {
            for (RepoEntry entry : select(tree.get(), wantedPath, target)) {
                cachedFile(target, entry, cache.pointer(repoId, commit, entry.path())).ifPresentOrElse(files::add,
                        () -> missing.add(entry.path() + " (" + entry.size() + " bytes)"));
            }
        } else {
            for (String path : cache.snapshotFiles(repoId, commit)) {
                if (wantedPath.test(path)) {
                    files.add(untracked(repoId, commit, path));
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new HubException(Reason.OFFLINE, "The cache " + cacheDir + " lacks " + missing.size()
                    + " wanted file(s) of " + target.describe() + " and " + why + ": "
                    + String.join(", ", missing) + ". " + fix);
        }
        if (files.isEmpty()) {
            throw new HubException(Reason.OFFLINE, "The cache " + cacheDir + " holds no wanted file of "
                    + target.describe() + " and " + why + ". " + fix);
        }
        listener.snapshotStarted(repoId, commit, files.size(), files.stream().mapToLong(HubFile::size).sum());
        files.forEach(f -> announceCached(repoId, f));
        return new HubSnapshot(repoId, asked.revision(), commit, cache.snapshotDir(repoId, commit), files);
    }

    /** The listing of the target's revision from the cache alone. */
    private HubListing cachedListing(HubTarget asked, boolean unreachable) {
        String repoId = asked.repoId();
        String commit = cachedCommit(asked, unreachable);
        Optional<List<RepoEntry>> tree = cache.readTree(repoId, commit);
        List<HubListing.Entry> files;
        if (tree.isPresent()) {
            files = entries(tree.get());
        } else {
            files = new ArrayList<>();
            for (String path : cache.snapshotFiles(repoId, commit)) {
                Path pointer = cache.pointer(repoId, commit, path);
                try {
                    files.add(new HubListing.Entry(path, Files.size(pointer)));
                } catch (IOException e) {
                    throw new HubException(Reason.CACHE, "Cannot read cached " + pointer + ": " + e.getMessage(), e);
                }
            }
        }
        if (files.isEmpty()) {
            throw new HubException(Reason.OFFLINE, "The cache " + cacheDir + " holds no file of "
                    + asked.withCommit(commit).describe() + " and " + why(unreachable) + ". " + fix(unreachable));
        }
        return new HubListing(repoId, asked.revision(), commit, files, true);
    }

    /** The commit a cached revision resolved to: the target's own, a commit revision, else {@code refs/<revision>}. */
    private String cachedCommit(HubTarget asked, boolean unreachable) {
        String repoId = asked.repoId();
        String revision = asked.revision();
        String known = asked.commit() != null ? asked.commit()
                : COMMIT.matcher(revision).matches() ? revision : null;
        return known != null ? known : cache.readRef(repoId, revision)
                .orElseThrow(() -> new HubException(Reason.OFFLINE, repoId + " at revision '" + revision
                        + "' is not in the cache " + cacheDir + " (no " + HubCache.repoFolderName(repoId) + "/refs/"
                        + revision + ") and " + why(unreachable) + ". " + fix(unreachable)));
    }

    private static String why(boolean unreachable) {
        return unreachable ? "the Hub cannot be reached" : "offline mode is on (HF_HUB_OFFLINE=1 or offline(true))";
    }

    private static String fix(boolean unreachable) {
        return unreachable ? "Pull it once the Hub is reachable."
                : "Pull it once with the Hub reachable (HF_HUB_OFFLINE unset).";
    }

    /** A cached file with no listing to check it against: its blob name is its SHA-256 when 64 hex digits. */
    private HubFile untracked(String repoId, String commit, String path) {
        Path pointer = cache.pointer(repoId, commit, path);
        try {
            Path target = Files.isSymbolicLink(pointer) ? Files.readSymbolicLink(pointer).getFileName() : null;
            String name = target == null ? "" : target.toString();
            String sha256 = RepoEntry.isSha256(name) ? name : ContentHasher.ofFile(pointer, false).sha256();
            return new HubFile(path, pointer, Files.size(pointer), sha256, true);
        } catch (IOException e) {
            throw new HubException(Reason.CACHE, "Cannot read cached " + pointer + ": " + e.getMessage(), e);
        }
    }

    private void announceCached(String repoId, HubFile file) {
        listener.fileStarted(repoId, file.path(), file.size(), true);
        listener.fileDone(repoId, file);
    }

    private static String sample(List<String> paths) {
        if (paths.isEmpty()) {
            return "no files";
        }
        String shown = paths.stream().limit(20).collect(Collectors.joining(", "));
        return paths.size() > 20 ? shown + ", … (" + paths.size() + " files)" : shown;
    }

    /** huggingface_hub's {@code validate_repo_id}: {@code name} or {@code org/name}, no {@code --} or {@code ..}. */
    private static void checkRepoId(String repoId) {
        Objects.requireNonNull(repoId, "repoId");
        if (!REPO_ID.matcher(repoId).matches() || repoId.contains("--") || repoId.contains("..")
                || repoId.length() > 96 || repoId.endsWith(".git")) {
            throw new IllegalArgumentException("repoId must be 'name' or 'org/name' of letters, digits, '-', '_'"
                    + " and '.' (no '--' or '..', at most 96 characters), e.g. BAAI/bge-large-en-v1.5: '" + repoId
                    + "'");
        }
    }

    private static void checkRevision(String revision) {
        Objects.requireNonNull(revision, "revision");
        boolean bad = revision.isBlank() || revision.startsWith("/") || revision.endsWith("/")
                || revision.contains("\\") || revision.indexOf('\0') >= 0;
        for (String segment : revision.split("/", -1)) {
            bad |= segment.isEmpty() || segment.equals(".") || segment.equals("..");
        }
        if (bad) {
            throw new IllegalArgumentException("revision must be a branch, tag or commit such as 'main': '"
                    + revision + "'");
        }
    }

    private static String userAgent() {
        String version = HubClient.class.getPackage().getImplementationVersion();
        return "sdembed-hub/" + (version == null ? "dev" : version) + "; java/" + Runtime.version().feature();
    }

    /** The settings, the token masked. */
    @Override
    public String toString() {
        return "HubClient{endpoint=" + endpoint + ", token=" + (token == null ? "none" : Redaction.MASK)
                + ", cacheDir=" + cacheDir + ", offline=" + offline + ", maxRetries=" + maxRetries
                + ", retryBackoff=" + retryInitialDelay.toMillis() + ".." + retryMaxDelay.toMillis() + " ms"
                + ", connectTimeout=" + connectTimeout.toMillis() + " ms, readTimeout=" + readTimeout.toMillis()
                + " ms}";
    }

    /**
     * Settings of a {@link HubClient}. A setting left unset takes its default when {@link #build()} runs, from the
     * {@link #environment(Function) environment} where the setter says so.
     */
    public static final class Builder {
        private static final Duration LONGEST = Duration.ofDays(1);

        private Function<String, String> environment = System::getenv;
        private URI endpoint;
        private String token;
        private boolean tokenSet;
        private Path cacheDir;
        private Boolean offline;
        private int maxRetries = 5;
        private Duration retryInitialDelay = Duration.ofSeconds(1);
        private Duration retryMaxDelay = Duration.ofSeconds(8);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(10);
        private DownloadListener listener = DownloadListener.logging();
        private HttpClient httpClient;

        private Builder() {
        }

        private Builder(HubClient c) {
            this.environment = c.environment;
            this.endpoint = c.endpoint;
            this.token = c.token;
            this.tokenSet = true;
            this.cacheDir = c.cacheDir;
            this.offline = c.offline;
            this.maxRetries = c.maxRetries;
            this.retryInitialDelay = c.retryInitialDelay;
            this.retryMaxDelay = c.retryMaxDelay;
            this.connectTimeout = c.connectTimeout;
            this.readTimeout = c.readTimeout;
            this.listener = c.listener;
            this.httpClient = c.httpClient;
        }

        /**
         * Where the defaults of the endpoint, token, cache folder and offline mode are looked up, by variable name.
         * Default {@code System::getenv}; tests pass a map's {@code get}.
         */
        public Builder environment(Function<String, String> lookup) {
            this.environment = Objects.requireNonNull(lookup, "environment");
            return this;
        }

        /**
         * The Hub, or a mirror speaking its protocol. Default: {@code HF_ENDPOINT}, else
         * {@code https://huggingface.co}. Trailing slashes are dropped.
         */
        public Builder endpoint(URI endpoint) {
            this.endpoint = HubEnvironment.checkEndpoint(Objects.requireNonNull(endpoint, "endpoint"));
            return this;
        }

        /**
         * The access token sent as {@code Authorization: Bearer} to the endpoint's host only, never to a host a
         * download is redirected to; null or blank for none. Default: {@code HF_TOKEN}, else
         * {@code HUGGING_FACE_HUB_TOKEN}, else the file {@code hf auth login} writes ({@code HF_TOKEN_PATH}, else
         * {@code $HF_HOME/token}), else none.
         */
        public Builder token(String token) {
            this.token = token == null || token.isBlank() ? null : token.strip();
            this.tokenSet = true;
            return this;
        }

        /**
         * The huggingface_hub cache folder (holding {@code models--org--name/}). Default: {@code HF_HUB_CACHE}, else
         * {@code HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub}, where {@code HF_HOME} defaults to
         * {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}.
         */
        public Builder cacheDir(Path cacheDir) {
            this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
            return this;
        }

        /**
         * Work from the cache alone, sending nothing. Default: true when {@code HF_HUB_OFFLINE} (or
         * {@code TRANSFORMERS_OFFLINE}) is {@code 1}, {@code ON}, {@code YES} or {@code TRUE}, else false.
         */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /**
         * How many times a failed request (408, 429, 5xx, a dropped or stalled connection) is retried before the
         * snapshot fails. A download that made progress since its last failure starts counting again. Default 5, as
         * huggingface_hub.
         */
        public Builder maxRetries(int retries) {
            if (retries < 0 || retries > 100) {
                throw new IllegalArgumentException("maxRetries must be between 0 and 100: " + retries);
            }
            this.maxRetries = retries;
            return this;
        }

        /**
         * The wait before the first retry, doubled for each next one up to {@code max}; a {@code Retry-After} header
         * replaces it (and one over five minutes fails at once, asking to try later). Default 1 s up to 8 s, as
         * huggingface_hub.
         */
        public Builder retryBackoff(Duration initial, Duration max) {
            Duration i = checkDuration("retryBackoff initial", initial, true);
            Duration m = checkDuration("retryBackoff max", max, true);
            if (m.compareTo(i) < 0) {
                throw new IllegalArgumentException("retryBackoff max " + m + " is less than initial " + i);
            }
            this.retryInitialDelay = i;
            this.retryMaxDelay = m;
            return this;
        }

        /** How long to wait for a connection. Default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = checkDuration("connectTimeout", timeout, false);
            return this;
        }

        /**
         * How long without a byte (or a response) before a request counts as dropped and is retried or resumed.
         * Default 10 s, huggingface_hub's {@code HF_HUB_DOWNLOAD_TIMEOUT}.
         */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = checkDuration("readTimeout", timeout, false);
            return this;
        }

        /** Told of each file's start, progress and end. Default {@link DownloadListener#logging()}. */
        public Builder listener(DownloadListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Resolves the defaults (reading the environment and the token file) and builds the client. */
        public HubClient build() {
            return new HubClient(this);
        }

        private static Duration checkDuration(String name, Duration d, boolean zeroAllowed) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || !zeroAllowed && d.isZero()) {
                throw new IllegalArgumentException(name + " must be " + (zeroAllowed ? "zero or more" : "positive")
                        + ": " + d);
            }
            if (d.compareTo(LONGEST) > 0) {
                throw new IllegalArgumentException(name + " must be at most a day: " + d);
            }
            return d;
        }
    }
}
