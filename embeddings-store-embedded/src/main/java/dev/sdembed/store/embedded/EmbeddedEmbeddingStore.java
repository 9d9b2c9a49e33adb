package dev.sdembed.store.embedded;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.concurrent.Futures;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ContentEmbedding;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.InvariantReport;
import dev.sdembed.store.MaintenanceResult;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.store.PixelDuplicates;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.WriteResult;
import dev.sdembed.store.embedded.internal.SqliteBatchWriter;
import dev.sdembed.store.embedded.internal.SqliteConnection;
import dev.sdembed.store.embedded.internal.SqliteErrors;
import dev.sdembed.store.embedded.internal.SqliteQueries;
import dev.sdembed.store.embedded.internal.SqliteSearch;
import dev.sdembed.store.embedded.internal.VectorCache;
import dev.sdembed.store.spi.ResolvedSearch;
import dev.sdembed.store.spi.StoreChecks;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;

/**
 * The {@link EmbeddingStore} in one local SQLite file ({@code sdembed.db} in the store's folder): nothing to install,
 * same semantics as the PostgreSQL store. Chosen over DuckDB by measurement (see {@code
 * EmbeddedStoreCandidatesBenchmark}).
 *
 * <ul>
 *   <li>Contents keyed by SHA-256, reference counts kept by triggers in the writing transaction, slots with model
 *       fingerprints (stale embeddings are not searched and are re-embedded), failure records.</li>
 *   <li>Search scores every current vector of the slot in memory on all cores. From 4,096 vectors on they are held
 *       as int8 codes (about 1.05 bytes per dimension and content at 1024 dimensions: 210 MB for 200,000 × 1024-d)
 *       and the best candidates are re-ranked by their exact scores from the float32 vectors in the file; below,
 *       or with {@link Builder#exactSearch(boolean) exactSearch(true)}, as float32, scored exactly (4 bytes per
 *       dimension). The cache is loaded from the file on a slot's first search and kept current by this instance's
 *       writes.</li>
 *   <li>Near-duplicate search compares each member content with every vector of the slot (quadratic in the slot's
 *       size: use the PostgreSQL store's index for very large libraries); links are made on exact scores. Pixel duplicates are found
 *       through the pixel hashes' bands in memory ({@code PixelHashIndex}): the cost of the buckets probed, not of
 *       all pairs.</li>
 *   <li>Thread-safe: operations run one at a time on one connection.</li>
 *   <li>One writer, any number of readers. A store opened for writing (the default) holds the folder's writer lock
 *       ({@code sdembed.db-lock}); a second writer, in this process or another, gets a clear error. A store opened
 *       {@linkplain Builder#readOnly(boolean) read-only} takes no lock, creates and changes nothing, and reads while
 *       the writer writes: each of its operations sees the last commit (SQLite's write-ahead log), its vectors are
 *       loaded again after the writer committed. For several writers use PostgreSQL.</li>
 *   <li>Crash consistency: every write is one SQLite transaction (write-ahead log); a killed process leaves the
 *       last committed state, which the next open reads.</li>
 *   <li>The file is watched: a store file deleted or replaced while a writer has it open (which SQLite does not
 *       notice in WAL mode, committing into the orphaned file) fails the next write, naming the last batch saved,
 *       instead of reporting success.</li>
 * </ul>
 *
 * <p>This class checks arguments and runs each operation under the connection's lock; the work is done by its
 * {@code internal} package: {@code SqliteConnection} (the file, its PRAGMAs, the writer lock, transactions, the
 * file-identity check), {@code SqliteErrors} (messages), {@code SqliteSchema} (tables and slot registry),
 * {@code SqliteBatchWriter} (writes), {@code SqliteQueries} (lookups, stats, maintenance, invariants),
 * {@code SqliteSearch} (search, near-duplicates) and {@code VectorCache}.
 */
