package dev.sdembed.store.postgres.internal;

import com.pgvector.PGhalfvec;
import com.pgvector.PGvector;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.image.PixelHash;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.InvariantReport;
import dev.sdembed.store.MaintenanceResult;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.store.PixelDuplicates;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.TextRole;
import dev.sdembed.store.spi.DuplicateGrouper;
import dev.sdembed.store.spi.ResolvedSearch;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.argument.ObjectArgument;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;

/** The store's reads, maintenance and checks, each on a handle inside the caller's transaction. */
public final class StoreQueries {
    private final Map<String, SlotTable> tables;
    private final long writeLockKey;

    public StoreQueries(Map<String, SlotTable> tables, long writeLockKey) {
        this.tables = tables;
        this.writeLockKey = writeLockKey;
    }

    public Set<ContentHash> embeddedHashes(Handle h, SlotTable t, Collection<ContentHash> hashes) {
        Set<ContentHash> found = new HashSet<>();
        h.createQuery("SELECT hash FROM " + t.table() + " WHERE hash = ANY (:hashes) AND fingerprint = :fingerprint")
                .bind("hashes", hashArray(hashes))
                .bind("fingerprint", t.spec().fingerprint())
                .map((rs, ctx) -> ContentHash.of(rs.getBytes(1)))
                .forEach(found::add);
        return found;
    }

    public Map<ContentHash, Long> referenceCounts(Handle h, Modality kind, Collection<ContentHash> hashes) {
        String table = kind == Modality.TEXT ? "text_contents" : "image_contents";
        Map<ContentHash, Long> counts = new LinkedHashMap<>();
        h.createQuery("SELECT hash, ref_count FROM " + table + " WHERE hash = ANY (:hashes)")
                .bind("hashes", hashArray(hashes))
                .map((rs, ctx) -> Map.entry(ContentHash.of(rs.getBytes(1)), rs.getLong(2)))
                .forEach(e -> counts.put(e.getKey(), e.getValue()));
        return counts;
    }

    public Map<ContentHash, String> texts(Handle h, Collection<ContentHash> hashes) {
        Map<ContentHash, String> texts = new LinkedHashMap<>();
        h.createQuery("SELECT hash, text FROM text_contents WHERE hash = ANY (:hashes)")
                .bind("hashes", hashArray(hashes))
                .map((rs, ctx) -> Map.entry(ContentHash.of(rs.getBytes(1)), rs.getString(2)))
                .forEach(e -> texts.put(e.getKey(), e.getValue()));
        return texts;
    }

    /** Which of {@code hashes} the slot's content table does not hold, in their order, in one round trip. */
    public static List<ContentHash> missingContents(Handle h, SlotTable t, Collection<ContentHash> hashes) {
        Set<ContentHash> stored = storedContents(h, t.contentTable(), hashes);
        return hashes.stream().filter(hash -> !stored.contains(hash)).toList();
    }

    /**
     * Which of {@code hashes} {@code contentTable} holds, in one round trip. They are asked for by key
     * ({@code = ANY}): an anti-join against the array would let the planner hash the whole table, a full scan per
     * batch.
     */
    public static Set<ContentHash> storedContents(Handle h, String contentTable, Collection<ContentHash> hashes) {
        Set<ContentHash> stored = new HashSet<>();
        h.createQuery("SELECT hash FROM " + contentTable + " WHERE hash = ANY (:hashes)")
                .bind("hashes", hashArray(hashes))
                .map((rs, ctx) -> ContentHash.of(rs.getBytes(1)))
                .forEach(stored::add);
        return stored;
    }

    /**
     * A {@code bytea[]} parameter, sent in binary: the driver encodes a {@code byte[][]} given to {@code setObject}
     * as a binary array, where {@code createArrayOf} spells every key in hex for the server to parse back, which
     * was most of a 5,000-key lookup's time. (Jdbi's own array binding would take an {@code Object[]} of arrays.)
     */
    static Argument hashArray(Collection<ContentHash> hashes) {
        byte[][] keys = new byte[hashes.size()][];
        int i = 0;
        for (ContentHash hash : hashes) {
            keys[i++] = hash.toBytes();
        }
        return (position, statement, ctx) -> statement.setObject(position, keys);
    }

