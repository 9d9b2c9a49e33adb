package dev.sdembed.store.embedded.internal;

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
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Exact search and near-duplicate grouping over the slots' vectors in memory ({@link VectorCache}), joined to the
 * image records in the file. Runs on the store's connection under its lock.
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
     * Exact top-k: every current vector of the target slot is scored, then contents are taken best first and
     * joined to their images (status OK, filter, not the query image) until k images are found.
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
        SlotVectors cache = vectors.get(connection, r.targetSlot());
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
    }

    private void collectHits(List<ContentHash> contents, String column, SearchFilter filter, long exclude,
                             SlotVectors cache, float[] scores, List<SearchHit> hits) throws SQLException {
        InLists.forHashes(connection, contents, "SELECT i.id, i.path, i.generator, i.model_name, i." + column
                + ", t.text FROM images i LEFT JOIN text_contents t ON t.hash = i.prompt_hash WHERE i.status = 'ok' "
                + "AND i.id <> ? AND i." + column + " IN ", ps -> ps.setLong(1, exclude), rs -> {
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
        List<DuplicateGroup.Member> members = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, path, generator, model_name, image_hash FROM images "
                     + "WHERE status = 'ok' AND image_hash IN (SELECT image_hash FROM images WHERE status = 'ok' "
                     + "GROUP BY image_hash HAVING count(*) > 1) ORDER BY image_hash, path")) {
            while (rs.next()) {
                if (passes(filter, rs.getString(2), rs.getString(3), rs.getString(4))) {
                    members.add(new DuplicateGroup.Member(rs.getLong(1), rs.getString(2),
                            ContentHash.of(rs.getBytes(5))));
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
        SearchFilter filter = request.filter();
        PixelHashIndex index = new PixelHashIndex();
        Set<ContentHash> indexed = new HashSet<>();
        long withoutHash = 0;
        String select = "SELECT i.id, i.path, i.generator, i.model_name, i.image_hash, c.pixel_hash FROM images i "
                + "JOIN image_contents c ON c.hash = i.image_hash WHERE i.status = 'ok' ";
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(select)) {
            while (rs.next()) {
                if (!passes(filter, rs.getString(2), rs.getString(3), rs.getString(4))) {
                    continue;
                }
                PixelHash hash = Rows.pixelHash(rs, 6);
                if (hash == null) {
                    withoutHash++;
                    continue;
                }
                ContentHash content = ContentHash.of(rs.getBytes(5));
                if (indexed.add(content)) {
                    index.add(content, hash);
                }
            }
        }
        DuplicateGrouper grouper = new DuplicateGrouper();
        for (PixelHashIndex.Link link : index.links(request.maxDistance())) {
            grouper.link(link.a(), link.b(), PixelHash.similarity(link.distance()));
        }
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery(select + "ORDER BY i.image_hash, i.path")) {
            while (rs.next()) {
                if (passes(filter, rs.getString(2), rs.getString(3), rs.getString(4))) {
                    grouper.offer(new DuplicateGroup.Member(rs.getLong(1), rs.getString(2),
                            ContentHash.of(rs.getBytes(5))));
                }
            }
        }
        return new PixelDuplicates(grouper.groupsOfOffered(), withoutHash);
    }

    /**
     * Groups of images whose contents are near-identical in {@code slot}: each member content is compared with every
     * vector of the slot (exact, quadratic in the slot's size).
     */
    public List<DuplicateGroup> nearDuplicates(SlotSpec slot, NearDuplicateRequest request) throws SQLException {
        SlotVectors cache = vectors.get(connection, slot);
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
    }
}
