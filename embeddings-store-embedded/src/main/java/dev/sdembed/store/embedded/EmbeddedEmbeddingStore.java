package dev.sdembed.store.embedded;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ContentEmbedding;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.InvariantReport;
import dev.sdembed.store.MaintenanceResult;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.TextContent;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.WriteResult;
import dev.sdembed.store.embedded.internal.Rows;
import dev.sdembed.store.embedded.internal.SlotVectors;
import dev.sdembed.store.embedded.internal.SqliteSchema;
import dev.sdembed.store.spi.DuplicateGrouper;
import dev.sdembed.store.spi.ResolvedSearch;
import dev.sdembed.store.spi.StoreChecks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EmbeddingStore} in one local SQLite file ({@code sdembed.db} in the store's folder): nothing to install,
 * same semantics as the PostgreSQL store. Chosen over DuckDB by measurement (see {@code
 * EmbeddedStoreCandidatesBenchmark}).
 *
 * <ul>
 *   <li>Contents keyed by SHA-256, reference counts kept by triggers in the writing transaction, slots with model
 *       fingerprints (stale embeddings are not searched and are re-embedded), failure records.</li>
 *   <li>Search is exact: each slot's current vectors are held in memory (dimension × 4 bytes per content, 800 MB
 *       for 200,000 × 1024-d) and scored by brute force on all cores; the cache is loaded from the file on a slot's
 *       first search and kept current by this instance's writes.</li>
 *   <li>Near-duplicate search compares each member content with every vector of the slot: exact, but quadratic in
 *       the slot's size (use the PostgreSQL store's index for very large libraries).</li>
 *   <li>Thread-safe: operations run one at a time on one connection. One process at a time: the file is locked
 *       exclusively while open, and a second process gets a clear error. For several processes use PostgreSQL.</li>
 *   <li>Crash consistency: every write is one SQLite transaction (write-ahead log); a killed process leaves the
 *       last committed state, which the next open reads.</li>
 * </ul>
 */