    public Map<ContentHash, ImageContent> imageContents(Handle h, Collection<ContentHash> hashes) {
        Map<ContentHash, ImageContent> found = new LinkedHashMap<>();
        h.createQuery("SELECT hash, width, height, format, byte_size, pixel_hash FROM image_contents "
                        + "WHERE hash = ANY (:hashes)")
                .bind("hashes", hashArray(hashes))
                .map((rs, ctx) -> {
                    long bits = rs.getLong(6);
                    PixelHash pixels = rs.wasNull() ? null : new PixelHash(bits);
                    return new ImageContent(ContentHash.of(rs.getBytes(1)), rs.getInt(2), rs.getInt(3),
                            rs.getString(4), rs.getLong(5), pixels);
                })
                .forEach(c -> found.put(c.hash(), c));
        return found;
    }

    public Map<String, StoredImage> findImages(Handle h, Collection<String> paths) {
        Map<String, StoredImage> found = new LinkedHashMap<>();
        h.createQuery(Rows.IMAGE_SELECT + "WHERE i.path = ANY (:paths)")
                .bindArray("paths", String.class, List.copyOf(paths))
                .map(Rows.STORED_IMAGE)
                .forEach(s -> found.put(s.path(), s));
        return found;
    }

    public Optional<StoredImage> findImage(Handle h, long id) {
        return h.createQuery(Rows.IMAGE_SELECT + "WHERE i.id = :id").bind("id", id).map(Rows.STORED_IMAGE).findOne();
    }

    public List<StoredImage> listImages(Handle h, ImageStatus status, String afterPath, int limit) {
        StringBuilder sql = new StringBuilder(Rows.IMAGE_SELECT).append("WHERE true");
        if (status != null) {
            sql.append(" AND i.status = :status");
        }
        if (afterPath != null) {
            sql.append(" AND i.path > :after");
        }
        sql.append(" ORDER BY i.path LIMIT :limit");
        Query q = h.createQuery(sql.toString()).bind("limit", limit);
        if (status != null) {
            q.bind("status", Rows.status(status));
        }
        if (afterPath != null) {
            q.bind("after", afterPath);
        }
        return q.map(Rows.STORED_IMAGE).list();
    }

    /**
     * Top-k by the target slot's HNSW index, filtered through iterative index scans; or, when the filter lets
     * through at most {@code exactLimit} images, by the distance of every one of them. HNSW with a selective filter
     * returns the first k matches among its candidates, not the best k (recall@10 0.82 at ef_search 1000 when 5 %
     * of 100,000 match), while the distances of up to ~10,000 matches are exact and take no longer.
     *
     * <p>The index path walks the slot's contents best first, keeping those with a matching image (an
     * {@code EXISTS} the iterative scan evaluates per candidate), then takes their matching images: each content
     * stands for at least one image, so the best k contents hold the best k images, and images sharing a content are
     * ranked by id as on the exact path. With {@link SearchFilter#distinct()} by the slot's own content (prompts of a
     * prompt search, files of an image search) each content gives its lowest-id image; by another key the walk is
     * widened until k keys are found. The minimum score cuts the ranked list: what it removes can only be worse.
     */
    public List<SearchHit> search(Handle h, ResolvedSearch r, int efSearch, int exactLimit) throws SQLException {
        SlotTable target = tables.get(r.targetSlot().name());
        configureSearch(h, Math.max(efSearch, r.k()));
        Embedding vector = r.vector();
        Long exclude = null;
        if (r.byStoredImage()) {
            StoredVector stored = storedVector(h, r);
            vector = stored.vector();
            exclude = stored.imageId();
        }
        String column = target.imageColumn(r.role());
        SearchFilter filter = r.filter();
        Matches matches = Matches.of(filter, exclude);
        boolean exact = filter.restrictsImages() && atMost(h, column, matches, exactLimit);
        Hits hits = new Hits(target, column, r, matches, new PGvector(vector.vector()));
        return exact ? hits.exact(h) : hits.throughIndex(h);
    }

    /** The SQL of one search, on either path; hits map to {@link SearchHit}s. */
    private static final class Hits {
        private final SlotTable target;
        private final String column;
        private final ResolvedSearch r;
        private final Matches matches;
        private final PGvector query;
        private final String key;

        Hits(SlotTable target, String column, ResolvedSearch r, Matches matches, PGvector query) {
            this.target = target;
            this.column = column;
            this.r = r;
            this.matches = matches;
            this.query = query;
            SearchFilter.Distinct distinct = r.filter().distinct();
            // An image without a prompt is its own key: its id, 8 bytes, never a 32-byte hash.
            this.key = distinct == null ? null : distinct == SearchFilter.Distinct.FILE ? "i.image_hash"
                    : "coalesce(i.prompt_hash, int8send(i.id))";
        }

        private String distance(String embedding) {
            return embedding + " <#> " + target.queryVector("q");
        }

