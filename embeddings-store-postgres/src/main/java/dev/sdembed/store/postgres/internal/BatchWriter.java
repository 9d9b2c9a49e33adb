package dev.sdembed.store.postgres.internal;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ContentEmbedding;
import dev.sdembed.store.GenerationSettings;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.TextContent;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.WriteResult;
import dev.sdembed.store.spi.ParametersJson;
import dev.sdembed.store.spi.StoreChecks;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Writes one {@link WriteBatch} inside the caller's transaction. New contents and embeddings go by binary COPY
 * straight into their tables; whatever another writer may hold already (image rows, or rows a direct COPY found
 * taken) goes by binary COPY into a per-connection temporary staging table, then one
 * {@code INSERT ... SELECT ... ON CONFLICT} moves it into place: concurrent writers of the same content never
 * duplicate it, and a content another writer added is simply kept.
 * Rows are moved in key order (contents by hash, slots by name, images by path) so writers touching overlapping
 * keys lock them in one order and queue instead of deadlocking; reference counts follow in the images triggers.
 * Moves re-point records to new paths in one {@code UPDATE} (ids kept); a batch that removes the contents it leaves
 * unreferenced deletes them (embeddings first) before it commits, holding the write lock exclusively, as
 * {@code removeUnreferenced()} does, so no other batch references a content between its check and the delete.
 */
public final class BatchWriter {
    /** The image columns written; the last four are the record's {@link GenerationSettings}, for filters. */
    private static final String IMAGE_COLUMNS = "path, image_hash, prompt_hash, negative_hash, generator, model_name, "
            + "parameters, width, height, file_size, modified_at, status, error, sampler, seed, steps, cfg";
    private static final int IMAGE_FIELDS = IMAGE_COLUMNS.split(", ").length;

    private static final String UNIQUE_VIOLATION = "23505";

    private final Map<String, SlotTable> tables;
    private final long writeLockKey;

    public BatchWriter(Map<String, SlotTable> tables, long writeLockKey) {
        this.tables = tables;
        this.writeLockKey = writeLockKey;
    }

    /** Writes the batch on {@code c}, which must be inside a transaction the caller commits. */
    public WriteResult write(Handle c, WriteBatch batch) throws SQLException {
        CopyManager copy = c.getConnection().unwrap(PGConnection.class).getCopyAPI();
        // Shared with other writers, exclusive with removeUnreferenced() and with batches removing contents: a
        // content found present here cannot be removed before this batch references it.
        c.execute(batch.removesUnreferenced() ? "SELECT pg_advisory_xact_lock(?)"
                : "SELECT pg_advisory_xact_lock_shared(?)", writeLockKey);
        // Rows are moved in key order; a batch of 1024-d vectors sorts in memory instead of spilling to disk.
        c.execute("SELECT set_config('work_mem', '128MB', true)");
        WriteResult.Builder result = WriteResult.builder();
        if (!batch.texts().isEmpty()) {
            result.textsAdded(writeContents(c, copy, TEXTS, batch.texts()));
        }
        if (!batch.images().isEmpty()) {
            result.imageContentsAdded(writeContents(c, copy, IMAGE_CONTENTS, batch.images()));
            result.pixelHashesAdded(addPixelHashes(c, batch.images()));
        }
        writeEmbeddings(c, copy, batch).forEach(result::embeddingsWritten);
        // What the records this batch changes referenced before: the contents it may leave without a reference.
        List<ContentHash> released = batch.removesUnreferenced() ? referencedBy(c, batch.touchedPaths()) : List.of();
        if (!batch.deletions().isEmpty()) {
            result.imagesDeleted(delete(c, batch.deletions()));
        }
        List<ImageRecord> records = new ArrayList<>(batch.records());
        if (!batch.moves().isEmpty()) {
            result.imagesMoved(move(c, copy, batch.moves(), records));
        }
        if (!records.isEmpty()) {
            writeRecords(c, copy, records, result);
        }
        if (!released.isEmpty()) {
            removeUnreferenced(c, released, result);
        }
        return result.build();
    }