public final class EmbeddedEmbeddingStore implements EmbeddingStore {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedEmbeddingStore.class);

    /** The database file inside the store's folder. */
    public static final String FILE_NAME = "sdembed.db";

    private final Path directory;
    private final Path file;
    private final List<SlotSpec> slots;
    private final Map<String, SlotSpec> slotsByName;
    private final SqliteConnection db;
    private final VectorCache vectors;
    private final SqliteQueries queries;
    private final SqliteBatchWriter writer;
    private final SqliteSearch searcher;
    private final boolean readOnly;

    private EmbeddedEmbeddingStore(Path directory, Path file, Map<String, SlotSpec> slotsByName, SqliteConnection db,
                                   int quantiseFrom) {
        this.directory = directory;
        this.vectors = new VectorCache(quantiseFrom);
        this.file = file;
        this.slotsByName = slotsByName;
        this.slots = List.copyOf(slotsByName.values());
        this.db = db;
        this.readOnly = db.readOnly();
        this.queries = new SqliteQueries(db.connection(), slots);
        this.writer = new SqliteBatchWriter(db.connection(), slotsByName, queries);
        this.searcher = new SqliteSearch(db.connection(), vectors, queries);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts loading SQLite's native library on a daemon thread and returns at once: for a process that will open a
     * store soon and has other work until then (a command loading its encoders). An open meanwhile waits for it;
     * nothing loads twice; a failure here is reported by the open, which tries again.
     */
    public static void preloadNativeLibrary() {
        Futures.threadPerTask("sdembed-preload-sqlite").execute(() -> {
            try {
                SQLiteJDBCLoader.initialize();
            } catch (Exception | LinkageError e) {
                LOG.debug("Preloading SQLite's native library failed; opening a store reports it", e);
            }
        });
    }

    /**
     * Fails as a {@linkplain Builder#readOnly(boolean) read-only} open of {@code directory} would when there is no
     * store there ("No sdembed store at ..."), opening nothing: a front end can say so before it loads any model.
     */
    public static void requireStoreAt(Path directory) {
        Path dir = requireFolder(directory);
        Path file = dir.resolve(FILE_NAME);
        try {
            if (Files.readAttributes(file, BasicFileAttributes.class).isRegularFile()) {
                return;
            }
            throw new StoreException("Cannot read embedded store " + file + ": it is not a regular file");
        } catch (AccessDeniedException e) {
            throw new StoreException("Cannot read embedded store " + file + ": this process may not look into " + dir
                    + " (permission denied)", e);
        } catch (IOException e) {
            // No such file, or a path through something that is not a folder.
            throw SqliteErrors.noStore(dir, "no " + FILE_NAME + " there");
        }
    }

    /** {@code directory} made absolute; refused when it is a file. */
    private static Path requireFolder(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new InvalidInputException("Embedded store location " + dir + " is a file; expected a folder "
                    + "(the store keeps " + FILE_NAME + " inside it)");
        }
        return dir;
    }

    /** The store's folder. */
    public Path directory() {
        return directory;
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    /** Whether this store was opened read-only (see {@link Builder#readOnly(boolean)}). */
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public List<SlotSpec> slots() {
        return slots;
    }

    @Override
    public WriteResult write(WriteBatch batch) {
        requireWritable("write a batch");
        StoreChecks.checkBatch(batch, slotsByName);
        if (batch.isEmpty()) {
            return WriteResult.builder().build();
        }
        return db.locked("writing " + batch, () -> {
            Map<String, List<ContentEmbedding>> written = new LinkedHashMap<>();
            WriteResult result = db.transaction(() -> writer.write(batch, written));
            if (result.textsRemoved() + result.imageContentsRemoved() > 0) {
                // Embeddings went with their contents: reloaded on the next search rather than patched.
                vectors.clear();
            } else {
                vectors.committed(written);
            }
            return result;
        });
    }

    @Override
    public Set<ContentHash> embeddedHashes(String slot, Collection<ContentHash> hashes) {
        SlotSpec spec = StoreChecks.slot(slotsByName, slot);
        List<ContentHash> keys = StoreChecks.hashes(hashes);
        return db.locked("looking up embeddings of slot '" + slot + "'", () -> queries.embeddedHashes(spec, keys));
    }

    @Override
    public Map<ContentHash, Long> referenceCounts(Modality kind, Collection<ContentHash> hashes) {
        if (kind == null) {
            throw new InvalidInputException("Content kind is null; expected TEXT or IMAGE");
        }
        List<ContentHash> keys = StoreChecks.hashes(hashes);
        return db.locked("reading reference counts", () -> queries.referenceCounts(kind, keys));
    }

    @Override
    public Map<ContentHash, String> texts(Collection<ContentHash> hashes) {
        List<ContentHash> keys = StoreChecks.hashes(hashes);
        return db.locked("reading texts", () -> queries.texts(keys));
    }

    @Override
    public Map<ContentHash, ImageContent> imageContents(Collection<ContentHash> hashes) {
        List<ContentHash> keys = StoreChecks.hashes(hashes);
        return db.locked("reading image contents", () -> queries.imageContents(keys));
    }

    @Override
    public Map<String, StoredImage> findImages(Collection<String> paths) {
        if (paths == null || paths.stream().anyMatch(p -> p == null)) {
            throw new InvalidInputException("Paths to find are null or contain null");
        }
        return db.locked("finding images", () -> queries.findImages(List.copyOf(paths)));
    }

    @Override
    public Optional<StoredImage> findImage(long id) {
        return db.locked("finding image " + id, () -> queries.findImage(id));
    }

    @Override
    public List<StoredImage> listImages(ImageStatus status, String afterPath, int limit) {
        if (limit < 1 || limit > 100_000) {
            throw new InvalidInputException("listImages limit is " + limit + "; expected 1 to 100000");
        }
        return db.locked("listing images", () -> queries.listImages(status, afterPath, limit));
    }

    @Override
    public List<SearchHit> search(SearchRequest request) {
        ResolvedSearch r = ResolvedSearch.resolve(request, slotsByName);
        return db.locked("searching slot '" + r.targetSlot().name() + "'", () -> searcher.search(r));
    }

    @Override
    public List<DuplicateGroup> nearDuplicates(NearDuplicateRequest request) {
        if (request == null) {
            throw new InvalidInputException("Near-duplicate request is null");
        }
        SlotSpec slot = StoreChecks.slot(slotsByName, request.slot());
        return db.locked("finding near-duplicates in slot '" + slot.name() + "'",
                () -> searcher.nearDuplicates(slot, request));
    }

    @Override
    public List<DuplicateGroup> identicalFiles(SearchFilter filter) {
        SearchFilter f = filter == null ? SearchFilter.NONE : filter;
        return db.locked("finding identical files", () -> searcher.identicalFiles(f));
    }

    @Override
    public PixelDuplicates pixelDuplicates(PixelDuplicateRequest request) {
        if (request == null) {
            throw new InvalidInputException("Pixel duplicate request is null");
        }
        return db.locked("finding images with the same pixels", () -> searcher.pixelDuplicates(request));
    }

    @Override
    public StoreStats stats() {
        return db.locked("reading stats", queries::stats);
    }

    @Override
    public MaintenanceResult removeUnreferenced() {
        requireWritable("remove unreferenced contents");
        MaintenanceResult result = db.locked("removing unreferenced contents", () -> {
            MaintenanceResult removed = db.transaction(queries::removeUnreferenced);
            // Reloaded on the next search rather than patched: removal is rare and touches many rows.
            vectors.clear();
            return removed;
        });
        LOG.info("Removed {} unreferenced texts, {} image contents and their embeddings {} from {}",
                result.textContents(), result.imageContents(), result.embeddings(), file);
        return result;
    }

    @Override
    public InvariantReport checkInvariants() {
        return db.locked("checking invariants", queries::checkInvariants);
    }

    @Override
    public void close() {
        db.close(vectors::clear);
    }

    @Override
    public String toString() {
        return "EmbeddedEmbeddingStore[" + file + (readOnly ? ", read-only" : "") + ", slots="
                + slots.stream().map(SlotSpec::name).toList() + "]";
    }

    private void requireWritable(String what) {
        if (readOnly) {
            throw new StoreException("Embedded store " + file + " was opened read-only and cannot " + what
                    + "; open it without readOnly(true) to write (one writer at a time)");
        }
    }

    /** Configures an {@link EmbeddedEmbeddingStore}; {@link #build()} opens (or creates) the file. */
    public static final class Builder {
        private Path directory;
        private final List<SlotSpec> slots = new ArrayList<>();
        private boolean readOnly;
        private long maxPageCount;
        private boolean exactSearch;
        private int quantiseFrom = VectorCache.QUANTISE_FROM;

        private Builder() {
        }

        /**
         * The store's folder, created if missing (unless {@link #readOnly(boolean) read-only}); the database is
         * {@code sdembed.db} inside it. Required.
         */
        public Builder directory(Path directory) {
            if (directory == null) {
                throw new InvalidInputException("Embedded store directory is null");
            }
            this.directory = directory;
            return this;
        }

        /** Adds a slot; at least one is required. */
        public Builder slot(SlotSpec slot) {
            if (slot == null) {
                throw new InvalidInputException("slot is null");
            }
            slots.add(slot);
            return this;
        }

        public Builder slots(Collection<SlotSpec> all) {
            all.forEach(this::slot);
            return this;
        }

        /**
         * Opens an existing store for reading only: the folder and file must exist ("No sdembed store at ..."
         * otherwise), nothing is created, upgraded or changed, and no lock is taken, so any number of read-only
         * stores, in any processes, read while one writer writes. Every configured slot must be in the store.
         * {@link #write} and {@link #removeUnreferenced} are refused. In a folder this process cannot write, a store
         * whose last writer closed it is read as it is. Default false: the store is opened for writing, created if
         * missing, and is the folder's one writer while open.
         */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /**
         * Whether search holds every vector in memory as float32 (4 bytes per dimension) and scores each one exactly:
         * the reference ranking. Default false: a slot of at least 4,096 vectors is held as int8 codes (about 1.05
         * bytes per dimension at 1024 dimensions, hashes included), scanned approximately, and its best candidates are
         * re-ranked by their exact scores, read from the file, so hits carry exact scores and the top 10 agree with
         * the exact ranking in over 99 % of places on clustered embeddings (docs/notes/embedded-search.md). Filters
         * are applied exactly either way, and a filter matching at most 1,024 contents ranks them all exactly.
         */
        public Builder exactSearch(boolean exactSearch) {
            this.exactSearch = exactSearch;
            return this;
        }

        /** For tests: the number of vectors from which a slot is held quantised (default 4,096). */
        Builder quantiseFrom(int vectors) {
            if (vectors < 1) {
                throw new InvalidInputException("quantiseFrom is " + vectors + "; expected 1 or more");
            }
            this.quantiseFrom = vectors;
            return this;
        }

        /**
         * For tests of a full disk: the most pages (16 KB each) SQLite may grow the file to; past it every write fails
         * with SQLITE_FULL exactly as when the disk is full, and SQLite rolls the transaction back by itself. Default
         * 0: no limit.
         */
        Builder maxPageCount(long pages) {
            if (pages < 0) {
                throw new InvalidInputException("maxPageCount is " + pages + "; expected 0 (no limit) or more");
            }
            this.maxPageCount = pages;
            return this;
        }

        /**
         * Opens the store: for writing, creates the folder and file if needed, takes the writer lock, creates
         * tables and slots; {@link #readOnly(boolean) read-only}, opens the existing file and checks its slots.
         */
        public EmbeddedEmbeddingStore build() {
            if (directory == null) {
                throw new InvalidInputException("Embedded store directory is required, e.g. ./sdembed-data");
            }
            Map<String, SlotSpec> byName = StoreChecks.slotsByName(slots);
            Path dir = requireFolder(directory);
            Path file = dir.resolve(FILE_NAME);
            SqliteConnection db;
            if (readOnly) {
                requireStoreAt(dir);
                db = SqliteConnection.openForReading(file, byName.values());
            } else {
                createFolder(dir);
                if (!Files.isWritable(dir) || (Files.exists(file) && !Files.isWritable(file))) {
                    throw new StoreException(SqliteErrors.notWritable(file));
                }
                db = SqliteConnection.openForWriting(file, byName.values(), maxPageCount);
            }
            LOG.info("Opened embedded store {}{} with slots {}", file, readOnly ? " read-only" : "", byName.keySet());
            return new EmbeddedEmbeddingStore(dir, file, byName, db, exactSearch ? Integer.MAX_VALUE : quantiseFrom);
        }

        private static void createFolder(Path dir) {
            try {
                Files.createDirectories(dir);
            } catch (AccessDeniedException e) {
                throw new StoreException("Cannot create embedded store folder " + dir + ": permission denied creating "
                        + e.getFile() + " (its parent folder is not writable by this process)", e);
            } catch (IOException e) {
                throw new StoreException("Cannot create embedded store folder " + dir + ": " + e.getMessage(), e);
            }
        }
    }
}