        /** Image columns a hit needs, from {@code images i}. */
        private String imageColumns() {
            return "i.id, i.path, i.generator, i.model_name, i.prompt_hash, i.negative_hash"
                    + (key == null ? "" : ", " + key + " AS key");
        }

        /** Every match ranked by its exact distance. */
        List<SearchHit> exact(Handle h) {
            String select = "SELECT " + imageColumns() + ", e.hash AS content, " + distance("e.embedding")
                    + " AS distance FROM " + target.table() + " e JOIN images i ON i." + column + " = e.hash "
                    + "WHERE e.fingerprint = :fingerprint" + matches.sql() + scoreCut(distance("e.embedding"));
            // OFFSET 0 fences the matches off from the ORDER BY, so the planner cannot walk the HNSW index for them.
            String ranked = key == null ? "SELECT * FROM (" + select + " OFFSET 0) m"
                    : "SELECT DISTINCT ON (m.key) * FROM (" + select + " OFFSET 0) m ORDER BY m.key, m.distance, m.id";
            String sql = "WITH hits AS MATERIALIZED (SELECT * FROM (" + ranked + ") d ORDER BY d.distance, d.id "
                    + "LIMIT :k) " + withTexts("hits");
            Query q = bind(h.createQuery(sql));
            return q.map((rs, ctx) -> hit(rs)).list();
        }

        /** The best contents through the index, their matching images, widened when distinct keys are short. */
        List<SearchHit> throughIndex(Handle h) {
            SearchFilter.Distinct distinct = r.filter().distinct();
            boolean byContent = distinct == null || (distinct == SearchFilter.Distinct.FILE && column.equals("image_hash"))
                    || (distinct == SearchFilter.Distinct.PROMPT && column.equals("prompt_hash"));
            int wide = r.k();
            while (true) {
                String contents = "SELECT e.hash, " + distance("e.embedding") + " AS distance FROM " + target.table()
                        + " e WHERE e.fingerprint = :fingerprint AND EXISTS (SELECT 1 FROM images i WHERE i." + column
                        + " = e.hash" + matches.sql() + ") ORDER BY " + distance("e.embedding") + " LIMIT :wide";
                String images = byContent
                        ? "SELECT i.*, c.hash AS content, c.distance FROM c CROSS JOIN LATERAL (SELECT " + imageColumns()
                                + " FROM images i WHERE i." + column + " = c.hash" + matches.sql()
                                + " ORDER BY i.id LIMIT :perContent) i"
                        : "SELECT " + imageColumns() + ", c.hash AS content, c.distance FROM c JOIN images i ON i."
                                + column + " = c.hash WHERE true" + matches.sql();
                String ranked = key == null || byContent ? images
                        : "SELECT DISTINCT ON (m.key) * FROM (" + images + ") m ORDER BY m.key, m.distance, m.id";
                String sql = "WITH c AS MATERIALIZED (" + contents + "), "
                        + "hits AS MATERIALIZED (SELECT * FROM (" + ranked + ") d ORDER BY d.distance, d.id LIMIT :k), "
                        + "walked AS (SELECT count(*) AS contents, max(distance) AS last, "
                        + "(SELECT count(*) FROM hits) AS found FROM c) "
                        + "SELECT w.contents, w.last, w.found, x.* FROM walked w LEFT JOIN LATERAL (" + withTexts("hits")
                        + ") x ON true ORDER BY x.score DESC NULLS LAST, x.id";
                Query q = bind(h.createQuery(sql)).bind("wide", wide);
                if (byContent) {
                    // Without distinct a content gives up to k images (the best k may all share it), else its first.
                    q.bind("perContent", key == null ? r.k() : 1);
                }
                List<SearchHit> hits = new ArrayList<>();
                long[] walk = new long[2];
                double[] last = new double[1];
                q.map((rs, ctx) -> {
                    walk[0] = rs.getLong("contents");
                    walk[1] = rs.getLong("found");
                    last[0] = rs.getDouble("last");
                    if (rs.getObject("id") != null) {
                        hits.add(hit(rs));
                    }
                    return Boolean.TRUE;
                }).forEach(ignored -> { });
                boolean exhausted = walk[0] < wide;
                // Contents past the last one walked are no nearer: when it already fails the minimum score, so do they.
                boolean belowMinimum = r.filter().minScore() != null && -last[0] < r.filter().minScore();
                if (walk[1] >= r.k() || exhausted || belowMinimum || wide >= MAX_WALK) {
                    return hits;
                }
                wide = (int) Math.min(MAX_WALK, wide * 8L);
            }
        }

