package dev.sdembed.hub.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sdembed.hub.HubException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The huggingface_hub cache layout ({@code file_download.py}), so that files fetched by Python tools are reused and
 * the other way round:
 *
 * <pre>
 * &lt;cache&gt;/models--org--name/
 *   blobs/&lt;etag&gt;                      the content; etag = LFS SHA-256 or git blob id
 *   blobs/&lt;etag&gt;.incomplete           a download in progress, resumed from its length
 *   snapshots/&lt;commit&gt;/&lt;path&gt;        relative symbolic link to ../../blobs/&lt;etag&gt; (a copy where links fail)
 *   refs/&lt;revision&gt;                   the commit the revision last resolved to
 *   trees/&lt;commit&gt;.json               the commit's file list (huggingface_hub ≥ 1.22's tree cache)
 * &lt;cache&gt;/.locks/models--org--name/&lt;etag&gt;.lock
 * </pre>
 *
 * Every file is written under a temporary name and moved into place atomically, so a reader sees a whole file or
 * none.
 */
public final class HubCache {
    private static final Logger LOG = LoggerFactory.getLogger(HubCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TREE_FORMAT_VERSION = 1;
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    /** One lock per blob lock file for the threads of this JVM; a {@link FileLock} excludes other processes. */
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final String CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n"
            + "# This file is a cache directory tag created by sdembed (Hugging Face Hub cache).\n"
            + "# For information about cache directory tags, see https://bford.info/cachedir/\n";

    private final Path root;
    /** Null until the first link; false once the file system refused a symbolic link. */
    private volatile Boolean symlinks;

    public HubCache(Path root) {
        this.root = root;
    }

    /** For tests of the copy fallback: a cache that never makes symbolic links. */
    static HubCache withoutSymlinks(Path root) {
        HubCache cache = new HubCache(root);
        cache.symlinks = false;
        return cache;
    }

    public Path root() {
        return root;
    }

    /** {@code models--org--name}, huggingface_hub's {@code repo_folder_name}. */
    public static String repoFolderName(String repoId) {
        return "models--" + repoId.replace("/", "--");
    }

    public Path repoDir(String repoId) {
        return root.resolve(repoFolderName(repoId));
    }

    public Path blob(String repoId, String blobName) {
        return repoDir(repoId).resolve("blobs").resolve(blobName);
    }

    /** Where a blob is downloaded to: {@code blobs/<etag>.incomplete}, resumed from its length. */
    public Path incomplete(String repoId, String blobName) {
        return repoDir(repoId).resolve("blobs").resolve(blobName + ".incomplete");
    }

    public Path snapshotDir(String repoId, String commit) {
        return repoDir(repoId).resolve("snapshots").resolve(checkCommit(commit));
    }

    public Path pointer(String repoId, String commit, String path) {
        Path dir = snapshotDir(repoId, commit);
        Path pointer = dir.resolve(RepoEntry.checkPath(path));
        if (!pointer.normalize().startsWith(dir)) {
            throw new IllegalArgumentException("path " + path + " leaves the snapshot folder " + dir);
        }
        return pointer;
    }

    /** The commit {@code refs/<revision>} holds, if any (huggingface_hub writes it with no line break). */
    public Optional<String> readRef(String repoId, String revision) {
        Path ref = refPath(repoId, revision);
        if (!Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            if (!COMMIT.matcher(commit).matches()) {
                LOG.warn("Ignoring {}: it holds '{}', not a commit", ref, commit);
                return Optional.empty();
            }
            return Optional.of(commit);
        } catch (IOException e) {
            throw cacheFailure("read " + ref, e);
        }
    }

    /** Records that {@code revision} resolved to {@code commit}; nothing to do for a commit or an unchanged ref. */
    public void writeRef(String repoId, String revision, String commit) {
        if (revision.equals(commit) || readRef(repoId, revision).filter(commit::equals).isPresent()) {
            return;
        }
        writeAtomically(refPath(repoId, revision), commit.getBytes(StandardCharsets.UTF_8));
    }

    private Path refPath(String repoId, String revision) {
        Path refs = repoDir(repoId).resolve("refs");
        // A revision such as refs/pr/1 nests, as in huggingface_hub; it must stay inside refs/.
        Path ref = refs.resolve(revision).normalize();
        if (!ref.startsWith(refs) || ref.equals(refs)) {
            throw new IllegalArgumentException("revision '" + revision + "' is not a usable ref name");
        }
        return ref;
    }

    /** The cached file list of a commit, or empty when there is none or it is unreadable or of another format. */
    public Optional<List<RepoEntry>> readTree(String repoId, String commit) {
        Path file = treePath(repoId, commit);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode doc = JSON.readTree(file.toFile());
            if (doc.path("format_version").asInt(-1) != TREE_FORMAT_VERSION || !doc.path("files").isObject()) {
                LOG.debug("Ignoring {}: format {} is not {}", file, doc.path("format_version"), TREE_FORMAT_VERSION);
                return Optional.empty();
            }
            List<RepoEntry> entries = new ArrayList<>();
            for (Map.Entry<String, JsonNode> f : doc.path("files").properties()) {
                JsonNode info = f.getValue();
                entries.add(new RepoEntry(RepoEntry.checkPath(f.getKey()), info.path("size").asLong(),
                        info.path("blob_id").asText(), textOrNull(info, "lfs_sha256"), textOrNull(info, "xet_hash")));
            }
            entries.sort(Comparator.comparing(RepoEntry::path));
            return Optional.of(List.copyOf(entries));
        } catch (IOException | RuntimeException e) {
            LOG.warn("Ignoring the unreadable tree listing {}: {}", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Caches a commit's file list in huggingface_hub's format, unless a listing is there already. */
    public void writeTree(String repoId, String commit, List<RepoEntry> entries) {
        Path file = treePath(repoId, commit);
        if (Files.exists(file)) {
            return;
        }
        ObjectNode doc = JSON.createObjectNode();
        doc.put("format_version", TREE_FORMAT_VERSION);
        ObjectNode files = doc.putObject("files");
        entries.stream().sorted(Comparator.comparing(RepoEntry::path)).forEach(e -> {
            ObjectNode info = files.putObject(e.path());
            info.put("size", e.size());
            info.put("blob_id", e.gitOid());
            if (e.lfs()) {
                info.put("lfs_sha256", e.lfsSha256());
                info.put("lfs_size", e.size());
            }
            if (e.xetHash() != null) {
                info.put("xet_hash", e.xetHash());
            }
        });
        try {
            writeAtomically(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
        } catch (IOException e) {
            throw cacheFailure("write " + file, e);
        }
    }

    private Path treePath(String repoId, String commit) {
        return repoDir(repoId).resolve("trees").resolve(checkCommit(commit) + ".json");
    }

    /** The relative paths of the regular files (or links to them) under a snapshot folder. */
    public List<String> snapshotFiles(String repoId, String commit) {
        Path dir = snapshotDir(repoId, commit);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/"))
                    .sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            throw cacheFailure("list " + dir, e);
        }
    }

    /**
     * Moves a verified download into {@code blobs/<etag>} atomically, so a blob is always complete.
     */
    public void moveIntoPlace(Path incomplete, Path blob) {
        try {
            Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw cacheFailure("move " + incomplete + " to " + blob, e);
        }
    }

    /**
     * Makes {@code pointer} show {@code blob}: a relative symbolic link, as huggingface_hub's {@code _create_symlink}
     * (the cache can move). Where the file system refuses links (Windows without developer mode), huggingface_hub's
     * fallback: a new blob is moved to the pointer, an existing one copied. The link or copy is made under a
     * temporary name and renamed over the pointer, so the pointer is whole or absent.
     */
    public void link(Path blob, Path pointer, boolean newBlob) {
        try {
            Files.createDirectories(pointer.getParent());
            Path tmp = pointer.resolveSibling(pointer.getFileName() + "." + UUID.randomUUID() + ".tmp");
            if (!Boolean.FALSE.equals(symlinks)) {
                try {
                    Files.createSymbolicLink(tmp, pointer.getParent().relativize(blob));
                    symlinks = true;
                    moveOver(tmp, pointer);
                    return;
                } catch (UnsupportedOperationException | FileSystemException e) {
                    Files.deleteIfExists(tmp);
                    symlinks = false;
                    LOG.warn("Symbolic links cannot be made in {} ({}); the cache keeps copies instead, as"
                            + " huggingface_hub does on such systems", root, e.getMessage());
                }
            }
            if (newBlob) {
                moveOver(blob, pointer);
            } else {
                Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
                moveOver(tmp, pointer);
            }
        } catch (IOException e) {
            throw cacheFailure("link " + pointer + " to " + blob, e);
        }
    }

    private static void moveOver(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Marks the cache folder for backup tools (CACHEDIR.TAG), as huggingface_hub does; best effort. */
    public void tag() {
        Path tag = root.resolve("CACHEDIR.TAG");
        if (!Files.exists(tag)) {
            try {
                Files.createDirectories(root);
                writeAtomically(tag, CACHEDIR_TAG.getBytes(StandardCharsets.UTF_8));
            } catch (IOException | HubException e) {
                LOG.debug("No CACHEDIR.TAG in {}: {}", root, e.getMessage());
            }
        }
    }

    /**
     * Takes the download lock of one blob: other threads of this JVM and other processes (through a file lock on
     * {@code .locks/models--org--name/<etag>.lock}) wait, so two pulls never append to one {@code .incomplete}.
     */
    public BlobLock lock(String repoId, String blobName) {
        Path file = root.resolve(".locks").resolve(repoFolderName(repoId)).resolve(blobName + ".lock");
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
        jvmLock.lock();
        FileChannel channel = null;
        try {
            Files.createDirectories(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                LOG.info("Waiting for another process downloading {} of {} (lock {})", blobName, repoId, file);
                lock = channel.lock();
            }
            return new BlobLock(jvmLock, channel, lock);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            jvmLock.unlock();
            throw cacheFailure("lock " + file, e);
        }
    }

    /** A held blob lock; closing releases it. */
    public static final class BlobLock implements AutoCloseable {
        private final ReentrantLock jvmLock;
        private final FileChannel channel;
        private final FileLock fileLock;
        private boolean closed;

        private BlobLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
            this.jvmLock = jvmLock;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                fileLock.release();
            } catch (IOException e) {
                LOG.debug("Releasing a blob lock: {}", e.getMessage());
            } finally {
                closeQuietly(channel);
                jvmLock.unlock();
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("Closing a lock file: {}", e.getMessage());
            }
        }
    }

    private void writeAtomically(Path target, byte[] content) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".tmp");
            try {
                Files.write(tmp, content);
                moveOver(tmp, target);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw cacheFailure("write " + target, e);
        }
    }

    static HubException cacheFailure(String what, Exception e) {
        return new HubException(HubException.Reason.CACHE, "Cannot " + what + " in the Hugging Face cache: "
                + e + ". Check the cache folder's permissions and free space, or point HF_HUB_CACHE elsewhere.", e);
    }

    private static String checkCommit(String commit) {
        if (!COMMIT.matcher(commit).matches()) {
            throw new IllegalArgumentException("not a commit (40 lower-case hex digits): " + commit);
        }
        return commit;
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