    /**
     * Gives stored image contents without a pixel hash the batch's (contents indexed before pixel hashes existed);
     * in hash order, as every writer locks contents. Returns the contents updated.
     */
    private static int addPixelHashes(Handle c, List<ImageContent> images) {
        List<ImageContent> hashed = images.stream().filter(i -> i.pixelHash() != null)
                .sorted(Comparator.comparing(ImageContent::hash)).toList();
        if (hashed.isEmpty()) {
            return 0;
        }
        Long[] bits = new Long[hashed.size()];
        for (int i = 0; i < hashed.size(); i++) {
            bits[i] = hashed.get(i).pixelHash().bits();
        }
        return c.createUpdate("UPDATE image_contents c SET pixel_hash = u.bits FROM unnest(:hashes, :bits) "
                        + "AS u(hash, bits) WHERE c.hash = u.hash AND c.pixel_hash IS NULL")
                .bind("hashes", StoreQueries.hashArray(hashed.stream().map(ImageContent::hash).toList()))
                .bindArray("bits", Long.class, (Object[]) bits)
                .execute();
    }

    /** The contents the records stored at {@code paths} reference, in hash order. */
    private static List<ContentHash> referencedBy(Handle c, List<String> paths) {
        return c.createQuery("SELECT DISTINCT h FROM images i CROSS JOIN LATERAL (VALUES (i.image_hash), "
                        + "(i.prompt_hash), (i.negative_hash)) AS v(h) WHERE i.path = ANY (:paths) AND h IS NOT NULL "
                        + "ORDER BY h")
                .bindArray("paths", String.class, paths)
                .map((rs, ctx) -> ContentHash.of(rs.getBytes(1)))
                .list();
    }

    /**
     * Deletes those of {@code released} that no record references any more, with their embeddings in every slot
     * (embeddings first, since the slot tables have no foreign key).
     */
    private void removeUnreferenced(Handle c, List<ContentHash> released, WriteResult.Builder result) {
        for (SlotTable t : new TreeMap<>(tables).values()) {
            c.createUpdate("DELETE FROM " + t.table() + " e USING " + t.contentTable() + " x WHERE x.hash = e.hash "
                            + "AND x.hash = ANY (:hashes) AND x.ref_count = 0")
                    .bind("hashes", StoreQueries.hashArray(released)).execute();
        }
        result.textsRemoved(c.createUpdate("DELETE FROM text_contents WHERE hash = ANY (:hashes) AND ref_count = 0")
                .bind("hashes", StoreQueries.hashArray(released)).execute());
        result.imageContentsRemoved(c.createUpdate("DELETE FROM image_contents WHERE hash = ANY (:hashes) AND "
                + "ref_count = 0").bind("hashes", StoreQueries.hashArray(released)).execute());
    }

    /**
     * Re-points each moved record to its new path in one {@code UPDATE} (its id kept; the triggers move the
     * references when the contents differ), after deleting the records stored at the new paths. Moves whose source
     * is not stored are added to {@code records}, written as new. Returns the records moved.
     */
    private static int move(Handle c, CopyManager copy, List<WriteBatch.Move> moves, List<ImageRecord> records)
            throws SQLException {
        execute(c, "CREATE TEMP TABLE IF NOT EXISTS stage_moves (from_path text NOT NULL, path text NOT NULL, "
                + "image_hash bytea, prompt_hash bytea, negative_hash bytea, generator text, model_name text, "
                + "parameters text NOT NULL, width integer NOT NULL, height integer NOT NULL, "
                + "file_size bigint NOT NULL, modified_at timestamptz NOT NULL, status text NOT NULL, error text, "
                + "sampler text, seed bigint, steps integer, cfg double precision) ON COMMIT DELETE ROWS");
        try (BinaryCopyWriter w = new BinaryCopyWriter(copy, "COPY stage_moves (from_path, " + IMAGE_COLUMNS
                + ") FROM STDIN (FORMAT binary)")) {
            for (WriteBatch.Move m : moves) {
                w.startRow(IMAGE_FIELDS + 1);
                w.writeText(m.from());
                writeRecordFields(w, m.record());
            }
            w.finish();
        }
        c.createUpdate("DELETE FROM images WHERE id IN (SELECT t.id FROM stage_moves s JOIN images f ON f.path = "
                + "s.from_path JOIN images t ON t.path = s.path ORDER BY t.path FOR UPDATE OF t)").execute();
        StringBuilder set = new StringBuilder();
        for (String col : IMAGE_COLUMNS.split(", ")) {
            set.append(col).append(" = s.").append(col.equals("parameters") ? "parameters::jsonb" : col).append(", ");
        }
        Set<String> moved = new HashSet<>(c.createQuery("UPDATE images i SET " + set + "updated_at = now() FROM "
                + "stage_moves s WHERE i.path = s.from_path RETURNING s.from_path").mapTo(String.class).list());
        for (WriteBatch.Move m : moves) {
            if (!moved.contains(m.from())) {
                records.add(m.record());
            }
        }
        return moved.size();
    }