        /** The hits with their prompt (and negative prompt when negatives were matched), best first. */
        private String withTexts(String hits) {
            boolean negative = r.role() == TextRole.NEGATIVE;
            return "SELECT h.id, h.path, h.generator, h.model_name, h.content, -h.distance AS score, t.text, "
                    + (negative ? "n.text" : "NULL") + " AS negative_text FROM " + hits + " h "
                    + "LEFT JOIN text_contents t ON t.hash = h.prompt_hash "
                    + (negative ? "LEFT JOIN text_contents n ON n.hash = h.negative_hash " : "")
                    + "WHERE true" + scoreCut("h.distance") + " ORDER BY h.distance, h.id";
        }

        private String scoreCut(String distance) {
            return r.filter().minScore() == null ? "" : " AND " + distance + " <= :maxDistance";
        }

        private Query bind(Query q) {
            q.bind("q", ObjectArgument.of(query, Types.OTHER))
                    .bind("fingerprint", target.spec().fingerprint())
                    .bind("k", r.k());
            if (r.filter().minScore() != null) {
                q.bind("maxDistance", -r.filter().minScore());
            }
            matches.bind(q);
            return q;
        }

        private static SearchHit hit(java.sql.ResultSet rs) throws SQLException {
            return new SearchHit(rs.getLong("id"), rs.getString("path"), rs.getDouble("score"),
                    ContentHash.of(rs.getBytes("content")), rs.getString("generator"), rs.getString("model_name"),
                    rs.getString("text"), rs.getString("negative_text"));
        }
    }

    /**
     * The most contents one index search walks when widening for distinct keys: past it, fewer than k hits come
     * back rather than a walk over the whole slot (pgvector's iterative scans stop there too, at
     * {@code hnsw.max_scan_tuples}).
     */
    static final int MAX_WALK = 20_000;

    /** The conditions an image must meet to be a hit ({@code AND ...} on {@code images i}), and their values. */
    private record Matches(String sql, SearchFilter filter, Long exclude) {
        static Matches of(SearchFilter filter, Long exclude) {
            StringBuilder sql = new StringBuilder(" AND i.status = 'ok'");
            appendFilter(sql, filter);
            if (exclude != null) {
                sql.append(" AND i.id <> :exclude");
            }
            return new Matches(sql.toString(), filter, exclude);
        }

        void bind(SqlStatement<?> statement) {
            bindFilter(statement, filter);
            if (exclude != null) {
                statement.bind("exclude", exclude.longValue());
            }
        }
    }

    /** Whether at most {@code limit} images with a {@code column} content are hits; counts no further. */
    private static boolean atMost(Handle h, String column, Matches matches, int limit) {
        if (limit == 0) {
            return false;
        }
        Query count = h.createQuery("SELECT count(*) FROM (SELECT 1 FROM images i WHERE i." + column + " IS NOT NULL"
                + matches.sql() + " LIMIT :cap) m").bind("cap", limit + 1);
        matches.bind(count);
        return count.mapTo(Long.class).one() <= limit;
    }

    private record StoredVector(long imageId, Embedding vector) {
    }

    private StoredVector storedVector(Handle h, ResolvedSearch r) throws SQLException {
        SlotTable slot = tables.get(r.querySlot().name());
        String column = slot.imageColumn(r.role());
        Query q = h.createQuery("SELECT i.id, i.status, i." + column + " AS content, e.embedding::text AS embedding, "
                + "e.fingerprint FROM images i LEFT JOIN " + slot.table() + " e ON e.hash = i." + column + " WHERE "
                + (r.imageId() != null ? "i.id = :id" : "i.path = :path"));
        if (r.imageId() != null) {
            q.bind("id", r.imageId().longValue());
        } else {
            q.bind("path", r.imagePath());
        }
        Map<String, Object> row = q.mapToMap().findOne()
                .orElseThrow(() -> r.noStoredEmbedding("no image with that " + (r.imageId() != null ? "id" : "path")
                        + " is stored"));
        if (row.get("content") == null) {
            throw r.noStoredEmbedding(ImageStatus.FAILED.name().equalsIgnoreCase((String) row.get("status"))
                    ? "the image failed to index" : "the image has no " + describe(slot, r.role()));
        }
        if (row.get("embedding") == null) {
            throw r.noStoredEmbedding("its content has not been embedded in that slot yet");
        }
        if (!slot.spec().fingerprint().equals(row.get("fingerprint"))) {
            throw r.noStoredEmbedding("its embedding is stale (made by another model) until it is re-embedded");
        }
        String text = (String) row.get("embedding");
        float[] values = slot.half() ? new PGhalfvec(text).toArray() : new PGvector(text).toArray();
        return new StoredVector(((Number) row.get("id")).longValue(), new Embedding(values));
    }

