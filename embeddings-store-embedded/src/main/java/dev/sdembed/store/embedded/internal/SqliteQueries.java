package dev.sdembed.store.embedded.internal;

import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.InvariantReport;
import dev.sdembed.store.MaintenanceResult;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.StoredImage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The embedded store's lookups, statistics, maintenance and invariant checks, each on the store's connection under
 * its lock; arguments are already checked. Search lives in {@link SqliteSearch}, writes in {@link SqliteBatchWriter}.
 */
public final class SqliteQueries {
    private final Connection connection;
    private final List<SlotSpec> slots;

    public SqliteQueries(Connection connection, List<SlotSpec> slots) {
        this.connection = connection;
        this.slots = slots;
    }

    /** Those of {@code hashes} with an embedding in {@code slot} made by its current model. */
    public Set<ContentHash> embeddedHashes(SlotSpec slot, List<ContentHash> hashes) throws SQLException {
        Set<ContentHash> found = new HashSet<>();
        InLists.forHashes(connection, hashes, "SELECT hash FROM " + SqliteSchema.table(slot)
                + " WHERE fingerprint = ? AND hash IN ", ps -> ps.setString(1, slot.fingerprint()),
                rs -> found.add(ContentHash.of(rs.getBytes(1))));
        return found;
    }

    /** The reference counts of those of {@code hashes} stored as {@code kind} contents. */
    public Map<ContentHash, Long> referenceCounts(Modality kind, List<ContentHash> hashes) throws SQLException {
        String table = kind == Modality.TEXT ? "text_contents" : "image_contents";
        Map<ContentHash, Long> counts = new LinkedHashMap<>();
        InLists.forHashes(connection, hashes, "SELECT hash, ref_count FROM " + table + " WHERE hash IN ", ps -> { },
                rs -> counts.put(ContentHash.of(rs.getBytes(1)), rs.getLong(2)));
        return counts;
    }

    /** The stored texts of {@code hashes}, keyed by hash. */
    public Map<ContentHash, String> texts(List<ContentHash> hashes) throws SQLException {
        Map<ContentHash, String> texts = new LinkedHashMap<>();
        InLists.forHashes(connection, hashes, "SELECT hash, text FROM text_contents WHERE hash IN ", ps -> { },
                rs -> texts.put(ContentHash.of(rs.getBytes(1)), rs.getString(2)));
        return texts;
    }

    /** The stored image contents among {@code hashes}, keyed by hash. */
    public Map<ContentHash, ImageContent> imageContents(List<ContentHash> hashes) throws SQLException {
        Map<ContentHash, ImageContent> found = new LinkedHashMap<>();
        InLists.forHashes(connection, hashes, "SELECT " + Rows.IMAGE_CONTENT_COLUMNS + " FROM image_contents WHERE "
                + "hash IN ", ps -> { }, rs -> {
                    ImageContent c = Rows.imageContent(rs);
                    found.put(c.hash(), c);
                });
        return found;
    }

    /** The stored records at {@code paths}, keyed by path. */
    public Map<String, StoredImage> findImages(List<String> paths) throws SQLException {
        Map<String, StoredImage> found = new LinkedHashMap<>();
        InLists.forChunks(connection, paths, Rows.IMAGE_SELECT + "WHERE path IN ", ps -> { },
                (ps, i, path) -> ps.setString(i, path), rs -> {
                    StoredImage s = Rows.storedImage(rs);
                    found.put(s.path(), s);
                });
        return found;
    }

    /** The stored record with this id. */
    public Optional<StoredImage> findImage(long id) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(Rows.IMAGE_SELECT + "WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Rows.storedImage(rs)) : Optional.empty();
            }
        }
    }

    /** A page of records in path order after {@code afterPath} (null: from the start), of one status or all. */
    public List<StoredImage> listImages(ImageStatus status, String afterPath, int limit) throws SQLException {
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
    }

    /**
     * Counts of records, contents and each slot's embeddings (stale ones among them), and the indexed images by
     * generator and model; run in the caller's read transaction so they agree.
     */
    public StoreStats stats() throws SQLException {
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
        List<StoreStats.Count> generators = new ArrayList<>();
        List<StoreStats.Count> models = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT coalesce(generator, ?), count(*) FROM images "
                + "WHERE status = 'ok' GROUP BY 1")) {
            ps.setString(1, SearchFilter.NO_GENERATOR);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    generators.add(new StoreStats.Count(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT model_name, count(*) FROM images WHERE status = 'ok' GROUP BY 1")) {
            while (rs.next()) {
                models.add(new StoreStats.Count(rs.getString(1), rs.getLong(2)));
            }
        }
        return new StoreStats(images, failed, texts, imageContents, slotStats, generators, models);
    }

    /** Deletes contents at reference count 0 and their embeddings, in the caller's transaction. */
    public MaintenanceResult removeUnreferenced() throws SQLException {
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
    }

    /** Reference counts against the references records make, contents records miss, embeddings without content. */
    public InvariantReport checkInvariants() throws SQLException {
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

    private long count(String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
