package dev.sdembed.store.embedded.internal;

import dev.sdembed.InvalidInputException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ContentEmbedding;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.TextContent;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.WriteResult;
import dev.sdembed.store.spi.StoreChecks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes one checked {@link WriteBatch} inside the caller's transaction: contents (kept when already stored; a stored
 * image content without a pixel hash takes the batch's), embeddings (a current one kept, a stale one replaced),
 * deletions, moves, then image records, whose triggers keep the reference counts; last, when the batch asks, the
 * contents its changes left unreferenced, with their embeddings. A record or embedding whose content is neither in
 * the batch nor stored is refused.
 */
public final class SqliteBatchWriter {
    private final Connection connection;
    private final Map<String, SlotSpec> slots;
    private final SqliteQueries queries;

    public SqliteBatchWriter(Connection connection, Map<String, SlotSpec> slots, SqliteQueries queries) {
        this.connection = connection;
        this.slots = slots;
        this.queries = queries;
    }

    /**
     * Writes {@code batch} and returns its counts; the embeddings it added or replaced go into {@code written}, per
     * slot, for the vector cache to take once the transaction commits.
     */
    public WriteResult write(WriteBatch batch, Map<String, List<ContentEmbedding>> written) throws SQLException {
        WriteResult.Builder result = WriteResult.builder().textsAdded(writeTexts(batch.texts()));
        writeImageContents(batch.images(), result);
        // What the records this batch changes referenced before: the contents it may leave without a reference.
        Set<ContentHash> released = batch.removesUnreferenced() ? referencedBy(batch.touchedPaths()) : Set.of();
        Map<String, List<ContentEmbedding>> bySlot = new LinkedHashMap<>();
        batch.embeddings().forEach(e -> bySlot.computeIfAbsent(e.slot(), k -> new ArrayList<>()).add(e));
        for (Map.Entry<String, List<ContentEmbedding>> entry : bySlot.entrySet()) {
            SlotSpec slot = slots.get(entry.getKey());
            requireContents(slot, batch);
            List<ContentEmbedding> added = writeEmbeddings(slot, entry.getValue());
            result.embeddingsWritten(slot.name(), added.size());
            if (!added.isEmpty()) {
                written.put(slot.name(), added);
            }
        }
        result.imagesDeleted(delete(batch.deletions()));
        List<ImageRecord> records = new ArrayList<>(batch.records());
        result.imagesMoved(move(batch.moves(), records));
        writeRecords(records, result);
        if (!released.isEmpty()) {
            removeUnreferenced(released, result);
        }
        return result.build();
    }

    /** The contents the records stored at {@code paths} reference. */
    private Set<ContentHash> referencedBy(List<String> paths) throws SQLException {
        Set<ContentHash> hashes = new HashSet<>();
        InLists.forChunks(connection, paths, "SELECT image_hash, prompt_hash, negative_hash FROM images WHERE path IN ",
                ps -> { }, (ps, i, path) -> ps.setString(i, path), rs -> {
                    for (int column = 1; column <= 3; column++) {
                        byte[] hash = rs.getBytes(column);
                        if (hash != null) {
                            hashes.add(ContentHash.of(hash));
                        }
                    }
                });
        return hashes;
    }

    /**
     * Moves each record to its new path, keeping its id; a record stored at the new path is replaced. A move whose
     * source is not stored becomes a plain write, added to {@code records}. Returns the records moved.
     */
    private int move(List<WriteBatch.Move> moves, List<ImageRecord> records) throws SQLException {
        if (moves.isEmpty()) {
            return 0;
        }
        int moved = 0;
        StringBuilder set = new StringBuilder();
        String[] columns = Rows.WRITTEN_COLUMNS.split(", ");
        for (String column : columns) {
            set.append(set.length() == 0 ? "" : ", ").append(column).append(" = ?");
        }
        try (PreparedStatement source = connection.prepareStatement("SELECT 1 FROM images WHERE path = ?");
             PreparedStatement replaced = connection.prepareStatement("DELETE FROM images WHERE path = ?");
             PreparedStatement update = connection.prepareStatement("UPDATE images SET " + set + " WHERE path = ?")) {
            for (WriteBatch.Move m : moves) {
                ImageRecord r = m.record();
                source.setString(1, m.from());
                boolean stored;
                try (ResultSet rs = source.executeQuery()) {
                    stored = rs.next();
                }
                if (!stored) {
                    records.add(r);
                    continue;
                }
                requireContents(r);
                replaced.setString(1, r.path());
                replaced.executeUpdate();
                Rows.bindImage(update, 1, r);
                update.setString(columns.length + 1, m.from());
                update.executeUpdate();
                moved++;
            }
        }
        return moved;
    }