    private static String describe(SlotTable slot, TextRole role) {
        if (slot.spec().modality() == Modality.IMAGE) {
            return "image content";
        }
        return role == TextRole.NEGATIVE ? "negative prompt" : "prompt";
    }

    /**
     * Links each content to its nearest neighbours through the index (one index scan per content), then groups the
     * images that pass the filter; distinct then keeps one member per key in each group.
     */
    public List<DuplicateGroup> nearDuplicates(Handle h, SlotTable t, NearDuplicateRequest request, int efSearch) {
        configureSearch(h, Math.max(efSearch, request.neighbours() + 1));
        String column = t.imageColumn(request.role());
        Matches matches = Matches.of(request.filter(), null);
        String members = " FROM images i WHERE i." + column + " IS NOT NULL" + matches.sql();
        String links = "SELECT a.hash AS a, n.hash AS b, -n.distance AS similarity FROM " + t.table() + " a "
                + "CROSS JOIN LATERAL (SELECT b.hash, b.embedding <#> a.embedding AS distance FROM " + t.table() + " b "
                + "WHERE b.fingerprint = :fingerprint ORDER BY b.embedding <#> a.embedding LIMIT :limit) n "
                + "WHERE a.fingerprint = :fingerprint AND a.hash IN (SELECT i." + column + members + ") "
                + "AND n.hash <> a.hash AND -n.distance >= :threshold";
        DuplicateGrouper grouper = new DuplicateGrouper();
        Query linkQuery = h.createQuery(links)
                .bind("fingerprint", t.spec().fingerprint())
                .bind("limit", request.neighbours() + 1)
                .bind("threshold", request.linkThreshold())
                .setFetchSize(10_000);
        matches.bind(linkQuery);
        linkQuery.map((rs, ctx) -> {
            grouper.link(ContentHash.of(rs.getBytes(1)), ContentHash.of(rs.getBytes(2)), rs.getDouble(3));
            return Boolean.TRUE;
        }).forEach(ignored -> { });

        // Members stream in content order; a content's images are kept when it is linked or shared by two images,
        // so memory follows the duplicates found, not the library.
        SearchFilter.Distinct distinct = request.filter().distinct();
        Query memberQuery = h.createQuery("SELECT i.id, i.path, i." + column + " AS content, "
                + (distinct == SearchFilter.Distinct.FILE ? "i.image_hash" : "i.prompt_hash") + " AS key" + members
                + " ORDER BY i." + column + ", i.path").setFetchSize(10_000);
        matches.bind(memberQuery);
        record Offered(DuplicateGroup.Member member, ContentHash key) {
        }
        try (Stream<Offered> stream = memberQuery.map((rs, ctx) -> new Offered(new DuplicateGroup.Member(rs.getLong(1),
                rs.getString(2), ContentHash.of(rs.getBytes(3))),
                distinct != null && rs.getBytes(4) != null ? ContentHash.of(rs.getBytes(4)) : null)).stream()) {
            stream.forEach(o -> grouper.offer(o.member(), o.key()));
        }
        return distinct == null ? grouper.groupsOfOffered() : grouper.distinctGroupsOfOffered();
    }

    /** Groups of OK images (passing the filter) that share one image content. */
    public List<DuplicateGroup> identicalFiles(Handle h, SearchFilter filter) {
        StringBuilder where = new StringBuilder(" WHERE i.status = 'ok' AND i.image_hash IS NOT NULL");
        appendFilter(where, filter);
        Query q = h.createQuery("SELECT i.id, i.path, i.image_hash FROM images i" + where + " AND i.image_hash IN "
                + "(SELECT i.image_hash FROM images i" + where + " GROUP BY i.image_hash HAVING count(*) > 1) "
                + "ORDER BY i.image_hash, i.path").setFetchSize(10_000);
        bindFilter(q, filter);
        List<DuplicateGroup.Member> members = q.map((rs, ctx) -> new DuplicateGroup.Member(rs.getLong(1),
                rs.getString(2), ContentHash.of(rs.getBytes(3)))).list();
        return new DuplicateGrouper().groups(members);
    }

