package dev.sdembed.store.embedded.internal;

import dev.sdembed.StoreException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.image.PixelHash;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.store.PixelDuplicates;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.TextRole;
import dev.sdembed.store.spi.DuplicateGrouper;
import dev.sdembed.store.spi.PixelHashIndex;
import dev.sdembed.store.spi.ResolvedSearch;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Search and near-duplicate grouping over the slots' vectors in memory ({@link VectorCache}: exact, or quantised
 * with the candidates re-ranked exactly from the file), joined to the image records in the file. Runs on the store's
 * connection under its lock.
 */
public final class SqliteSearch {
    private final Connection connection;
    private final VectorCache vectors;
    private final SqliteQueries queries;

    public SqliteSearch(Connection connection, VectorCache vectors, SqliteQueries queries) {
        this.connection = connection;
        this.vectors = vectors;
        this.queries = queries;
    }

    /**
     * Matches of a quantised slot's filter up to which all are re-ranked by their exact scores (about 10 µs each,
     * read from the file), so a selective filter ranks its few matches exactly; more are walked as an unfiltered
     * search walks the slot.
     */
    static final int EXACT_MATCHES = 1024;

    /**
     * Top-k: every current vector of the target slot is scored, then contents are taken best first and joined to
     * their images (status OK, the filter's conditions in the SQL, not the query image) until k images (or k
     * distinct keys) are found. A filter passed by few images is asked first which contents they have (through the
     * filtered columns' indexes), and only those are ranked; otherwise the best-first walk widens geometrically. The
     * minimum score ends the walk at the first content below it.
     *
     * <p>In an exact slot the scores are exact. In a quantised one they are approximate: the walk takes the
     * candidates best first by approximate score and re-ranks each round's by their exact scores from the file
     * before joining them, hits carry exact scores, and it stops once the k-th hit beats the approximate score of
     * every candidate not yet taken. A filter's matches, when at most {@link #EXACT_MATCHES}, are all re-ranked.
     * Codes found stale by the re-ranking (a vector no longer in the file) are dropped and the search runs again
     * on the vectors loaded afresh.
     */
    public List<SearchHit> search(ResolvedSearch r) throws SQLException {
        float[] query;
        long exclude = 0;
        if (r.byStoredImage()) {
            StoredImage image = storedQueryImage(r);
            query = storedVector(r, image);
            exclude = image.id();
        } else {
            query = r.vector().vector();
        }
        List<SearchHit> hits = search(r, vectors.get(connection, r.targetSlot()), query, exclude);
        if (hits == null) {
            vectors.dropStale(r.targetSlot().name());
            hits = search(r, vectors.get(connection, r.targetSlot()), query, exclude);
            if (hits == null) {
                throw new StoreException("The vectors of slot '" + r.targetSlot().name() + "' changed in the file "
                        + "while they were read; search again");
            }
        }
        return hits;
    }

    /** The hits, or null when the quantised codes turned out stale. */
    private List<SearchHit> search(ResolvedSearch r, SlotVectors cache, float[] query, long exclude)
            throws SQLException {
        float[] scores = cache.scores(query);
        // A content is left out for the minimum score only when even its best possible exact score is below it.
        double slack = cache.errorBound(query);
        String column = SqliteSchema.imageColumn(r.targetSlot(), r.role());
        SearchFilter filter = r.filter();
        SqliteFilter where = SqliteFilter.of(filter);
        int[] order = filter.restrictsImages() ? matchingRows(cache, scores, column, where, exclude) : null;
        boolean restricted = order != null;
        int wanted = Math.min(scores.length, r.k() * 4 + 16);
        if (!restricted) {
            order = SlotVectors.top(scores, wanted);
        }
        int end = restricted && (cache.exact() || order.length <= EXACT_MATCHES) ? order.length
                : Math.min(order.length, wanted);
        List<Hit> hits = new ArrayList<>();
        int from = 0;
        while (true) {
            List<Integer> rows = new ArrayList<>();
            boolean belowMinimum = false;
            for (int i = from; i < end; i++) {
                if (!filter.passesScore(scores[order[i]] + slack)) {
                    belowMinimum = true;
                    end = i;
                    break;
                }
                rows.add(order[i]);
            }
            Map<ContentHash, Float> scored = exactScores(r.targetSlot(), cache, rows, scores, query);
            if (scored == null) {
                return null;
            }
            scored.values().removeIf(score -> !filter.passesScore(score));
            collectHits(new ArrayList<>(scored.keySet()), column, where, r.role(), exclude, scored, hits);
            from = end;
            List<SearchHit> ranked = rank(hits, filter.distinct(), r.k());
            boolean complete = restricted || order.length == scores.length;
            boolean exhausted = belowMinimum || (complete && from >= order.length);
            // Enough when the k-th hit is strictly better than any content not joined yet (ties are joined too).
            if (exhausted || (ranked.size() >= r.k() && ranked.get(r.k() - 1).score() > scores[order[from - 1]])) {
                return ranked;
            }
            // Too few images passed (a filter, distinct keys, contents without OK images): widen geometrically; the
            // best-first prefix already joined is the same, so only the new contents are read.
            wanted = (int) Math.min(scores.length, wanted * 8L);
            if (!restricted) {
                order = SlotVectors.top(scores, wanted);
            }
            end = Math.min(order.length, wanted);
        }
    }

