package dev.sdembed.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
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
import dev.sdembed.store.postgres.internal.BatchWriter;
import dev.sdembed.store.postgres.internal.Identifiers;
import dev.sdembed.store.postgres.internal.SchemaSetup;
import dev.sdembed.store.postgres.internal.ServerInit;
import dev.sdembed.store.postgres.internal.SlotTable;
import dev.sdembed.store.postgres.internal.SqlErrors;
import dev.sdembed.store.postgres.internal.StoreQueries;
import dev.sdembed.store.spi.ResolvedSearch;
import dev.sdembed.store.spi.StoreChecks;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EmbeddingStore} on PostgreSQL with pgvector, through Jdbi and a HikariCP pool.
 *
 * <p>Schema (in {@link Builder#schema(String)}): {@code text_contents} and {@code image_contents} keyed by SHA-256
 * with reference counts kept by triggers on {@code images}; one {@code emb_<slot>} table per configured slot with a
 * {@code vector(d)} (or {@code halfvec(d)}) column, the model fingerprint per row and an HNSW index
 * ({@code vector_ip_ops}: inner product, which is cosine for the L2-normalised vectors the store accepts); a
 * {@code slots} registry; versioned migrations in {@code schema_version}. {@link #builder()}{@code .build()}
 * applies missing migrations and creates missing slot tables under an advisory lock, so several processes may start
 * at once; a {@linkplain Builder#readOnly(boolean) read-only} store creates and migrates nothing.
 *
 * <pre>{@code
 * try (PostgresEmbeddingStore store = PostgresEmbeddingStore.builder()
 *         .url("postgresql://sdembed@localhost:5432/sdembed")
 *         .slot(SlotSpec.of("prompt_bge", bge.info()))
 *         .build()) {
 *     store.write(batch);
 * }
 * }</pre>
 */
public final class PostgresEmbeddingStore implements EmbeddingStore {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresEmbeddingStore.class);

    private final PostgresUrl url;
    private final String schema;
    private final List<SlotSpec> slots;
    private final Map<String, SlotSpec> slotsByName;
    private final Map<String, SlotTable> tables;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final BatchWriter writer;
    private final StoreQueries queries;
    private final int efSearch;
    private final int filteredEfSearch;
    private final int exactSearchLimit;
    private final int hnswM;
    private final int hnswEfConstruction;
    private final String indexBuildMemory;
    private final int writeAttempts;
    private final List<Integer> appliedMigrations;
    private final String pgvectorVersion;
    private final boolean readOnly;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PostgresEmbeddingStore(Builder b, PostgresUrl url, Map<String, SlotSpec> slotsByName,
                                   SchemaSetup.Result setup, HikariDataSource dataSource) {
        this.url = url;
        this.schema = b.schema;
        this.slotsByName = slotsByName;
        this.slots = List.copyOf(slotsByName.values());
        this.tables = setup.tables();
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        long writeLockKey = Identifiers.lockKey("write", schema);
        this.writer = new BatchWriter(tables, writeLockKey);
        this.queries = new StoreQueries(tables, writeLockKey);
        this.efSearch = b.efSearch;
        this.filteredEfSearch = b.filteredEfSearch;
        this.exactSearchLimit = b.exactSearchLimit;
        this.hnswM = b.hnswM;
        this.hnswEfConstruction = b.hnswEfConstruction;
        this.indexBuildMemory = b.indexBuildMemory;
        this.writeAttempts = b.writeAttempts;
        this.appliedMigrations = List.copyOf(setup.applied());
        this.pgvectorVersion = setup.pgvectorVersion();
        this.readOnly = b.readOnly;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public List<SlotSpec> slots() {
        return slots;
    }

    /** The schema holding this store's tables. */
    public String schema() {
        return schema;
    }

    /** Where the store connects, password masked. */
    public PostgresUrl url() {
        return url;
    }

    /** The migration versions this instance applied when it was built (empty when the schema was current). */
    public List<Integer> appliedMigrations() {
        return appliedMigrations;
    }

    /** Whether this store was opened read-only (see {@link Builder#readOnly(boolean)}). */
    public boolean readOnly() {
        return readOnly;
    }

    /** The installed pgvector version. */
    public String pgvectorVersion() {
        return pgvectorVersion;
    }

    /** The HNSW {@code ef_search} unfiltered searches use (at least k). */
    public int efSearch() {
        return efSearch;
    }

    /** The HNSW {@code ef_search} filtered searches start with (at least k). */
    public int filteredEfSearch() {
        return filteredEfSearch;
    }

    /** Filtered searches matching at most this many images rank all of them exactly instead of using the index. */
    public int exactSearchLimit() {
        return exactSearchLimit;
    }

    @Override
    public WriteResult write(WriteBatch batch) {
        ensureWritable("write a batch");
        StoreChecks.checkBatch(batch, slotsByName);
        if (batch.isEmpty()) {
            return WriteResult.builder().build();
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return transaction(false, h -> writer.write(h, batch));
            } catch (Exception e) {
                // Writers lock contents in one order, but a batch that deletes and writes paths can still meet
                // another in a cycle; PostgreSQL then aborts one of them, which simply runs again.
                if (SqlErrors.isRetryable(e) && attempt < writeAttempts) {
                    LOG.debug("Retrying {} after {} (attempt {} of {})", batch, SqlErrors.sqlState(e), attempt,
                            writeAttempts);
                    pause(attempt);
                    continue;
                }
                throw SqlErrors.translate(e, "writing " + batch, where());
            }
        }
    }

    @Override
    public Set<ContentHash> embeddedHashes(String slot, Collection<ContentHash> hashes) {
        SlotTable table = table(slot);
        List<ContentHash> keys = StoreChecks.hashes(hashes);
        return read("looking up embeddings of slot '" + slot + "'", h -> queries.embeddedHashes(h, table, keys));
    }

    @Override
    public Map<ContentHash, Long> referenceCounts(Modality kind, Collection<ContentHash> hashes) {
        if (kind == null) {
            throw new InvalidInputException("Content kind is null; expected TEXT or IMAGE");
        }
        List<ContentHash> keys = StoreChecks.hashes(hashes);
        return read("reading reference counts", h -> queries.referenceCounts(h, kind, keys));
    }

    @Override
    public Map<ContentHash, String> texts(Collection<ContentHash> hashes) {
        List<ContentHash> keys = StoreChecks.hashes(hashes);
        return read("reading texts", h -> queries.texts(h, keys));
    }

    @Override
    public Map<ContentHash, ImageContent> imageContents(Collection<ContentHash> hashes) {
        List<ContentHash> keys = StoreChecks.hashes(hashes);
        return read("reading image contents", h -> queries.imageContents(h, keys));
    }

    @Override
    public Map<String, StoredImage> findImages(Collection<String> paths) {
        if (paths == null || paths.stream().anyMatch(p -> p == null)) {
            throw new InvalidInputException("Paths to find are null or contain null");
        }
        return read("finding images", h -> queries.findImages(h, paths));
    }

    @Override
    public Optional<StoredImage> findImage(long id) {
        return read("finding image " + id, h -> queries.findImage(h, id));
    }

    @Override
    public List<StoredImage> listImages(ImageStatus status, String afterPath, int limit) {
        if (limit < 1 || limit > 100_000) {
            throw new InvalidInputException("listImages limit is " + limit + "; expected 1 to 100000");
        }
        return read("listing images", h -> queries.listImages(h, status, afterPath, limit));
    }

    @Override
    public List<SearchHit> search(SearchRequest request) {
        ensureOpen();
        ResolvedSearch resolved = ResolvedSearch.resolve(request, slotsByName);
        // Filters that drop candidates the index walk finds (images, or images sharing a distinct key) start with
        // the longer candidate list; a minimum score only cuts the ranked hits.
        boolean dropsCandidates = resolved.filter().restrictsImages() || resolved.filter().distinct() != null;
        return inTransaction(false, "searching slot '"
                + resolved.targetSlot().name() + "'", h -> queries.search(h, resolved,
                dropsCandidates ? filteredEfSearch : efSearch, exactSearchLimit));
    }

    @Override
    public List<DuplicateGroup> nearDuplicates(NearDuplicateRequest request) {
        ensureOpen();
        if (request == null) {
            throw new InvalidInputException("Near-duplicate request is null");
        }
        SlotTable table = table(request.slot());
        return inTransaction(true, "finding near-duplicates in slot '"
                + request.slot() + "'", h -> queries.nearDuplicates(h, table, request, efSearch));
    }

    @Override
    public List<DuplicateGroup> identicalFiles(SearchFilter filter) {
        ensureOpen();
        SearchFilter f = filter == null ? SearchFilter.NONE : filter;
        return inTransaction(true, "finding identical files", h -> queries.identicalFiles(h, f));
    }

    @Override
    public PixelDuplicates pixelDuplicates(PixelDuplicateRequest request) {
        ensureOpen();
        if (request == null) {
            throw new InvalidInputException("Pixel duplicate request is null");
        }
        return inTransaction(true, "finding images with the same pixels", h -> queries.pixelDuplicates(h, request));
    }

    @Override
    public StoreStats stats() {
        ensureOpen();
        return inTransaction(true, "reading stats", queries::stats);
    }

    @Override
    public MaintenanceResult removeUnreferenced() {
        ensureWritable("remove unreferenced contents");
        MaintenanceResult result = inTransaction(false, "removing unreferenced contents", queries::removeUnreferenced);
        LOG.info("Removed {} unreferenced texts, {} image contents and their embeddings {} from schema {}",
                result.textContents(), result.imageContents(), result.embeddings(), schema);
        return result;
    }

    @Override
    public InvariantReport checkInvariants() {
        ensureOpen();
        return inTransaction(true, "checking invariants", queries::checkInvariants);
    }

    /**
     * Drops the slot's HNSW index, so a bulk load inserts without maintaining it; {@link #createVectorIndex(String)}
     * builds it again in one pass, which is much faster than growing it row by row. Searches are exact (slow) while
     * the index is missing, and the next {@link Builder#build()} recreates it if this process stops first.
     */
    public void dropVectorIndex(String slot) {
        ensureWritable("drop an index");
        SlotTable table = table(slot);
        inTransaction(false, "dropping the index of slot '" + slot + "'",
                h -> h.execute("DROP INDEX IF EXISTS " + table.indexName()));
        LOG.info("Dropped HNSW index of slot {} in schema {}", slot, schema);
    }

    /**
     * Builds the slot's HNSW index if it is missing and returns how long it took. The tables of the slot and the
     * images are analysed too: right after a bulk load the planner would otherwise still believe them nearly empty
     * and scan them exactly instead of using the index.
     */
    public Duration createVectorIndex(String slot) {
        ensureWritable("build an index");
        SlotTable table = table(slot);
        long start = System.nanoTime();
        inTransaction(false, "building the index of slot '" + slot + "'", h -> {
            h.execute("SELECT set_config('maintenance_work_mem', ?, true)", indexBuildMemory);
            h.execute(table.createVectorIndexSql(hnswM, hnswEfConstruction));
            return h.execute("ANALYZE " + table.table() + ", " + table.contentTable() + ", images");
        });
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        LOG.info("Built HNSW index of slot {} in schema {} in {} ms", slot, schema, took.toMillis());
        return took;
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        dataSource.close();
        LOG.debug("Closed store {} schema {}", url, schema);
    }

    @Override
    public String toString() {
        return "PostgresEmbeddingStore[" + url + ", schema=" + schema + (readOnly ? ", read-only" : "") + ", slots="
                + slots.stream().map(SlotSpec::name).toList() + "]";
    }

    private SlotTable table(String slot) {
        return tables.get(StoreChecks.slot(slotsByName, slot).name());
    }

    private <R> R read(String action, HandleCallback<R, SQLException> work) {
        ensureOpen();
        try {
            return jdbi.withHandle(work);
        } catch (Exception e) {
            throw SqlErrors.translate(e, action, where());
        }
    }

    private <R> R inTransaction(boolean snapshot, String action, HandleCallback<R, SQLException> work) {
        try {
            return transaction(snapshot, work);
        } catch (Exception e) {
            throw SqlErrors.translate(e, action, where());
        }
    }

    /**
     * Runs {@code work} in a transaction: READ COMMITTED (the server default), or one REPEATABLE READ snapshot for
     * reads that must agree with themselves. The isolation is set in SQL, not through Jdbi, whose restore step
     * fails on a connection the server has closed and would replace the real error; for the same reason the
     * first failure inside {@code work} is what this method throws.
     */
    private <R> R transaction(boolean snapshot, HandleCallback<R, SQLException> work) throws Exception {
        Exception[] first = new Exception[1];
        try {
            return jdbi.inTransaction(h -> {
                try {
                    if (snapshot) {
                        h.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                    }
                    return work.withHandle(h);
                } catch (Exception e) {
                    first[0] = e;
                    throw e;
                }
            });
        } catch (Exception e) {
            if (first[0] != null && first[0] != e) {
                first[0].addSuppressed(e);
                throw first[0];
            }
            throw e;
        }
    }

    private String where() {
        return url + " (schema " + schema + ")";
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new StoreException("Store " + url + " (schema " + schema + ") is closed");
        }
    }

    private void ensureWritable(String what) {
        ensureOpen();
        if (readOnly) {
            throw new StoreException("Store " + url + " (schema " + schema + ") was opened read-only and cannot "
                    + what + "; open it without readOnly(true) to write");
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L << attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("Interrupted while retrying a write", e);
        }
    }

    /**
     * Configures a {@link PostgresEmbeddingStore}. Setters check ranges; {@link #build()} connects, migrates and
     * creates the slots' tables.
     */
    public static final class Builder {
        private static final Pattern MEMORY = Pattern.compile("\\d+\\s*(kB|MB|GB)");
        private String url;
        private String user;
        private String password;
        private String schema = "sdembed";
        private final List<SlotSpec> slots = new ArrayList<>();
        private boolean halfPrecision;
        private int efSearch = 100;
        private int filteredEfSearch = 1000;
        private int exactSearchLimit = 10_000;
        private int hnswM = 16;
        private int hnswEfConstruction = 64;
        private int maxConnections = 8;
        private String applicationName = "sdembed";
        private String indexBuildMemory = "1GB";
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int writeAttempts = 5;
        private boolean readOnly;

        private Builder() {
        }

        /** {@code postgresql://user[:password]@host:port/db} or {@code jdbc:postgresql://host:port/db}. Required. */
        public Builder url(String url) {
            this.url = url;
            return this;
        }

        /** The user, overriding the URL's. */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /**
         * The password, overriding the URL's. Without either, {@code PGPASSWORD} from the environment is used, so a
         * password need not appear on a command line.
         */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** The PostgreSQL schema holding the store's tables, created if missing. Default {@code sdembed}. */
        public Builder schema(String schema) {
            this.schema = Identifiers.checkSchema(schema);
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
         * Stores every slot as {@code halfvec} (2 bytes per component: half the space, a 1e-3 relative rounding).
         * Default false: {@code vector}, except beyond 2,000 dimensions where HNSW needs {@code halfvec}.
         */
        public Builder halfPrecision(boolean halfPrecision) {
            this.halfPrecision = halfPrecision;
            return this;
        }

        /**
         * HNSW candidate list size at query time (raised to k when k is larger). Default 100: recall@10 of 0.95 or
         * more on realistic (clustered) 1024-d data, see the store tests.
         */
        public Builder efSearch(int efSearch) {
            if (efSearch < 10 || efSearch > 1000) {
                throw new InvalidInputException("efSearch is " + efSearch + "; expected 10 to 1000");
            }
            this.efSearch = efSearch;
            return this;
        }

        /**
         * HNSW candidate list size for filtered searches. Iterative index scans keep them returning k rows, but
         * they return the first k that pass the filter among the candidates; a longer list makes those the best k
         * more often. Default 1000 (pgvector's maximum): filtered recall@10 of about 0.94 when 5 % of the images
         * match, on the clustered 1024-d vectors of the store tests (0.78 at 400).
         */
        public Builder filteredEfSearch(int efSearch) {
            if (efSearch < 10 || efSearch > 1000) {
                throw new InvalidInputException("filteredEfSearch is " + efSearch + "; expected 10 to 1000");
            }
            this.filteredEfSearch = efSearch;
            return this;
        }

        /**
         * A filtered search whose filter matches at most this many images computes the distance of each of them
         * (exact) instead of walking the HNSW index, which for a selective filter returns the first k matches among
         * its candidates rather than the best k. One count, stopped past the limit, decides. Default 10,000, about
         * where the two take the same time on 1024-d vectors (each match costs ~10 µs, the index walk at
         * {@link #filteredEfSearch} 1000 ~65 ms): a 5 % filter over 100,000 clustered vectors then has recall@10
         * 1.0 in 59 ms, against 0.82 in 71 ms through the index. 0 always uses the index.
         */
        public Builder exactSearchLimit(int limit) {
            if (limit < 0 || limit > 1_000_000) {
                throw new InvalidInputException("exactSearchLimit is " + limit + "; expected 0 to 1000000");
            }
            this.exactSearchLimit = limit;
            return this;
        }

        /** HNSW build parameters for new indexes. Defaults m = 16, ef_construction = 64 (pgvector's). */
        public Builder hnsw(int m, int efConstruction) {
            if (m < 2 || m > 100) {
                throw new InvalidInputException("HNSW m is " + m + "; expected 2 to 100");
            }
            if (efConstruction < 2 * m || efConstruction > 1000) {
                throw new InvalidInputException("HNSW ef_construction is " + efConstruction + "; expected "
                        + (2 * m) + " (2·m) to 1000");
            }
            this.hnswM = m;
            this.hnswEfConstruction = efConstruction;
            return this;
        }

        /** Pool size. Default 8. */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1 || maxConnections > 200) {
                throw new InvalidInputException("maxConnections is " + maxConnections + "; expected 1 to 200");
            }
            this.maxConnections = maxConnections;
            return this;
        }

        /** Shown in {@code pg_stat_activity}. Default {@code sdembed}. */
        public Builder applicationName(String applicationName) {
            if (applicationName == null || applicationName.isBlank() || applicationName.length() > 63) {
                throw new InvalidInputException("applicationName '" + applicationName + "' must be 1 to 63 characters");
            }
            this.applicationName = applicationName;
            return this;
        }

        /** {@code maintenance_work_mem} for index builds, e.g. {@code 2GB}. Default {@code 1GB}. */
        public Builder indexBuildMemory(String memory) {
            if (memory == null || !MEMORY.matcher(memory).matches()) {
                throw new InvalidInputException("indexBuildMemory '" + memory + "' is invalid; expected e.g. 512MB or 2GB");
            }
            this.indexBuildMemory = memory;
            return this;
        }

        /** Default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.toSeconds() > 3600) {
                throw new InvalidInputException("connectTimeout " + timeout + " is invalid; expected 1 s to 1 h");
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** How many times a write aborted by a deadlock or serialization failure is run. Default 5. */
        public Builder writeAttempts(int attempts) {
            if (attempts < 1 || attempts > 100) {
                throw new InvalidInputException("writeAttempts is " + attempts + "; expected 1 to 100");
            }
            this.writeAttempts = attempts;
            return this;
        }

        /**
         * Opens an existing store for reading only: nothing is created, migrated or registered (no extension, schema,
         * table, slot or index), the pool's sessions are read-only ({@code default_transaction_read_only}), and
         * {@link #write}, {@link #removeUnreferenced} and the index methods are refused. A schema without a store
         * ("No sdembed store in schema ..."), a migration of this build not yet applied, or a configured slot the
         * store lacks is an error naming it. Default false: {@link #build()} creates and migrates what is missing.
         */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /**
         * Connects, applies missing migrations, creates missing slot tables and opens the pool; {@link #readOnly
         * read-only}, checks the store instead and changes nothing.
         */
        public PostgresEmbeddingStore build() {
            if (url == null) {
                throw new InvalidInputException("url is required, e.g. postgresql://user@localhost:5432/sdembed");
            }
            Map<String, SlotSpec> byName = StoreChecks.slotsByName(slots);
            byName.values().forEach(s -> SchemaSetup.vectorType(s, halfPrecision));
            PostgresUrl location = location();
            SchemaSetup.Result setup;
            try (Connection c = connect(location)) {
                setup = readOnly
                        ? SchemaSetup.check(c, schema, List.copyOf(byName.values()), halfPrecision, location.toString())
                        : SchemaSetup.run(c, schema, List.copyOf(byName.values()), halfPrecision, hnswM,
                        hnswEfConstruction);
            } catch (SQLException | RuntimeException e) {
                throw SqlErrors.translate(e, "opening the store", location + " (schema " + schema + ")");
            }
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(location.jdbcUrl());
            config.setUsername(location.user());
            config.setPassword(location.password());
            config.setMaximumPoolSize(maxConnections);
            config.setMinimumIdle(1);
            config.setPoolName("sdembed-" + schema);
            config.setConnectionTimeout(connectTimeout.toMillis());
            // Staging tables live in temp buffers, which can only be sized before a session's first temporary
            // table: large enough that a batch of vectors never goes to disk on its way through.
            config.setConnectionInitSql("SET search_path TO " + SchemaSetup.searchPath(schema, setup.vectorSchema())
                    + "; SET temp_buffers = '256MB'" + (readOnly ? "; SET default_transaction_read_only = on" : ""));
            driverProperties(location).forEach((k, v) -> {
                if (!k.equals("user") && !k.equals("password")) {
                    config.addDataSourceProperty((String) k, v);
                }
            });
            HikariDataSource dataSource;
            try {
                dataSource = new HikariDataSource(config);
            } catch (RuntimeException e) {
                throw SqlErrors.translate(e, "opening the connection pool", location + " (schema " + schema + ")");
            }
            PostgresEmbeddingStore store = new PostgresEmbeddingStore(this, location, byName, setup, dataSource);
            LOG.info("Opened PostgreSQL store {} schema {}{} (pgvector {}) with slots {}{}", location, schema,
                    readOnly ? " read-only" : "", setup.pgvectorVersion(), byName.keySet(),
                    setup.applied().isEmpty() ? "" : ", applied migrations " + setup.applied());
            return store;
        }

        /**
         * Prepares the server for this store without opening it, as far as the URL's role may: checks that the server
         * answers and has pgvector, creates the extension and the schema when the role may, and applies the
         * migrations; what the role may not do comes back as the SQL a superuser must run
         * ({@link PostgresStoreInit#superuserSql()}), and what no SQL fixes as {@link PostgresStoreInit#problem()}.
         * Slots are not needed (their tables are made by the first {@link #build()} that writes); running it again
         * when all is done changes nothing. {@code sdembed store init} prints its result.
         */
        public PostgresStoreInit init() {
            if (url == null) {
                throw new InvalidInputException("url is required, e.g. postgresql://user@localhost:5432/sdembed");
            }
            PostgresUrl location = location();
            return ServerInit.run(() -> connect(location), location, schema, hnswM, hnswEfConstruction);
        }

        /** The URL with the builder's user and password, else {@code PGPASSWORD} for a URL without one. */
        private PostgresUrl location() {
            PostgresUrl location = PostgresUrl.parse(url);
            if (user != null) {
                location = location.withUser(user);
            }
            if (password != null) {
                location = location.withPassword(password);
            } else if (location.password() == null && System.getenv("PGPASSWORD") != null) {
                location = location.withPassword(System.getenv("PGPASSWORD"));
            }
            return location;
        }

        private Connection connect(PostgresUrl location) throws SQLException {
            return DriverManager.getConnection(location.jdbcUrl(), driverProperties(location));
        }

        private Properties driverProperties(PostgresUrl location) {
            Properties p = new Properties();
            if (location.user() != null) {
                p.setProperty("user", location.user());
            }
            if (location.password() != null) {
                p.setProperty("password", location.password());
            }
            p.setProperty("ApplicationName", applicationName);
            p.setProperty("connectTimeout", String.valueOf(Math.max(1, connectTimeout.toSeconds())));
            return p;
        }
    }
}