    /**
     * Links the contents of the OK images (passing the filter) whose pixel hashes are within the distance, through
     * the band columns: per content and band, the band's value and (for distances over 3) the 16 values one bit
     * away are looked up among the other contents (their band indexes, or a hash join when most contents take part),
     * and only those candidates have their Hamming distance computed. Then groups their images as
     * {@link #nearDuplicates} does.
     */
    public PixelDuplicates pixelDuplicates(Handle h, PixelDuplicateRequest request) {
        StringBuilder filtered = new StringBuilder(" FROM images i JOIN image_contents c ON c.hash = i.image_hash "
                + "WHERE i.status = 'ok'");
        appendFilter(filtered, request.filter());
        Query missing = h.createQuery("SELECT count(*)" + filtered + " AND c.pixel_hash IS NULL");
        bindFilter(missing, request.filter());
        long withoutHash = missing.mapTo(Long.class).one();

        Integer[] masks = new Integer[request.bandRadius() == 0 ? 1 : 1 + PixelHash.BAND_BITS];
        masks[0] = 0;
        for (int bit = 1; bit < masks.length; bit++) {
            masks[bit] = 1 << (bit - 1);
        }
        StringBuilder pairs = new StringBuilder();
        for (int band = 0; band < PixelHash.BANDS; band++) {
            String column = "pixel_band" + band;
            pairs.append(band == 0 ? "" : " UNION ").append("SELECT a.hash AS a, b.hash AS b, bit_count((a.pixel_hash ")
                    .append("# b.pixel_hash)::bit(64)) AS distance FROM m a CROSS JOIN k JOIN image_contents b ON b.")
                    .append(column).append(" = a.").append(column).append(" # k.mask AND b.hash > a.hash ")
                    .append("WHERE b.pixel_hash IS NOT NULL AND b.hash IN (SELECT hash FROM m) ")
                    .append("AND bit_count((a.pixel_hash # b.pixel_hash)::bit(64)) <= :maxDistance");
        }
        String links = "WITH m AS MATERIALIZED (SELECT DISTINCT c.hash, c.pixel_hash, c.pixel_band0, c.pixel_band1, "
                + "c.pixel_band2, c.pixel_band3" + filtered + " AND c.pixel_hash IS NOT NULL), "
                + "k AS (SELECT unnest(:masks) AS mask) " + pairs;
        DuplicateGrouper grouper = new DuplicateGrouper();
        Query linkQuery = h.createQuery(links)
                .bindArray("masks", Integer.class, (Object[]) masks)
                .bind("maxDistance", request.maxDistance())
                .setFetchSize(10_000);
        bindFilter(linkQuery, request.filter());
        linkQuery.map((rs, ctx) -> {
            grouper.link(ContentHash.of(rs.getBytes(1)), ContentHash.of(rs.getBytes(2)),
                    PixelHash.similarity(rs.getInt(3)));
            return Boolean.TRUE;
        }).forEach(ignored -> { });

        StringBuilder members = new StringBuilder(" FROM images i WHERE i.status = 'ok' AND i.image_hash IS NOT NULL");
        appendFilter(members, request.filter());
        Query memberQuery = h.createQuery("SELECT i.id, i.path, i.image_hash" + members
                + " ORDER BY i.image_hash, i.path").setFetchSize(10_000);
        bindFilter(memberQuery, request.filter());
        try (Stream<DuplicateGroup.Member> stream = memberQuery.map((rs, ctx) -> new DuplicateGroup.Member(
                rs.getLong(1), rs.getString(2), ContentHash.of(rs.getBytes(3)))).stream()) {
            stream.forEach(grouper::offer);
        }
        return new PixelDuplicates(grouper.groupsOfOffered(), withoutHash);
    }

    public StoreStats stats(Handle h) {
        Map<String, Object> images = h.createQuery("SELECT count(*) AS total, count(*) FILTER (WHERE status = 'failed') "
                + "AS failed FROM images").mapToMap().one();
        long texts = h.createQuery("SELECT count(*) FROM text_contents").mapTo(Long.class).one();
        long imageContents = h.createQuery("SELECT count(*) FROM image_contents").mapTo(Long.class).one();
        List<SlotStats> slots = new ArrayList<>();
        for (SlotTable t : tables.values()) {
            Map<String, Object> row = h.createQuery("SELECT count(*) AS embeddings, "
                    + "count(*) FILTER (WHERE e.fingerprint <> :fingerprint) AS stale, "
                    + "coalesce(sum(c.ref_count), 0) AS refs FROM " + t.table() + " e JOIN " + t.contentTable()
                    + " c ON c.hash = e.hash").bind("fingerprint", t.spec().fingerprint()).mapToMap().one();
            slots.add(new SlotStats(t.spec().name(), asLong(row.get("embeddings")), asLong(row.get("stale")),
                    asLong(row.get("refs")), t.bytesPerVector()));
        }
        List<StoreStats.Count> generators = h.createQuery("SELECT coalesce(generator, :none), count(*) FROM images "
                + "WHERE status = 'ok' GROUP BY 1").bind("none", SearchFilter.NO_GENERATOR)
                .map((rs, ctx) -> new StoreStats.Count(rs.getString(1), rs.getLong(2))).list();
        List<StoreStats.Count> models = h.createQuery("SELECT model_name, count(*) FROM images WHERE status = 'ok' "
                + "GROUP BY 1").map((rs, ctx) -> new StoreStats.Count(rs.getString(1), rs.getLong(2))).list();
        return new StoreStats(asLong(images.get("total")), asLong(images.get("failed")), texts, imageContents, slots,
                generators, models);
    }