    /**
     * The exact score of each row's content, in row order: an exact slot's own, a quantised slot's from the file;
     * null when the file lacks one (stale codes).
     */
    private Map<ContentHash, Float> exactScores(SlotSpec slot, SlotVectors cache, List<Integer> rows, float[] scores,
                                                float[] query) throws SQLException {
        float[] exact = null;
        if (!cache.exact() && !rows.isEmpty()) {
            exact = vectors.exactScores(connection, slot, cache, rows.stream().mapToInt(Integer::intValue).toArray(),
                    query);
            if (exact == null) {
                return null;
            }
        }
        Map<ContentHash, Float> scored = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            int row = rows.get(i);
            scored.put(cache.hash(row), exact != null ? exact[i] : scores[row]);
        }
        return scored;
    }

    /**
     * The rows of the contents that images passing the filter have, best first; null when more than a quarter of the
     * slot's contents (at least 64) have such images, where walking the ranking best first finds k sooner.
     */
    private int[] matchingRows(SlotVectors cache, float[] scores, String column, SqliteFilter where, long exclude)
            throws SQLException {
        int cap = Math.max(64, scores.length / 4);
        List<Integer> rows = new ArrayList<>();
        int matched = 0;
        try (PreparedStatement ps = connection.prepareStatement("SELECT DISTINCT i." + column + " FROM images i "
                + "WHERE i.status = 'ok' AND i." + column + " IS NOT NULL AND i.id <> ?" + where.sql() + " LIMIT ?")) {
            ps.setLong(1, exclude);
            ps.setInt(where.bind(ps, 2), cap + 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    matched++;
                    int row = cache.row(ContentHash.of(rs.getBytes(1)));
                    if (row >= 0) {
                        rows.add(row);
                    }
                }
            }
        }
        if (matched > cap) {
            return null;
        }
        long[] keys = new long[rows.size()];
        for (int i = 0; i < keys.length; i++) {
            int row = rows.get(i);
            keys[i] = ((long) SlotVectors.descendingKey(scores[row]) << 32) | row;
        }
        java.util.Arrays.sort(keys);
        int[] order = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }

    /** A hit with what distinct compares: its prompt and its file. */
    private record Hit(SearchHit hit, ContentHash prompt, ContentHash file) {
        /** An image without a prompt is its own key. */
        Object key(SearchFilter.Distinct distinct) {
            if (distinct == SearchFilter.Distinct.FILE) {
                return file;
            }
            return prompt != null ? prompt : Long.valueOf(hit.imageId());
        }
    }

    /** Best first (then lowest id), one per distinct key when asked, at most {@code k}. */
    private static List<SearchHit> rank(List<Hit> hits, SearchFilter.Distinct distinct, int k) {
        List<Hit> sorted = new ArrayList<>(hits);
        sorted.sort(Comparator.comparingDouble((Hit h) -> -h.hit().score()).thenComparingLong(h -> h.hit().imageId()));
        List<SearchHit> out = new ArrayList<>(Math.min(k, sorted.size()));
        Set<Object> keys = new HashSet<>();
        for (Hit h : sorted) {
            if (distinct != null && !keys.add(h.key(distinct))) {
                continue;
            }
            out.add(h.hit());
            if (out.size() == k) {
                break;
            }
        }
        return List.copyOf(out);
    }

    private void collectHits(List<ContentHash> contents, String column, SqliteFilter where, TextRole role,
                             long exclude, Map<ContentHash, Float> scores, List<Hit> hits) throws SQLException {
        boolean negative = role == TextRole.NEGATIVE;
        // The hash index, named: the IN list holds at most a chunk of contents, but without statistics SQLite
        // prefers the status index and walks every image (11 ms at 100,000 images, a third of an exact search).
        InLists.forHashes(connection, contents, "SELECT i.id, i.path, i.generator, i.model_name, i." + column
                + ", t.text, i.prompt_hash, i.image_hash, " + (negative ? "n.text" : "NULL") + " FROM images i "
                + "INDEXED BY images_" + column + " LEFT JOIN text_contents t ON t.hash = i.prompt_hash "
                + (negative ? "LEFT JOIN text_contents n ON n.hash = i.negative_hash " : "")
                + "WHERE i.status = 'ok' AND i.id <> ?" + where.sql() + " AND i." + column + " IN ", ps -> {
                    ps.setLong(1, exclude);
                    where.bind(ps, 2);
                }, rs -> {
                    ContentHash content = ContentHash.of(rs.getBytes(5));
                    hits.add(new Hit(new SearchHit(rs.getLong(1), rs.getString(2), scores.get(content), content,
                            rs.getString(3), rs.getString(4), rs.getString(6), rs.getString(9)),
                            Rows.hash(rs.getBytes(7)), Rows.hash(rs.getBytes(8))));
                });
    }

    private StoredImage storedQueryImage(ResolvedSearch r) throws SQLException {
        Optional<StoredImage> image = r.imageId() != null ? queries.findImage(r.imageId())
                : Optional.ofNullable(queries.findImages(List.of(r.imagePath())).get(r.imagePath()));
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
                    : r.role() == TextRole.NEGATIVE ? "negative prompt" : "prompt"));
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

    /** Groups of OK images sharing one image content (identical files), passing {@code filter}. */
    public List<DuplicateGroup> identicalFiles(SearchFilter filter) throws SQLException {
        SqliteFilter where = SqliteFilter.of(filter);
        String matching = " FROM images i WHERE i.status = 'ok' AND i.image_hash IS NOT NULL" + where.sql();
        List<DuplicateGroup.Member> members = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT i.id, i.path, i.image_hash" + matching
                + " AND i.image_hash IN (SELECT i.image_hash" + matching + " GROUP BY i.image_hash HAVING count(*) > 1)"
                + " ORDER BY i.image_hash, i.path")) {
            where.bind(ps, where.bind(ps, 1));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    members.add(new DuplicateGroup.Member(rs.getLong(1), rs.getString(2),
                            ContentHash.of(rs.getBytes(3))));
                }
            }
        }
        return new DuplicateGrouper().groups(members);
    }

    /**
     * Groups of OK images whose contents' pixel hashes are within the request's distance: the distinct hashes of the
     * images passing the filter go into a {@link PixelHashIndex} (about 150 bytes per content), which links each
     * with the contents in the buckets of its bands; then the images of linked contents, or of contents two images
     * share, are read again and grouped.
     */
    public PixelDuplicates pixelDuplicates(PixelDuplicateRequest request) throws SQLException {
        SqliteFilter where = SqliteFilter.of(request.filter());
        PixelHashIndex index = new PixelHashIndex();
        Set<ContentHash> indexed = new HashSet<>();
        long withoutHash = 0;
        String select = "SELECT i.id, i.path, i.image_hash, c.pixel_hash FROM images i "
                + "JOIN image_contents c ON c.hash = i.image_hash WHERE i.status = 'ok'" + where.sql();
        try (PreparedStatement ps = connection.prepareStatement(select)) {
            where.bind(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    PixelHash hash = Rows.pixelHash(rs, 4);
                    if (hash == null) {
                        withoutHash++;
                        continue;
                    }
                    ContentHash content = ContentHash.of(rs.getBytes(3));
                    if (indexed.add(content)) {
                        index.add(content, hash);
                    }
                }
            }
        }
        DuplicateGrouper grouper = new DuplicateGrouper();
        for (PixelHashIndex.Link link : index.links(request.maxDistance())) {
            grouper.link(link.a(), link.b(), PixelHash.similarity(link.distance()));
        }
        try (PreparedStatement ps = connection.prepareStatement(select + " ORDER BY i.image_hash, i.path")) {
            where.bind(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    grouper.offer(new DuplicateGroup.Member(rs.getLong(1), rs.getString(2),
                            ContentHash.of(rs.getBytes(3))));
                }
            }
        }
        return new PixelDuplicates(grouper.groupsOfOffered(), withoutHash);
    }

    /** A statement for {@link #storedEmbedding}: the float32 vector of a content at the slot's fingerprint. */
    private PreparedStatement storedEmbeddings(SlotSpec slot) throws SQLException {
        PreparedStatement ps = connection.prepareStatement("SELECT embedding FROM " + SqliteSchema.table(slot)
                + " WHERE hash = ? AND fingerprint = ?");
        ps.setString(2, slot.fingerprint());
        return ps;
    }

    /** The float32 vector of {@code content} in the file, or null (stale codes). */
    private static float[] storedEmbedding(PreparedStatement storedEmbeddings, ContentHash content)
            throws SQLException {
        storedEmbeddings.setBytes(1, content.toBytes());
        try (ResultSet rs = storedEmbeddings.executeQuery()) {
            return rs.next() ? Rows.vector(rs.getBytes(1)) : null;
        }
    }

    /**
     * Groups of images whose contents are near-identical in {@code slot}: each member content (of an image passing
     * the filter) is compared with every vector of the slot (quadratic in the slot's size; in a quantised slot its
     * nearest neighbours by approximate score are linked by their exact scores); distinct then keeps one member per
     * key in each group.
     */
    public List<DuplicateGroup> nearDuplicates(SlotSpec slot, NearDuplicateRequest request) throws SQLException {
        // The stale slot is passed, never held here, so it can be collected while the fresh one loads.
        List<DuplicateGroup> groups = nearDuplicates(slot, request, vectors.get(connection, slot));
        if (groups == null) {
            vectors.dropStale(slot.name());
            groups = nearDuplicates(slot, request, vectors.get(connection, slot));
            if (groups == null) {
                throw new StoreException("The vectors of slot '" + slot.name() + "' changed in the file while they "
                        + "were read; look for duplicates again");
            }
        }
        return groups;
    }

    /** The groups, or null when the quantised codes turned out stale. */
    private List<DuplicateGroup> nearDuplicates(SlotSpec slot, NearDuplicateRequest request, SlotVectors cache)
            throws SQLException {
        String column = SqliteSchema.imageColumn(slot, request.role());
        SqliteFilter where = SqliteFilter.of(request.filter());
        SearchFilter.Distinct distinct = request.filter().distinct();
        // Members in content order; a content's images are kept when it is linked or shared by two images.
        List<DuplicateGroup.Member> members = new ArrayList<>();
        Map<Long, ContentHash> keys = new HashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT i.id, i.path, i." + column + ", "
                + (distinct == SearchFilter.Distinct.FILE ? "i.image_hash" : "i.prompt_hash") + " FROM images i "
                + "WHERE i.status = 'ok' AND i." + column + " IS NOT NULL" + where.sql() + " ORDER BY i." + column
                + ", i.path")) {
            where.bind(ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    DuplicateGroup.Member m = new DuplicateGroup.Member(rs.getLong(1), rs.getString(2),
                            ContentHash.of(rs.getBytes(3)));
                    members.add(m);
                    if (distinct != null && rs.getBytes(4) != null) {
                        keys.put(m.imageId(), ContentHash.of(rs.getBytes(4)));
                    }
                }
            }
        }
        double threshold = request.linkThreshold();
        DuplicateGrouper grouper = new DuplicateGrouper();
        // One statement for every member's vector (a quantised slot); none for an exact one, whose vectors are held.
        try (PreparedStatement stored = cache.exact() ? null : storedEmbeddings(slot)) {
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
                // A quantised slot's neighbours are linked by their exact scores, read from the file with its vector.
                float[] query = cache.exact() ? cache.vector(m.content()) : storedEmbedding(stored, m.content());
                float[] scores = query == null ? null : cache.scores(query);
                int[] nearest = scores == null ? null : SlotVectors.top(scores, request.neighbours() + 1);
                float[] exact = cache.exact() || query == null ? null
                        : vectors.exactScores(connection, slot, cache, nearest, query);
                if (!cache.exact() && exact == null) {
                    return null;
                }
                for (int i = 0; i < nearest.length; i++) {
                    int other = nearest[i];
                    float score = exact != null ? exact[i] : scores[other];
                    if (other != row && score >= threshold) {
                        grouper.link(m.content(), cache.hash(other), score);
                    }
                }
            }
        }
        members.forEach(m -> grouper.offer(m, keys.get(m.imageId())));
        return distinct == null ? grouper.groupsOfOffered() : grouper.distinctGroupsOfOffered();
    }
}