    /**
     * Deletes those of {@code released} that no record references any more, with their embeddings in every slot
     * (embeddings first: none may outlive its content).
     */
    private void removeUnreferenced(Set<ContentHash> released, WriteResult.Builder result) throws SQLException {
        List<ContentHash> hashes = List.copyOf(released);
        for (SlotSpec slot : slots.values()) {
            deleteWhere(hashes, "DELETE FROM " + SqliteSchema.table(slot) + " WHERE hash IN (SELECT hash FROM "
                    + SqliteSchema.contentTable(slot) + " WHERE ref_count = 0) AND hash IN ");
        }
        result.textsRemoved(deleteWhere(hashes, "DELETE FROM text_contents WHERE ref_count = 0 AND hash IN "));
        result.imageContentsRemoved(deleteWhere(hashes, "DELETE FROM image_contents WHERE ref_count = 0 AND hash IN "));
    }

    /** Runs {@code sqlPrefix + "(?, ...)"} over {@code hashes} in chunks; returns the rows deleted. */
    private int deleteWhere(List<ContentHash> hashes, String sqlPrefix) throws SQLException {
        int deleted = 0;
        for (int start = 0; start < hashes.size(); start += InLists.CHUNK) {
            List<ContentHash> chunk = hashes.subList(start, Math.min(hashes.size(), start + InLists.CHUNK));
            try (PreparedStatement ps = connection.prepareStatement(sqlPrefix + "(" + "?, ".repeat(chunk.size() - 1)
                    + "?)")) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setBytes(i + 1, chunk.get(i).toBytes());
                }
                deleted += ps.executeUpdate();
            }
        }
        return deleted;
    }

    private int writeTexts(List<TextContent> texts) throws SQLException {
        int added = 0;
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO text_contents (hash, text) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING")) {
            for (TextContent t : texts) {
                ps.setBytes(1, t.hash().toBytes());
                ps.setString(2, t.text());
                added += ps.executeUpdate();
            }
        }
        return added;
    }

    /** Adds new image contents; a stored one without a pixel hash takes the batch's. */
    private void writeImageContents(List<ImageContent> images, WriteResult.Builder result) throws SQLException {
        int added = 0;
        int hashed = 0;
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO image_contents (hash, width, height, "
                + "format, byte_size, pixel_hash) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING");
             PreparedStatement pixels = connection.prepareStatement("UPDATE image_contents SET pixel_hash = ? "
                     + "WHERE hash = ? AND pixel_hash IS NULL")) {
            for (ImageContent i : images) {
                ps.setBytes(1, i.hash().toBytes());
                ps.setInt(2, i.width());
                ps.setInt(3, i.height());
                ps.setString(4, i.format());
                ps.setLong(5, i.byteSize());
                Rows.setPixelHash(ps, 6, i.pixelHash());
                int inserted = ps.executeUpdate();
                added += inserted;
                if (inserted == 0 && i.pixelHash() != null) {
                    pixels.setLong(1, i.pixelHash().bits());
                    pixels.setBytes(2, i.hash().toBytes());
                    hashed += pixels.executeUpdate();
                }
            }
        }
        result.imageContentsAdded(added).pixelHashesAdded(hashed);
    }

    /** Returns the embeddings added or replacing stale ones, in hash order. */
    private List<ContentEmbedding> writeEmbeddings(SlotSpec slot, List<ContentEmbedding> embeddings)
            throws SQLException {
        List<ContentEmbedding> sorted = new ArrayList<>(embeddings);
        // In key order, each insert lands next to the previous one in the hash index instead of on a random page.
        sorted.sort(Comparator.comparing(ContentEmbedding::content));
        List<ContentEmbedding> added = new ArrayList<>();
        // A row made by the current model is kept; a stale one is replaced (as in the PostgreSQL store).
        try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + SqliteSchema.table(slot)
                + " AS e (hash, fingerprint, embedding) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET "
                + "fingerprint = excluded.fingerprint, embedding = excluded.embedding "
                + "WHERE e.fingerprint <> excluded.fingerprint")) {
            for (ContentEmbedding e : sorted) {
                ps.setBytes(1, e.content().toBytes());
                ps.setString(2, slot.fingerprint());
                ps.setBytes(3, Rows.vectorBytes(e.embedding().vector()));
                if (ps.executeUpdate() > 0) {
                    added.add(e);
                }
            }
        }
        return added;
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

    private int delete(List<String> paths) throws SQLException {
        int deleted = 0;
        try (PreparedStatement ps = connection.prepareStatement("DELETE FROM images WHERE path = ?")) {
            for (String path : paths) {
                ps.setString(1, path);
                deleted += ps.executeUpdate();
            }
        }
        return deleted;
    }

    /** Counts the records inserted, updated and unchanged into {@code result}. */
    private void writeRecords(List<ImageRecord> records, WriteResult.Builder result) throws SQLException {
        if (records.isEmpty()) {
            return;
        }
        Map<String, StoredImage> stored = queries.findImages(records.stream().map(ImageRecord::path).toList());
        StringBuilder set = new StringBuilder();
        for (String column : Rows.WRITTEN_COLUMNS.split(", ")) {
            set.append(set.length() == 0 ? "" : ", ").append(column).append(" = ?");
        }
        int inserted = 0;
        int updated = 0;
        int unchanged = 0;
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO images (" + Rows.WRITTEN_COLUMNS
                + ") VALUES (" + "?, ".repeat(Rows.WRITTEN_COLUMN_COUNT - 1) + "?)");
             PreparedStatement update = connection.prepareStatement("UPDATE images SET " + set + " WHERE id = ?");
             PreparedStatement textExists = connection.prepareStatement("SELECT 1 FROM text_contents WHERE hash = ?");
             PreparedStatement imageExists = connection.prepareStatement("SELECT 1 FROM image_contents WHERE hash = ?")) {
            // In path order, as the PostgreSQL store inserts them: new records get ids in path order in both stores.
            List<ImageRecord> sorted = new ArrayList<>(records);
            sorted.sort(Comparator.comparing(ImageRecord::path));
            for (ImageRecord r : sorted) {
                requireContents(r, imageExists, textExists);
                StoredImage known = stored.get(r.path());
                if (known == null) {
                    Rows.bindImage(insert, 1, r);
                    insert.executeUpdate();
                    inserted++;
                } else if (!known.record().equals(r)) {
                    Rows.bindImage(update, 1, r);
                    update.setLong(Rows.WRITTEN_COLUMN_COUNT + 1, known.id());
                    update.executeUpdate();
                    updated++;
                } else {
                    unchanged++;
                }
            }
        }
        result.imagesInserted(inserted).imagesUpdated(updated).imagesUnchanged(unchanged);
    }

    private void requireContents(ImageRecord r) throws SQLException {
        try (PreparedStatement textExists = connection.prepareStatement("SELECT 1 FROM text_contents WHERE hash = ?");
             PreparedStatement imageExists = connection.prepareStatement("SELECT 1 FROM image_contents WHERE hash = ?")) {
            requireContents(r, imageExists, textExists);
        }
    }

    private static void requireContents(ImageRecord r, PreparedStatement imageExists, PreparedStatement textExists)
            throws SQLException {
        requireContent(r, r.imageHash(), imageExists, "image content");
        requireContent(r, r.promptHash(), textExists, "prompt text");
        requireContent(r, r.negativeHash(), textExists, "negative prompt text");
    }

    /** Refuses a record whose content is neither stored nor in the batch (written just before, same transaction). */
    private static void requireContent(ImageRecord r, ContentHash hash, PreparedStatement exists, String what)
            throws SQLException {
        if (hash == null) {
            return;
        }
        if (!stored(exists, hash)) {
            throw new InvalidInputException("Image '" + r.path() + "' references " + what + " "
                    + hash.shortHex() + ", which is neither stored nor in the batch; add the content to the batch");
        }
    }

    /** Whether {@code exists} ({@code SELECT 1 FROM <contents> WHERE hash = ?}) finds {@code hash}. */
    private static boolean stored(PreparedStatement exists, ContentHash hash) throws SQLException {
        exists.setBytes(1, hash.toBytes());
        try (ResultSet rs = exists.executeQuery()) {
            return rs.next();
        }
    }
}