    public MaintenanceResult removeUnreferenced(Handle h) {
        // Exclusive against writers' shared lock: no batch can be between "content exists" and "image references it".
        h.execute("SELECT pg_advisory_xact_lock(?)", writeLockKey);
        Map<String, Long> embeddings = new LinkedHashMap<>();
        for (SlotTable t : tables.values()) {
            embeddings.put(t.spec().name(), (long) h.createUpdate("DELETE FROM " + t.table() + " e USING "
                    + t.contentTable() + " c WHERE c.hash = e.hash AND c.ref_count = 0").execute());
        }
        long texts = h.createUpdate("DELETE FROM text_contents WHERE ref_count = 0").execute();
        long images = h.createUpdate("DELETE FROM image_contents WHERE ref_count = 0").execute();
        return new MaintenanceResult(texts, images, embeddings);
    }

    public InvariantReport checkInvariants(Handle h) {
        List<InvariantReport.Violation> violations = new ArrayList<>();
        long total = violations(h, "WITH refs AS (SELECT h, count(*) AS n FROM (SELECT prompt_hash AS h FROM images "
                + "UNION ALL SELECT negative_hash FROM images) x WHERE h IS NOT NULL GROUP BY h) " + refCountSql(
                "text_contents"), Modality.TEXT, violations);
        total += violations(h, "WITH refs AS (SELECT image_hash AS h, count(*) AS n FROM images "
                + "WHERE image_hash IS NOT NULL GROUP BY image_hash) " + refCountSql("image_contents"), Modality.IMAGE,
                violations);
        for (SlotTable t : tables.values()) {
            total += violations(h, "SELECT e.hash, true AS orphan, false AS missing, 0 AS stored, 0 AS actual, "
                    + "count(*) OVER () AS total FROM " + t.table() + " e LEFT JOIN " + t.contentTable()
                    + " c ON c.hash = e.hash WHERE c.hash IS NULL ORDER BY 1 LIMIT " + InvariantReport.MAX_REPORTED,
                    t.spec().modality(), violations);
        }
        long texts = h.createQuery("SELECT count(*) FROM text_contents").mapTo(Long.class).one();
        long images = h.createQuery("SELECT count(*) FROM image_contents").mapTo(Long.class).one();
        return new InvariantReport(texts, images, violations, total);
    }

    private static String refCountSql(String table) {
        return "SELECT coalesce(c.hash, r.h) AS hash, false AS orphan, c.hash IS NULL AS missing, "
                + "coalesce(c.ref_count, 0) AS stored, coalesce(r.n, 0) AS actual, count(*) OVER () AS total "
                + "FROM " + table + " c FULL JOIN refs r ON r.h = c.hash "
                + "WHERE c.hash IS NULL OR c.ref_count <> coalesce(r.n, 0) ORDER BY 1 LIMIT " + InvariantReport.MAX_REPORTED;
    }

    /** Adds the listed violations and returns how many there are in all. */
    private static long violations(Handle h, String sql, Modality kind, List<InvariantReport.Violation> out) {
        long[] total = {0};
        h.createQuery(sql).map((rs, ctx) -> {
            total[0] = rs.getLong("total");
            InvariantReport.Kind what = rs.getBoolean("orphan") ? InvariantReport.Kind.ORPHAN_EMBEDDING
                    : rs.getBoolean("missing") ? InvariantReport.Kind.MISSING_CONTENT
                    : InvariantReport.Kind.WRONG_REFERENCE_COUNT;
            return new InvariantReport.Violation(what, kind, ContentHash.of(rs.getBytes("hash")), rs.getLong("stored"),
                    rs.getLong("actual"));
        }).forEach(v -> add(out, v));
        return total[0];
    }

    private static void add(List<InvariantReport.Violation> violations, InvariantReport.Violation v) {
        if (violations.size() < InvariantReport.MAX_REPORTED) {
            violations.add(v);
        }
    }