    /** Writes a content row's fields in the order of its table's COPY column list. */
    @FunctionalInterface
    private interface RowFields<T> {
        void write(BinaryCopyWriter w, T row) throws SQLException;
    }

    /**
     * A content table: its COPY column list and each row's fields, and the staging table (same columns) that
     * contents go through when another writer races this one for them.
     */
    private record ContentTable<T>(String table, String columns, int fieldCount, Function<T, ContentHash> hash,
                                   RowFields<T> fields, String stagingTable, String stagingColumnTypes) {
    }

    private static final ContentTable<TextContent> TEXTS = new ContentTable<>("text_contents", "hash, text", 2,
            TextContent::hash, (w, t) -> {
                w.writeBytes(t.hash().toBytes());
                w.writeText(t.text());
            }, "stage_texts", "hash bytea NOT NULL, text text NOT NULL");

    private static final ContentTable<ImageContent> IMAGE_CONTENTS = new ContentTable<>("image_contents",
            "hash, width, height, format, byte_size, pixel_hash", 6, ImageContent::hash, (w, i) -> {
                w.writeBytes(i.hash().toBytes());
                w.writeInt(i.width());
                w.writeInt(i.height());
                w.writeText(i.format());
                w.writeLong(i.byteSize());
                if (i.pixelHash() == null) {
                    w.writeNull();
                } else {
                    w.writeLong(i.pixelHash().bits());
                }
            }, "stage_image_contents", "hash bytea NOT NULL, width integer NOT NULL, height integer NOT NULL, "
                    + "format text NOT NULL, byte_size bigint NOT NULL, pixel_hash bigint");