public final class EmbeddedEmbeddingStore implements EmbeddingStore {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedEmbeddingStore.class);

    /** The database file inside the store's folder. */
    public static final String FILE_NAME = "sdembed.db";

    /** Parameters per IN (...) list, far below SQLite's limit of 32,766. */
    private static final int CHUNK = 500;

    private final Path directory;
    private final Path file;
    private final List<SlotSpec> slots;
    private final Map<String, SlotSpec> slotsByName;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, SlotVectors> vectors = new HashMap<>();
    private boolean closed;

    private EmbeddedEmbeddingStore(Path directory, Path file, Map<String, SlotSpec> slotsByName, Connection connection) {
        this.directory = directory;
        this.file = file;
        this.slotsByName = slotsByName;
        this.slots = List.copyOf(slotsByName.values());
        this.connection = connection;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The store's folder. */
    public Path directory() {
        return directory;
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    @Override
    public List<SlotSpec> slots() {
        return slots;
    }

    @Override
    public WriteResult write(WriteBatch batch) {
        StoreChecks.checkBatch(batch, slotsByName);
        if (batch.isEmpty()) {
            return WriteResult.builder().build();
        }
        return locked("writing " + batch, () -> {
            Map<String, List<ContentEmbedding>> written = new LinkedHashMap<>();
            WriteResult result = transaction(() -> writeBatch(batch, written));
            // Only after the commit: a rolled-back batch must leave no vector behind in the caches.
            written.forEach((slot, list) -> {
                SlotVectors cache = vectors.get(slot);
                if (cache != null) {
                    list.forEach(e -> cache.put(e.content(), e.embedding().vector()));
                }
            });
            return result;
        });
    }

    private WriteResult writeBatch(WriteBatch batch, Map<String, List<ContentEmbedding>> written) throws SQLException {
        WriteResult.Builder result = WriteResult.builder();
        int texts = 0;
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO text_contents (hash, text) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING")) {
            for (TextContent t : batch.texts()) {
                ps.setBytes(1, t.hash().toBytes());
                ps.setString(2, t.text());
                texts += ps.executeUpdate();
            }
        }
        result.textsAdded(texts);
        int images = 0;
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO image_contents (hash, width, height, "
                + "format, byte_size) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING")) {
            for (ImageContent i : batch.images()) {
                ps.setBytes(1, i.hash().toBytes());
                ps.setInt(2, i.width());
                ps.setInt(3, i.height());
                ps.setString(4, i.format());
                ps.setLong(5, i.byteSize());
                images += ps.executeUpdate();
            }
        }
        result.imageContentsAdded(images);
        Map<String, List<ContentEmbedding>> bySlot = new LinkedHashMap<>();
        batch.embeddings().forEach(e -> bySlot.computeIfAbsent(e.slot(), k -> new ArrayList<>()).add(e));
        // In key order, each insert lands next to the previous one in the hash index instead of on a random page.
        bySlot.values().forEach(list -> list.sort(Comparator.comparing(ContentEmbedding::content)));
        for (Map.Entry<String, List<ContentEmbedding>> entry : bySlot.entrySet()) {
            SlotSpec slot = slotsByName.get(entry.getKey());
            requireContents(slot, batch);
            int count = 0;
            // A row made by the current model is kept; a stale one is replaced (as in the PostgreSQL store).
            try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + SqliteSchema.table(slot)
                    + " AS e (hash, fingerprint, embedding) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET "
                    + "fingerprint = excluded.fingerprint, embedding = excluded.embedding "
                    + "WHERE e.fingerprint <> excluded.fingerprint")) {
                for (ContentEmbedding e : entry.getValue()) {
                    ps.setBytes(1, e.content().toBytes());
                    ps.setString(2, slot.fingerprint());
                    ps.setBytes(3, Rows.vectorBytes(e.embedding().vector()));
                    int n = ps.executeUpdate();
                    count += n;
                    if (n > 0) {
                        written.computeIfAbsent(slot.name(), k -> new ArrayList<>()).add(e);
                    }
                }
            }
            result.embeddingsWritten(slot.name(), count);
        }
        int deleted = 0;
        try (PreparedStatement ps = connection.prepareStatement("DELETE FROM images WHERE path = ?")) {
            for (String path : batch.deletions()) {
                ps.setString(1, path);
                deleted += ps.executeUpdate();
            }
        }
        result.imagesDeleted(deleted);
        writeRecords(batch, result);
        return result.build();
    }

    /** Runs after the batch's own contents are in: an embedding never outlives its content. */
    private void requireContents(SlotSpec slot, WriteBatch batch) throws SQLException {
        List<ContentHash> outside = StoreChecks.contentsOutsideBatch(batch, slot);
        if (outside.isEmpty()) {
            return;
        }
        List<ContentHash> missing = new ArrayList<>();
        try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM " + SqliteSchema.contentTable(slot)
                + " WHERE hash = ?")) {
            for (ContentHash hash : outside) {
                if (!stored(exists, hash)) {
                    missing.add(hash);
                }
            }
        }
        if (!missing.isEmpty()) {
            throw StoreChecks.missingContent(slot, missing.get(0), missing.size());
        }
    }

    /** Counts the records inserted, updated and unchanged into {@code result}. */
    private void writeRecords(WriteBatch batch, WriteResult.Builder result) throws SQLException {
        if (batch.records().isEmpty()) {
            return;
        }
        Map<String, StoredImage> stored = findImagesLocked(batch.records().stream().map(ImageRecord::path).toList());
        StringBuilder set = new StringBuilder();
        for (String column : Rows.IMAGE_COLUMNS.split(", ")) {
            set.append(set.length() == 0 ? "" : ", ").append(column).append(" = ?");
        }
        int inserted = 0;
        int updated = 0;
        int unchanged = 0;
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO images (" + Rows.IMAGE_COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
             PreparedStatement update = connection.prepareStatement("UPDATE images SET " + set + " WHERE id = ?");
             PreparedStatement textExists = connection.prepareStatement("SELECT 1 FROM text_contents WHERE hash = ?");
             PreparedStatement imageExists = connection.prepareStatement("SELECT 1 FROM image_contents WHERE hash = ?")) {
            // In path order, as the PostgreSQL store inserts them: new records get ids in path order in both stores.
            List<ImageRecord> sorted = new ArrayList<>(batch.records());
            sorted.sort(Comparator.comparing(ImageRecord::path));
            for (ImageRecord r : sorted) {
                requireContent(r, r.imageHash(), imageExists, "image content");
                requireContent(r, r.promptHash(), textExists, "prompt text");
                requireContent(r, r.negativeHash(), textExists, "negative prompt text");
                StoredImage known = stored.get(r.path());
                if (known == null) {
                    Rows.bindImage(insert, 1, r);
                    insert.executeUpdate();
                    inserted++;
                } else if (!known.record().equals(r)) {
                    Rows.bindImage(update, 1, r);
                    update.setLong(14, known.id());
                    update.executeUpdate();
                    updated++;
                } else {
                    unchanged++;
                }
            }
        }
        result.imagesInserted(inserted).imagesUpdated(updated).imagesUnchanged(unchanged);
    }

    /** Refuses a record whose content is neither stored nor in the batch (written just before, same transaction). */
    private static void requireContent(ImageRecord r, ContentHash hash, PreparedStatement exists, String what)
            throws SQLException {
        if (hash == null) {
            return;
        }
        if (!stored(exists, hash)) {
            throw new InvalidInputException("Image '" + r.path() + "' references " + what + " "
                    + hash.shortHex() + ", which is neither stored nor in the batch; add the "
                    + "content to the batch");
        }
    }

    /** Whether {@code exists} ({@code SELECT 1 FROM <contents> WHERE hash = ?}) finds {@code hash}. */
    private static boolean stored(PreparedStatement exists, ContentHash hash) throws SQLException {
        exists.setBytes(1, hash.toBytes());
        try (ResultSet rs = exists.executeQuery()) {
            return rs.next();
        }
    }

    @Override
    public Set<ContentHash> embeddedHashes(String slot, Collection<ContentHash> hashes) {
        SlotSpec spec = StoreChecks.slot(slotsByName, slot);
        List<ContentHash> keys = StoreChecks.hashes(hashes);
        return locked("looking up embeddings of slot '" + slot + "'", () -> {
            Set<ContentHash> found = new HashSet<>();
            forChunks(keys, "SELECT hash FROM " + SqliteSchema.table(spec) + " WHERE fingerprint = ? AND hash IN ",
                    ps -> ps.setString(1, spec.fingerprint()), rs -> found.add(ContentHash.of(rs.getBytes(1))));
            return found;
        });
    }

    @Override
    public Map<ContentHash, Long> referenceCounts(Modality kind, Collection<ContentHash> hashes) {
        if (kind == null) {
            throw new InvalidInputException("Content kind is null; expected TEXT or IMAGE");
        }
        List<ContentHash> keys = StoreChecks.hashes(hashes);
        String table = kind == Modality.TEXT ? "text_contents" : "image_contents";
        return locked("reading reference counts", () -> {
            Map<ContentHash, Long> counts = new LinkedHashMap<>();
            forChunks(keys, "SELECT hash, ref_count FROM " + table + " WHERE hash IN ", ps -> { },
                    rs -> counts.put(ContentHash.of(rs.getBytes(1)), rs.getLong(2)));
            return counts;
        });
    }

    @Override
    public Map<String, StoredImage> findImages(Collection<String> paths) {
        if (paths == null || paths.stream().anyMatch(p -> p == null)) {
            throw new InvalidInputException("Paths to find are null or contain null");
        }
        return locked("finding images", () -> findImagesLocked(List.copyOf(paths)));
    }

    private Map<String, StoredImage> findImagesLocked(List<String> paths) throws SQLException {
        Map<String, StoredImage> found = new LinkedHashMap<>();
        for (int start = 0; start < paths.size(); start += CHUNK) {
            List<String> chunk = paths.subList(start, Math.min(paths.size(), start + CHUNK));
            try (PreparedStatement ps = connection.prepareStatement(Rows.IMAGE_SELECT + "WHERE path IN "
                    + placeholders(chunk.size()))) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        StoredImage s = Rows.storedImage(rs);
                        found.put(s.path(), s);
                    }
                }
            }
        }
        return found;
    }

    @Override
    public Optional<StoredImage> findImage(long id) {
        return locked("finding image " + id, () -> {
            try (PreparedStatement ps = connection.prepareStatement(Rows.IMAGE_SELECT + "WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(Rows.storedImage(rs)) : Optional.<StoredImage>empty();
                }
            }
        });
    }

    @Override
    public List<StoredImage> listImages(ImageStatus status, String afterPath, int limit) {
        if (limit < 1 || limit > 100_000) {
            throw new InvalidInputException("listImages limit is " + limit + "; expected 1 to 100000");
        }
        return locked("listing images", () -> {
            StringBuilder sql = new StringBuilder(Rows.IMAGE_SELECT).append("WHERE 1 = 1");
            if (status != null) {
                sql.append(" AND status = ?");
            }
            if (afterPath != null) {
                sql.append(" AND path > ?");
            }
            sql.append(" ORDER BY path LIMIT ?");
            try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
                int p = 1;
                if (status != null) {
                    ps.setString(p++, Rows.status(status));
                }
                if (afterPath != null) {
                    ps.setString(p++, afterPath);
                }
                ps.setInt(p, limit);
                List<StoredImage> page = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        page.add(Rows.storedImage(rs));
                    }
                }
                return page;
            }
        });
    }

    /**
     * Exact top-k: every current vector of the target slot is scored, then contents are taken best first and
     * joined to their images (status OK, filter, not the query image) until k images are found.
     */
    @Override
    public List<SearchHit> search(SearchRequest request) {
        ResolvedSearch r = ResolvedSearch.resolve(request, slotsByName);
        return locked("searching slot '" + r.targetSlot().name() + "'", () -> {
            float[] query;
            long exclude = 0;
            if (r.byStoredImage()) {
                StoredImage image = storedQueryImage(r);
                query = storedVector(r, image);
                exclude = image.id();
            } else {
                query = r.vector().vector();
            }
            SlotVectors cache = vectors(r.targetSlot());
            float[] scores = cache.scores(query);
            String column = SqliteSchema.imageColumn(r.targetSlot(), r.role());
            List<SearchHit> hits = new ArrayList<>();
            int wanted = Math.min(scores.length, r.k() * 4 + 16);
            int[] order = SlotVectors.top(scores, wanted);
            int from = 0;
            while (true) {
                List<ContentHash> contents = new ArrayList<>();
                for (int i = from; i < order.length; i++) {
                    contents.add(cache.hash(order[i]));
                }
                collectHits(contents, column, r.filter(), exclude, cache, scores, hits);
                from = order.length;
                if (hits.size() >= r.k() || from >= scores.length) {
                    break;
                }
                // Too few images passed (a selective filter, contents without OK images): widen geometrically; the
                // best-first prefix already joined is the same, so only the new contents are read.
                wanted = (int) Math.min(scores.length, wanted * 8L);
                order = SlotVectors.top(scores, wanted);
            }
            hits.sort(Comparator.comparingDouble((SearchHit h) -> -h.score()).thenComparingLong(SearchHit::imageId));
            return List.copyOf(hits.subList(0, Math.min(r.k(), hits.size())));
        });
    }

    private void collectHits(List<ContentHash> contents, String column, SearchFilter filter, long exclude,
                             SlotVectors cache, float[] scores, List<SearchHit> hits) throws SQLException {
        forChunks(contents, "SELECT i.id, i.path, i.generator, i.model_name, i." + column + ", t.text FROM images i "
                + "LEFT JOIN text_contents t ON t.hash = i.prompt_hash WHERE i.status = 'ok' AND i.id <> ? AND i."
                + column + " IN ", ps -> ps.setLong(1, exclude), rs -> {
                    String path = rs.getString(2);
                    String generator = rs.getString(3);
                    String model = rs.getString(4);
                    if (passes(filter, path, generator, model)) {
                        ContentHash content = ContentHash.of(rs.getBytes(5));
                        hits.add(new SearchHit(rs.getLong(1), path, scores[cache.row(content)], content, generator,
                                model, rs.getString(6)));
                    }
                });
    }

    private static boolean passes(SearchFilter filter, String path, String generator, String model) {
        return (filter.pathPrefix() == null || path.startsWith(filter.pathPrefix()))
                && (filter.generator() == null || filter.generator().equals(generator))
                && (filter.modelName() == null || filter.modelName().equals(model));
    }

    private StoredImage storedQueryImage(ResolvedSearch r) throws SQLException {
        Optional<StoredImage> image;
        if (r.imageId() != null) {
            try (PreparedStatement ps = connection.prepareStatement(Rows.IMAGE_SELECT + "WHERE id = ?")) {
                ps.setLong(1, r.imageId());
                try (ResultSet rs = ps.executeQuery()) {
                    image = rs.next() ? Optional.of(Rows.storedImage(rs)) : Optional.empty();
                }
            }
        } else {
            image = Optional.ofNullable(findImagesLocked(List.of(r.imagePath())).get(r.imagePath()));
        }
        return image.orElseThrow(() -> r.noStoredEmbedding("no image with that "
                + (r.imageId() != null ? "id" : "path") + " is stored"));
    }

    /** The query image's vector in the query slot, with the PostgreSQL store's reasons when there is none. */
    private float[] storedVector(ResolvedSearch r, StoredImage image) throws SQLException {
        SlotSpec slot = r.querySlot();
        ContentHash content = slot.modality() == Modality.IMAGE ? image.record().imageHash()
                : image.record().textHash(r.role());
        if (content == null) {
            throw r.noStoredEmbedding(image.record().status() == ImageStatus.FAILED ? "the image failed to index"
                    : "the image has no " + (slot.modality() == Modality.IMAGE ? "image content"
                    : r.role() == dev.sdembed.store.TextRole.NEGATIVE ? "negative prompt" : "prompt"));
        }
        try (PreparedStatement ps = connection.prepareStatement("SELECT fingerprint, embedding FROM "
                + SqliteSchema.table(slot) + " WHERE hash = ?")) {
            ps.setBytes(1, content.toBytes());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw r.noStoredEmbedding("its content has not been embedded in that slot yet");
                }
                if (!slot.fingerprint().equals(rs.getString(1))) {
                    throw r.noStoredEmbedding("its embedding is stale (made by another model) until it is re-embedded");
                }
                return Rows.vector(rs.getBytes(2));
            }
        }
    }

    @Override
    public List<DuplicateGroup> nearDuplicates(NearDuplicateRequest request) {
        if (request == null) {
            throw new InvalidInputException("Near-duplicate request is null");
        }
        SlotSpec slot = StoreChecks.slot(slotsByName, request.slot());
        return locked("finding near-duplicates in slot '" + slot.name() + "'", () -> {
            SlotVectors cache = vectors(slot);
            String column = SqliteSchema.imageColumn(slot, request.role());
            // Members in content order; a content's images are kept when it is linked or shared by two images.
            List<DuplicateGroup.Member> members = new ArrayList<>();
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id, path, generator, model_name, " + column + " FROM images "
                         + "WHERE status = 'ok' AND " + column + " IS NOT NULL ORDER BY " + column + ", path")) {
                while (rs.next()) {
                    if (passes(request.filter(), rs.getString(2), rs.getString(3), rs.getString(4))) {
                        members.add(new DuplicateGroup.Member(rs.getLong(1), rs.getString(2),
                                ContentHash.of(rs.getBytes(5))));
                    }
                }
            }
            DuplicateGrouper grouper = new DuplicateGrouper();
            ContentHash previous = null;
            for (DuplicateGroup.Member m : members) {
                if (m.content().equals(previous)) {
                    continue;
                }
                previous = m.content();
                int row = cache.row(m.content());
                if (row < 0) {
                    continue;
                }
                float[] scores = cache.scores(cache.vector(m.content()));
                for (int other : SlotVectors.top(scores, request.neighbours() + 1)) {
                    if (other != row && scores[other] >= request.threshold()) {
                        grouper.link(m.content(), cache.hash(other), scores[other]);
                    }
                }
            }
            List<DuplicateGroup.Member> kept = new ArrayList<>();
            Map<ContentHash, List<DuplicateGroup.Member>> byContent = new LinkedHashMap<>();
            members.forEach(m -> byContent.computeIfAbsent(m.content(), c -> new ArrayList<>()).add(m));
            byContent.forEach((content, run) -> {
                if (run.size() > 1 || grouper.isLinked(content)) {
                    kept.addAll(run);
                }
            });
            return grouper.groups(kept);
        });
    }

    @Override
    public StoreStats stats() {
        return locked("reading stats", () -> {
            long images;
            long failed;
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE status = 'failed') FROM images")) {
                rs.next();
                images = rs.getLong(1);
                failed = rs.getLong(2);
            }
            long texts = count("SELECT count(*) FROM text_contents");
            long imageContents = count("SELECT count(*) FROM image_contents");
            List<SlotStats> slotStats = new ArrayList<>();
            for (SlotSpec slot : slots) {
                try (PreparedStatement ps = connection.prepareStatement("SELECT count(*), count(*) FILTER (WHERE "
                        + "e.fingerprint <> ?), coalesce(sum(c.ref_count), 0) FROM " + SqliteSchema.table(slot) + " e JOIN "
                        + SqliteSchema.contentTable(slot) + " c ON c.hash = e.hash")) {
                    ps.setString(1, slot.fingerprint());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        slotStats.add(new SlotStats(slot.name(), rs.getLong(1), rs.getLong(2), rs.getLong(3),
                                slot.dimension() * Float.BYTES));
                    }
                }
            }
            return new StoreStats(images, failed, texts, imageContents, slotStats);
        });
    }

    @Override
    public MaintenanceResult removeUnreferenced() {
        MaintenanceResult result = locked("removing unreferenced contents", () -> {
            MaintenanceResult removed = transaction(() -> {
                Map<String, Long> embeddings = new LinkedHashMap<>();
                try (Statement s = connection.createStatement()) {
                    for (SlotSpec slot : slots) {
                        embeddings.put(slot.name(), (long) s.executeUpdate("DELETE FROM " + SqliteSchema.table(slot)
                                + " WHERE hash IN (SELECT hash FROM " + SqliteSchema.contentTable(slot)
                                + " WHERE ref_count = 0)"));
                    }
                    long texts = s.executeUpdate("DELETE FROM text_contents WHERE ref_count = 0");
                    long images = s.executeUpdate("DELETE FROM image_contents WHERE ref_count = 0");
                    return new MaintenanceResult(texts, images, embeddings);
                }
            });
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
        return locked("checking invariants", () -> {
            List<InvariantReport.Violation> violations = new ArrayList<>();
            long total = violations("WITH refs AS (SELECT h, count(*) AS n FROM (SELECT prompt_hash AS h FROM images "
                    + "UNION ALL SELECT negative_hash FROM images) WHERE h IS NOT NULL GROUP BY h) "
                    + refCountSql("text_contents"), Modality.TEXT, violations);
            total += violations("WITH refs AS (SELECT image_hash AS h, count(*) AS n FROM images "
                    + "WHERE image_hash IS NOT NULL GROUP BY image_hash) " + refCountSql("image_contents"),
                    Modality.IMAGE, violations);
            for (SlotSpec slot : slots) {
                total += violations("SELECT e.hash, 1 AS orphan, 0 AS missing, 0 AS stored, 0 AS actual, "
                        + "count(*) OVER () AS total FROM " + SqliteSchema.table(slot) + " e LEFT JOIN "
                        + SqliteSchema.contentTable(slot) + " c ON c.hash = e.hash WHERE c.hash IS NULL ORDER BY 1 LIMIT "
                        + InvariantReport.MAX_REPORTED, slot.modality(), violations);
            }
            return new InvariantReport(count("SELECT count(*) FROM text_contents"),
                    count("SELECT count(*) FROM image_contents"), violations, total);
        });
    }

    private static String refCountSql(String table) {
        return "SELECT coalesce(c.hash, r.h) AS hash, 0 AS orphan, c.hash IS NULL AS missing, "
                + "coalesce(c.ref_count, 0) AS stored, coalesce(r.n, 0) AS actual, count(*) OVER () AS total "
                + "FROM " + table + " c FULL JOIN refs r ON r.h = c.hash "
                + "WHERE c.hash IS NULL OR c.ref_count <> coalesce(r.n, 0) ORDER BY 1 LIMIT " + InvariantReport.MAX_REPORTED;
    }

    private long violations(String sql, Modality kind, List<InvariantReport.Violation> out) throws SQLException {
        long total = 0;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                total = rs.getLong("total");
                InvariantReport.Kind what = rs.getBoolean("orphan") ? InvariantReport.Kind.ORPHAN_EMBEDDING
                        : rs.getBoolean("missing") ? InvariantReport.Kind.MISSING_CONTENT
                        : InvariantReport.Kind.WRONG_REFERENCE_COUNT;
                if (out.size() < InvariantReport.MAX_REPORTED) {
                    out.add(new InvariantReport.Violation(what, kind, ContentHash.of(rs.getBytes("hash")),
                            rs.getLong("stored"), rs.getLong("actual")));
                }
            }
        }
        return total;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            vectors.clear();
            connection.close();
            LOG.debug("Closed embedded store {}", file);
        } catch (SQLException e) {
            throw new StoreException("Cannot close embedded store " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "EmbeddedEmbeddingStore[" + file + ", slots=" + slots.stream().map(SlotSpec::name).toList() + "]";
    }

    /** The slot's current vectors, loaded from the file on first use. */
    private SlotVectors vectors(SlotSpec slot) throws SQLException {
        SlotVectors cache = vectors.get(slot.name());
        if (cache != null) {
            return cache;
        }
        long start = System.nanoTime();
        cache = new SlotVectors(slot.dimension());
        try (PreparedStatement ps = connection.prepareStatement("SELECT hash, embedding FROM "
                + SqliteSchema.table(slot) + " WHERE fingerprint = ?")) {
            ps.setString(1, slot.fingerprint());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    cache.put(ContentHash.of(rs.getBytes(1)), Rows.vector(rs.getBytes(2)));
                }
            }
        }
        vectors.put(slot.name(), cache);
        LOG.debug("Loaded {} vectors of slot {} in {} ms", cache.size(), slot.name(),
                (System.nanoTime() - start) / 1_000_000);
        return cache;
    }

    private long count(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private interface RowHandler {
        void row(ResultSet rs) throws SQLException;
    }

    /** Runs {@code sqlPrefix + "(?, ?, ...)"} per chunk of hashes; the prefix's own parameters come first. */
    private void forChunks(List<ContentHash> hashes, String sqlPrefix, Binder first, RowHandler handler)
            throws SQLException {
        int own = (int) sqlPrefix.chars().filter(c -> c == '?').count();
        for (int start = 0; start < hashes.size(); start += CHUNK) {
            List<ContentHash> chunk = hashes.subList(start, Math.min(hashes.size(), start + CHUNK));
            try (PreparedStatement ps = connection.prepareStatement(sqlPrefix + placeholders(chunk.size()))) {
                first.bind(ps);
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setBytes(own + i + 1, chunk.get(i).toBytes());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        handler.row(rs);
                    }
                }
            }
        }
    }

    private static String placeholders(int n) {
        return "(" + "?, ".repeat(n - 1) + "?)";
    }

    private interface Work<R> {
        R run() throws SQLException;
    }

    /** Runs {@code work} alone on the connection; SQL failures become a {@link StoreException} naming the file. */
    private <R> R locked(String action, Work<R> work) {
        lock.lock();
        try {
            if (closed) {
                throw new StoreException("Embedded store " + file + " is closed");
            }
            return work.run();
        } catch (SQLException e) {
            throw translate(e, action, file);
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code work} in one transaction, rolled back entirely on any failure. */
    private <R> R transaction(Work<R> work) throws SQLException {
        connection.setAutoCommit(false);
        try {
            R result = work.run();
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static StoreException translate(SQLException e, String action, Path file) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (message.contains("SQLITE_BUSY") || message.contains("database is locked")) {
            return new StoreException("Embedded store " + file + " is in use by another process (while " + action + ")."
                    + " The embedded store serves one process at a time; stop the other one, or use a PostgreSQL "
                    + "store (--store postgresql://...) for several", e);
        }
        return new StoreException("Embedded store " + file + " failed while " + action + ": " + message, e);
    }

    /** Configures an {@link EmbeddedEmbeddingStore}; {@link #build()} opens (or creates) the file. */
    public static final class Builder {
        private Path directory;
        private final List<SlotSpec> slots = new ArrayList<>();

        private Builder() {
        }

        /** The store's folder, created if missing; the database is {@code sdembed.db} inside it. Required. */
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

        /** Creates the folder and file if needed, locks the file for this process, creates tables and slots. */
        public EmbeddedEmbeddingStore build() {
            if (directory == null) {
                throw new InvalidInputException("Embedded store directory is required, e.g. ./sdembed-data");
            }
            Map<String, SlotSpec> byName = StoreChecks.slotsByName(slots);
            Path dir = directory.toAbsolutePath().normalize();
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new InvalidInputException("Embedded store location " + dir + " is a file; expected a folder "
                        + "(the store keeps " + FILE_NAME + " inside it)");
            }
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new StoreException("Cannot create embedded store folder " + dir + ": " + e.getMessage(), e);
            }
            Path file = dir.resolve(FILE_NAME);
            Connection c = null;
            try {
                c = DriverManager.getConnection("jdbc:sqlite:" + file);
                try (Statement s = c.createStatement()) {
                    // Exclusive locking before WAL: no shared-memory index, and a second process is refused at once
                    // instead of reading vectors this process's cache no longer matches.
                    // Only takes effect while the file is new. A 1024-d vector (4 KB) does not fit a 4 KB page and
                    // went to overflow pages; 16 KB pages keep up to ~4,000-d vectors inline, three 1024-d per page.
                    s.execute("PRAGMA page_size = 16384");
                    s.execute("PRAGMA locking_mode = EXCLUSIVE");
                    s.execute("PRAGMA busy_timeout = 2000");
                    s.execute("PRAGMA journal_mode = WAL");
                    // WAL + NORMAL: a killed process loses nothing committed; a power cut may lose the last commits
                    // but never leaves a half-applied batch.
                    s.execute("PRAGMA synchronous = NORMAL");
                    s.execute("PRAGMA foreign_keys = ON");
                    // Content keys are hashes, so every insert lands on a random index page: with SQLite's 2 MB
                    // default cache each one became a read from the file. 256 MB holds the indexes of a large
                    // library; memory-mapped reads skip a system call per page.
                    s.execute("PRAGMA cache_size = -262144");
                    s.execute("PRAGMA mmap_size = 1073741824");
                }
                c.setAutoCommit(false);
                SqliteSchema.setUp(c, byName.values(), file.toString());
                c.commit();
                c.setAutoCommit(true);
            } catch (SQLException | RuntimeException e) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (SQLException close) {
                        e.addSuppressed(close);
                    }
                }
                if (e instanceof RuntimeException r) {
                    throw r;
                }
                throw translate((SQLException) e, "opening the store", file);
            }
            LOG.info("Opened embedded store {} with slots {}", file, byName.keySet());
            return new EmbeddedEmbeddingStore(dir, file, byName, c);
        }
    }
}