    private static void configureSearch(Handle h, int efSearch) {
        // Relaxed order lets the scan continue past filtered-out rows and is re-sorted by the outer query.
        h.execute("SELECT set_config('hnsw.ef_search', ?, true), set_config('hnsw.iterative_scan', 'relaxed_order', "
                + "true), set_config('jit', 'off', true)", String.valueOf(Math.min(efSearch, 1000)));
    }

    /**
     * The filter's conditions on {@code images i} as {@code AND ...}, each on an indexed column; the values are bound
     * by {@link #bindFilter}. They mean what {@link SearchFilter#matches} means: a width range never matches an
     * unknown width (0), a NULL setting never matches.
     */
    private static void appendFilter(StringBuilder sql, SearchFilter f) {
        if (f.pathPrefix() != null) {
            // With the path's C collation, PostgreSQL 15 walks the path index for starts_with.
            sql.append(" AND starts_with(i.path, :pathPrefix)");
        }
        if (f.generator() != null) {
            sql.append(f.generator().equals(SearchFilter.NO_GENERATOR)
                    ? " AND (i.generator IS NULL OR i.generator = :generator)" : " AND i.generator = :generator");
        }
        if (f.modelName() != null) {
            sql.append(" AND i.model_name = :modelName");
        }
        if (f.sampler() != null) {
            sql.append(" AND i.sampler = :sampler");
        }
        if (f.seed() != null) {
            sql.append(" AND i.seed = :seed");
        }
        appendRange(sql, "i.steps", "steps", f.steps());
        appendRange(sql, "i.cfg", "cfg", f.cfg());
        appendRange(sql, "i.width", "width", f.width());
        appendRange(sql, "i.height", "height", f.height());
        if (f.modified() != null) {
            if (f.modified().min() != null) {
                sql.append(" AND i.modified_at >= CAST(:modifiedMin AS timestamptz)");
            }
            if (f.modified().max() != null) {
                sql.append(" AND i.modified_at <= CAST(:modifiedMax AS timestamptz)");
            }
        }
    }

    private static void appendRange(StringBuilder sql, String column, String name, SearchFilter.Range<?> range) {
        if (range != null) {
            if (range.min() != null) {
                sql.append(" AND ").append(column).append(" >= :").append(name).append("Min");
            }
            if (range.max() != null) {
                sql.append(" AND ").append(column).append(" <= :").append(name).append("Max");
            }
            if (column.equals("i.width") || column.equals("i.height")) {
                sql.append(" AND ").append(column).append(" > 0");
            }
        }
    }

    private static void bindFilter(SqlStatement<?> statement, SearchFilter f) {
        if (f.pathPrefix() != null) {
            statement.bind("pathPrefix", f.pathPrefix());
        }
        if (f.generator() != null) {
            statement.bind("generator", f.generator());
        }
        if (f.modelName() != null) {
            statement.bind("modelName", f.modelName());
        }
        if (f.sampler() != null) {
            statement.bind("sampler", f.sampler());
        }
        if (f.seed() != null) {
            statement.bind("seed", f.seed().longValue());
        }
        bindRange(statement, "steps", f.steps());
        bindRange(statement, "cfg", f.cfg());
        bindRange(statement, "width", f.width());
        bindRange(statement, "height", f.height());
        if (f.modified() != null) {
            // As ISO text cast in SQL: exact to the microsecond whatever the JVM's or the session's time zone.
            if (f.modified().min() != null) {
                statement.bind("modifiedMin", timestamp(f.modified().min()));
            }
            if (f.modified().max() != null) {
                statement.bind("modifiedMax", timestamp(f.modified().max()));
            }
        }
    }

    private static void bindRange(SqlStatement<?> statement, String name, SearchFilter.Range<?> range) {
        if (range != null) {
            if (range.min() != null) {
                bindNumber(statement, name + "Min", range.min());
            }
            if (range.max() != null) {
                bindNumber(statement, name + "Max", range.max());
            }
        }
    }

    private static void bindNumber(SqlStatement<?> statement, String name, Object value) {
        if (value instanceof Integer i) {
            statement.bind(name, i.intValue());
        } else {
            statement.bind(name, ((Double) value).doubleValue());
        }
    }

    /** Records keep years 1 to 9999, PostgreSQL parses those: a bound beyond them is moved to them. */
    private static String timestamp(Instant t) {
        Instant earliest = Instant.parse("0001-01-01T00:00:00Z");
        Instant latest = Instant.parse("9999-12-31T23:59:59.999999Z");
        return (t.isBefore(earliest) ? earliest : t.isAfter(latest) ? latest : t).toString();
    }

    private static long asLong(Object value) {
        return ((Number) value).longValue();
    }
}