    /**
     * Inserts the contents of {@code rows} that {@code t} does not hold yet: one round trip finds the stored ones
     * (a library repeats its prompts, so many are), and the rest go by binary COPY straight into the table, in hash
     * order. Only when another writer has added one of them since (the COPY fails with a unique violation, undone by
     * a savepoint) do they go through staging and {@code INSERT ... ON CONFLICT DO NOTHING}. Returns the rows added.
     */
    private static <T> int writeContents(Handle c, CopyManager copy, ContentTable<T> t, List<T> rows)
            throws SQLException {
        List<T> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing(t.hash()));
        Set<ContentHash> stored = StoreQueries.storedContents(c, t.table(), sorted.stream().map(t.hash()).toList());
        List<T> fresh = sorted.stream().filter(r -> !stored.contains(t.hash().apply(r))).toList();
        if (fresh.isEmpty()) {
            return 0;
        }
        CopyBody body = w -> {
            for (T row : fresh) {
                w.startRow(t.fieldCount());
                t.fields().write(w, row);
            }
        };
        Long copied = copyUnlessDuplicate(c, copy, "COPY " + t.table() + " (" + t.columns()
                + ") FROM STDIN (FORMAT binary)", body);
        if (copied != null) {
            return copied.intValue();
        }
        execute(c, "CREATE TEMP TABLE IF NOT EXISTS " + t.stagingTable() + " (" + t.stagingColumnTypes()
                + ") ON COMMIT DELETE ROWS");
        try (BinaryCopyWriter w = new BinaryCopyWriter(copy, "COPY " + t.stagingTable() + " (" + t.columns()
                + ") FROM STDIN (FORMAT binary)")) {
            body.write(w);
            w.finish();
        }
        return update(c, "INSERT INTO " + t.table() + " (" + t.columns() + ") SELECT " + t.columns() + " FROM "
                + t.stagingTable() + " ORDER BY hash ON CONFLICT (hash) DO NOTHING");
    }

    private Map<String, Integer> writeEmbeddings(Handle c, CopyManager copy, WriteBatch batch) throws SQLException {
        Map<String, List<ContentEmbedding>> bySlot = new TreeMap<>();
        for (ContentEmbedding e : batch.embeddings()) {
            bySlot.computeIfAbsent(e.slot(), s -> new ArrayList<>()).add(e);
        }
        Map<String, Integer> written = new LinkedHashMap<>();
        for (Map.Entry<String, List<ContentEmbedding>> e : bySlot.entrySet()) {
            SlotTable table = tables.get(e.getKey());
            requireContents(c, table, batch);
            List<ContentEmbedding> rows = new ArrayList<>(e.getValue());
            rows.sort(Comparator.comparing(ContentEmbedding::content));
            Integer direct = copyDirectly(c, copy, table, rows);
            written.put(e.getKey(), direct != null ? direct : copyThroughStaging(c, copy, table, rows));
        }
        return written;
    }

    /** Runs after the batch's own contents are in: the rest must be stored already (the slot has no foreign key). */
    private static void requireContents(Handle c, SlotTable table, WriteBatch batch) {
        List<ContentHash> outside = StoreChecks.contentsOutsideBatch(batch, table.spec());
        if (!outside.isEmpty()) {
            List<ContentHash> missing = StoreQueries.missingContents(c, table, outside);
            if (!missing.isEmpty()) {
                throw StoreChecks.missingContent(table.spec(), missing.get(0), missing.size());
            }
        }
    }

    /**
     * The fast path, for the usual case of contents new to the slot (callers embed what {@code embeddedHashes()}
     * reported missing): binary COPY straight into the slot table, in hash order, about twice the rate of staging plus
     * {@code INSERT ... SELECT}. A row already there (another writer's, or a stale one being replaced) sends the
     * caller to the staging path: null then.
     */
    private static Integer copyDirectly(Handle c, CopyManager copy, SlotTable table, List<ContentEmbedding> rows)
            throws SQLException {
        byte[] fingerprint = table.spec().fingerprint().getBytes(StandardCharsets.UTF_8);
        Long copied = copyUnlessDuplicate(c, copy, "COPY " + table.table()
                + " (hash, fingerprint, embedding) FROM STDIN (FORMAT binary)", w -> {
                    for (ContentEmbedding ce : rows) {
                        w.startRow(3);
                        w.writeBytes(ce.content().toBytes());
                        w.writeBytes(fingerprint);
                        writeVector(w, table, ce);
                    }
                });
        return copied == null ? null : copied.intValue();
    }

    /** Writes the rows of one COPY. */
    @FunctionalInterface
    private interface CopyBody {
        void write(BinaryCopyWriter w) throws SQLException;
    }

    /**
     * Runs one binary COPY under a savepoint and returns its row count, or null when it hit a unique violation
     * (undone, so the transaction goes on as before it).
     */
    private static Long copyUnlessDuplicate(Handle c, CopyManager copy, String copySql, CopyBody body)
            throws SQLException {
        c.execute("SAVEPOINT direct_copy");
        try {
            long count;
            try (BinaryCopyWriter w = new BinaryCopyWriter(copy, copySql)) {
                body.write(w);
                count = w.finish();
            }
            c.execute("RELEASE SAVEPOINT direct_copy");
            return count;
        } catch (SQLException | RuntimeException e) {
            if (!UNIQUE_VIOLATION.equals(sqlState(e))) {
                throw e;
            }
            c.execute("ROLLBACK TO SAVEPOINT direct_copy");
            return null;
        }
    }

    private static int copyThroughStaging(Handle c, CopyManager copy, SlotTable table, List<ContentEmbedding> rows)
            throws SQLException {
        execute(c, table.createStagingSql());
        try (BinaryCopyWriter w = new BinaryCopyWriter(copy, "COPY " + table.stagingTable()
                + " (hash, embedding) FROM STDIN (FORMAT binary)")) {
            for (ContentEmbedding ce : rows) {
                w.startRow(2);
                w.writeBytes(ce.content().toBytes());
                writeVector(w, table, ce);
            }
            w.finish();
        }
        // A row made by the current model is kept (another writer embedded the same content); a stale one is
        // replaced.
        return c.createUpdate("INSERT INTO " + table.table() + " AS e (hash, fingerprint, "
                        + "embedding) SELECT hash, :fingerprint, embedding FROM " + table.stagingTable() + " ORDER BY hash "
                        + "ON CONFLICT (hash) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "
                        + "embedding = EXCLUDED.embedding, updated_at = now() WHERE e.fingerprint <> EXCLUDED.fingerprint")
                .bind("fingerprint", table.spec().fingerprint())
                .execute();
    }

    private static void writeVector(BinaryCopyWriter w, SlotTable table, ContentEmbedding ce) throws SQLException {
        FloatBuffer vector = ce.embedding().asReadOnlyBuffer();
        if (table.half()) {
            w.writeHalfVector(vector);
        } else {
            w.writeVector(vector);
        }
    }

    private static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    private static int delete(Handle c, List<String> paths) {
        return c.createUpdate("DELETE FROM images WHERE id IN (SELECT id FROM images WHERE path = ANY (:paths) "
                        + "ORDER BY path FOR UPDATE)")
                .bindArray("paths", String.class, paths)
                .execute();
    }

    /** Counts the records inserted, updated and unchanged into {@code result}. */
    private static void writeRecords(Handle c, CopyManager copy, List<ImageRecord> records, WriteResult.Builder result)
            throws SQLException {
        execute(c, "CREATE TEMP TABLE IF NOT EXISTS stage_images (path text NOT NULL, image_hash bytea, "
                + "prompt_hash bytea, negative_hash bytea, generator text, model_name text, parameters text NOT NULL, "
                + "width integer NOT NULL, height integer NOT NULL, file_size bigint NOT NULL, "
                + "modified_at timestamptz NOT NULL, status text NOT NULL, error text, sampler text, seed bigint, "
                + "steps integer, cfg double precision) ON COMMIT DELETE ROWS");
        List<ImageRecord> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparing(ImageRecord::path));
        try (BinaryCopyWriter w = new BinaryCopyWriter(copy, "COPY stage_images (" + IMAGE_COLUMNS
                + ") FROM STDIN (FORMAT binary)")) {
            for (ImageRecord r : sorted) {
                w.startRow(IMAGE_FIELDS);
                writeRecordFields(w, r);
            }
            w.finish();
        }
        String[] columns = IMAGE_COLUMNS.split(", ");
        StringBuilder set = new StringBuilder();
        StringBuilder stored = new StringBuilder();
        StringBuilder incoming = new StringBuilder();
        for (String col : columns) {
            if (col.equals("path")) {
                continue;
            }
            set.append(col).append(" = EXCLUDED.").append(col).append(", ");
            stored.append(stored.length() == 0 ? "" : ", ").append("i.").append(col);
            incoming.append(incoming.length() == 0 ? "" : ", ").append("EXCLUDED.").append(col);
        }
        String sql = "INSERT INTO images AS i (" + IMAGE_COLUMNS + ") SELECT "
                + IMAGE_COLUMNS.replace("parameters", "parameters::jsonb") + " FROM stage_images ORDER BY path "
                + "ON CONFLICT (path) DO UPDATE SET " + set + "updated_at = now() "
                + "WHERE (" + stored + ") IS DISTINCT FROM (" + incoming + ") "
                + "RETURNING (xmax = 0) AS inserted";
        List<Boolean> changed = c.createQuery(sql).mapTo(Boolean.class).list();
        int inserted = (int) changed.stream().filter(b -> b).count();
        int updated = changed.size() - inserted;
        result.imagesInserted(inserted).imagesUpdated(updated).imagesUnchanged(records.size() - inserted - updated);
    }

    /** The fields of {@link #IMAGE_COLUMNS}, in order. */
    private static void writeRecordFields(BinaryCopyWriter w, ImageRecord r) throws SQLException {
        w.writeText(r.path());
        w.writeBytes(r.imageHash() == null ? null : r.imageHash().toBytes());
        w.writeBytes(r.promptHash() == null ? null : r.promptHash().toBytes());
        w.writeBytes(r.negativeHash() == null ? null : r.negativeHash().toBytes());
        w.writeText(r.generator());
        w.writeText(r.modelName());
        w.writeText(ParametersJson.write(r.parameters()));
        w.writeInt(r.width());
        w.writeInt(r.height());
        w.writeLong(r.fileSize());
        w.writeTimestamp(r.modifiedAt());
        w.writeText(Rows.status(r.status()));
        w.writeText(r.error());
        GenerationSettings settings = r.settings();
        w.writeText(settings.sampler());
        w.writeNullableLong(settings.seed());
        w.writeNullableInt(settings.steps());
        w.writeNullableDouble(settings.cfg());
    }

    private static void execute(Handle c, String sql) {
        c.execute(sql);
    }

    private static int update(Handle c, String sql) {
        return c.createUpdate(sql).execute();
    }
}
