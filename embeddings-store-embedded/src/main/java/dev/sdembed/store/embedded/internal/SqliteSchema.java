package dev.sdembed.store.embedded.internal;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.store.GenerationSettings;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.TextRole;
import dev.sdembed.store.spi.SlotReconciliation;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's tables, the same shape as the PostgreSQL store's: contents keyed by SHA-256 with reference
 * counts that triggers on {@code images} keep exact in the writing transaction, one {@code emb_<slot>} table per
 * slot (little-endian float32 BLOBs and the model fingerprint), and a {@code slots} registry.
 */
public final class SqliteSchema {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteSchema.class);

    /**
     * Version of the tables below, kept in {@code PRAGMA user_version}; a newer file is refused. 3: the generation
     * settings filters compare (sampler, seed, steps, cfg) in columns of {@code images}, with an index on every
     * filtered column. 4: the pixel hash of each image content ({@code image_contents.pixel_hash}).
     */
    public static final int VERSION = 4;

    private static final String[] TABLES = {
        "CREATE TABLE IF NOT EXISTS text_contents (hash BLOB PRIMARY KEY, text TEXT NOT NULL, "
                + "ref_count INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS image_contents (hash BLOB PRIMARY KEY, width INTEGER NOT NULL, "
                + "height INTEGER NOT NULL, format TEXT NOT NULL, byte_size INTEGER NOT NULL, "
                + "ref_count INTEGER NOT NULL DEFAULT 0, pixel_hash INTEGER) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS images (id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL UNIQUE, "
                + "image_hash BLOB REFERENCES image_contents (hash), prompt_hash BLOB REFERENCES text_contents (hash), "
                + "negative_hash BLOB REFERENCES text_contents (hash), generator TEXT, model_name TEXT, "
                + "parameters TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, "
                + "file_size INTEGER NOT NULL, modified_at INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, "
                + "sampler TEXT, seed INTEGER, steps INTEGER, cfg REAL)",
        "CREATE INDEX IF NOT EXISTS images_image_hash ON images (image_hash)",
        "CREATE INDEX IF NOT EXISTS images_prompt_hash ON images (prompt_hash)",
        "CREATE INDEX IF NOT EXISTS images_negative_hash ON images (negative_hash)",
        "CREATE INDEX IF NOT EXISTS images_status_path ON images (status, path)",
        "CREATE TABLE IF NOT EXISTS slots (name TEXT PRIMARY KEY, modality TEXT NOT NULL, dimension INTEGER NOT NULL, "
                + "encoder_name TEXT NOT NULL, fingerprint TEXT NOT NULL, embedding_space TEXT)",
        // Row triggers: a prompt used as its own negative counts twice, as in the PostgreSQL store.
        "CREATE TRIGGER IF NOT EXISTS images_refs_insert AFTER INSERT ON images BEGIN "
                + "UPDATE text_contents SET ref_count = ref_count + 1 WHERE hash = NEW.prompt_hash; "
                + "UPDATE text_contents SET ref_count = ref_count + 1 WHERE hash = NEW.negative_hash; "
                + "UPDATE image_contents SET ref_count = ref_count + 1 WHERE hash = NEW.image_hash; END",
        "CREATE TRIGGER IF NOT EXISTS images_refs_delete AFTER DELETE ON images BEGIN "
                + "UPDATE text_contents SET ref_count = ref_count - 1 WHERE hash = OLD.prompt_hash; "
                + "UPDATE text_contents SET ref_count = ref_count - 1 WHERE hash = OLD.negative_hash; "
                + "UPDATE image_contents SET ref_count = ref_count - 1 WHERE hash = OLD.image_hash; END",
        "CREATE TRIGGER IF NOT EXISTS images_refs_update AFTER UPDATE OF image_hash, prompt_hash, negative_hash "
                + "ON images BEGIN "
                + "UPDATE text_contents SET ref_count = ref_count - 1 WHERE hash = OLD.prompt_hash; "
                + "UPDATE text_contents SET ref_count = ref_count - 1 WHERE hash = OLD.negative_hash; "
                + "UPDATE image_contents SET ref_count = ref_count - 1 WHERE hash = OLD.image_hash; "
                + "UPDATE text_contents SET ref_count = ref_count + 1 WHERE hash = NEW.prompt_hash; "
                + "UPDATE text_contents SET ref_count = ref_count + 1 WHERE hash = NEW.negative_hash; "
                + "UPDATE image_contents SET ref_count = ref_count + 1 WHERE hash = NEW.image_hash; END",
    };

    /** The settings columns version 3 added, with their types, and the indexes of the filtered columns. */
    private static final String[] SETTINGS_COLUMNS = {"sampler TEXT", "seed INTEGER", "steps INTEGER", "cfg REAL"};
    private static final String[] FILTER_INDEXES = {
        "CREATE INDEX IF NOT EXISTS images_generator ON images (generator)",
        "CREATE INDEX IF NOT EXISTS images_model_name ON images (model_name)",
        "CREATE INDEX IF NOT EXISTS images_sampler ON images (sampler)",
        "CREATE INDEX IF NOT EXISTS images_seed ON images (seed)",
        "CREATE INDEX IF NOT EXISTS images_steps ON images (steps)",
        "CREATE INDEX IF NOT EXISTS images_cfg ON images (cfg)",
        "CREATE INDEX IF NOT EXISTS images_size ON images (width, height)",
        "CREATE INDEX IF NOT EXISTS images_modified_at ON images (modified_at)",
    };

    /** An embedding table's columns (schema version 2). */
    private static final String SLOT_COLUMNS = "(hash BLOB NOT NULL UNIQUE, fingerprint TEXT NOT NULL, "
            + "embedding BLOB NOT NULL)";

    private SqliteSchema() {
    }

    /** Creates missing tables and slot tables and registers the slots, in the caller's transaction. */
    public static void setUp(Connection c, Collection<SlotSpec> slots, String where) throws SQLException {
        try (Statement s = c.createStatement()) {
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version > VERSION) {
                throw new InvalidInputException("Embedded store " + where + " has schema version " + version
                        + " but this sdembed knows at most " + VERSION + "; open it with a newer sdembed");
            }
            for (String ddl : TABLES) {
                s.execute(ddl);
            }
            if (version == 1) {
                rebuildSlotTablesWithRowids(c);
            }
            if (version == 1 || version == 2) {
                addSettingsColumns(c);
            }
            for (String ddl : FILTER_INDEXES) {
                s.execute(ddl);
            }
            if (version > 0 && version < 4) {
                addPixelHashColumn(c);
            }
            s.execute("PRAGMA user_version = " + VERSION);
        }
        for (SlotSpec slot : slots) {
            register(c, slot, where);
        }
    }

    /**
     * Checks, changing nothing, that {@code file} (open read-only) is an sdembed store of this version holding every
     * configured slot in its configured shape; run it in one read transaction.
     *
     * @throws StoreException        when the file holds no store, an older version (upgraded only by a writer)
     *                                    or lacks a slot
     * @throws InvalidInputException      when it is newer than this sdembed, or a slot has another shape
     */
    public static void check(Connection c, Collection<SlotSpec> slots, Path file) throws SQLException {
        int version;
        Map<String, SlotReconciliation.StoredSlot> stored = new LinkedHashMap<>();
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            if (version == 0) {
                throw SqliteErrors.noStore(file.getParent(), file.getFileName() + " there holds no sdembed tables");
            }
            if (version > VERSION) {
                throw new InvalidInputException("Embedded store " + file + " has schema version " + version
                        + " but this sdembed knows at most " + VERSION + "; open it with a newer sdembed");
            }
            if (version < VERSION) {
                throw new StoreException("Embedded store " + file + " has schema version " + version
                        + ", which this sdembed reads once it is upgraded to " + VERSION + "; opening it for writing "
                        + "upgrades it (e.g. run index once), then read it");
            }
            try (ResultSet rs = s.executeQuery("SELECT name, modality, dimension, encoder_name, fingerprint, "
                    + "embedding_space FROM slots ORDER BY name")) {
                while (rs.next()) {
                    stored.put(rs.getString(1), SlotReconciliation.StoredSlot.of(rs.getString(2), rs.getInt(3), null,
                            rs.getString(4), rs.getString(5), rs.getString(6)));
                }
            }
        }
        for (SlotSpec slot : slots) {
            SlotReconciliation.decideForReading(slot, null, stored.get(slot.name()), stored.keySet(),
                    "embedded store " + file);
        }
    }

    /**
     * Versions 1 and 2 kept the generation settings only in the parameters JSON: version 3 adds a column for each
     * and fills it from the stored parameters, read as {@link GenerationSettings} reads them (the writer fills them
     * the same way), so records stored before find their filters as new ones do.
     */
    private static void addSettingsColumns(Connection c) throws SQLException {
        List<String> present = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(images)")) {
            while (rs.next()) {
                present.add(rs.getString("name"));
            }
        }
        try (Statement s = c.createStatement()) {
            for (String column : SETTINGS_COLUMNS) {
                if (!present.contains(column.substring(0, column.indexOf(' ')))) {
                    s.execute("ALTER TABLE images ADD COLUMN " + column);
                }
            }
        }
        long filled = 0;
        try (Statement read = c.createStatement();
             ResultSet rs = read.executeQuery("SELECT id, json_extract(parameters, '$." + GenerationSettings.SAMPLER
                     + "'), json_extract(parameters, '$." + GenerationSettings.SEED + "'), json_extract(parameters, '$."
                     + GenerationSettings.STEPS + "'), json_extract(parameters, '$." + GenerationSettings.CFG
                     + "') FROM images WHERE parameters <> '{}'");
             PreparedStatement write = c.prepareStatement("UPDATE images SET sampler = ?, seed = ?, steps = ?, cfg = ? "
                     + "WHERE id = ?")) {
            while (rs.next()) {
                GenerationSettings g = GenerationSettings.of(rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5));
                if (g.equals(GenerationSettings.NONE)) {
                    continue;
                }
                Rows.bindSettings(write, 1, g);
                write.setLong(5, rs.getLong(1));
                write.executeUpdate();
                filled++;
            }
        }
        LOG.info("Embedded store: sampler, seed, steps and cfg columns added for schema version {}, filled for {} "
                + "images from their stored parameters", VERSION, filled);
    }

    /**
     * Version 1 kept embeddings in WITHOUT ROWID tables, which store whole rows in the key's B-tree: SQLite advises
     * against that for rows beyond a small fraction of a page, and a 1024-d vector is 4 KB. Version 2 keeps them in
     * ordinary tables with the hash as a unique key.
     */
    private static void rebuildSlotTablesWithRowids(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'emb\\_%' "
                     + "ESCAPE '\\' AND sql LIKE '%WITHOUT ROWID%'")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        try (Statement s = c.createStatement()) {
            for (String table : tables) {
                s.execute("CREATE TABLE " + table + "_v2 " + SLOT_COLUMNS);
                s.execute("INSERT INTO " + table + "_v2 (hash, fingerprint, embedding) SELECT hash, fingerprint, "
                        + "embedding FROM " + table + " ORDER BY hash");
                s.execute("DROP TABLE " + table);
                s.execute("ALTER TABLE " + table + "_v2 RENAME TO " + table);
                LOG.info("Embedded store: slot table {} rebuilt for schema version {}", table, VERSION);
            }
        }
    }

    /**
     * Version 4 keeps each image content's pixel hash. Contents stored before have none: the next index run over their
     * files computes it (the pipeline reads such files again, embedding nothing), and {@code duplicates --by pixels}
     * counts the images still without one.
     */
    private static void addPixelHashColumn(Connection c) throws SQLException {
        boolean present = false;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(image_contents)")) {
            while (rs.next()) {
                present |= "pixel_hash".equals(rs.getString("name"));
            }
        }
        if (!present) {
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE image_contents ADD COLUMN pixel_hash INTEGER");
            }
            LOG.info("Embedded store: pixel_hash column added to image_contents for schema version {}; images indexed"
                    + " before get their pixel hash on the next index run", VERSION);
        }
    }

    /** The slot's embedding table; slot names are checked identifiers ({@code [a-z][a-z0-9_]*}). */
    public static String table(SlotSpec slot) {
        return "emb_" + slot.name();
    }

    /** The content table a slot's embeddings belong to. */
    public static String contentTable(SlotSpec slot) {
        return slot.modality() == Modality.TEXT ? "text_contents" : "image_contents";
    }

    /** The column of {@code images} that references the slot's contents for {@code role}. */
    public static String imageColumn(SlotSpec slot, TextRole role) {
        if (slot.modality() == Modality.IMAGE) {
            return "image_hash";
        }
        return role == TextRole.NEGATIVE ? "negative_hash" : "prompt_hash";
    }

    private static void register(Connection c, SlotSpec slot, String where) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS " + table(slot) + " " + SLOT_COLUMNS);
        }
        SlotReconciliation.StoredSlot stored = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT modality, dimension, encoder_name, fingerprint, "
                + "embedding_space FROM slots WHERE name = ?")) {
            ps.setString(1, slot.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    stored = SlotReconciliation.StoredSlot.of(rs.getString(1), rs.getInt(2), null, rs.getString(3),
                            rs.getString(4), rs.getString(5));
                }
            }
        }
        if (SlotReconciliation.decide(slot, null, stored, "embedded store " + where) == SlotReconciliation.KEEP) {
            return;
        }
        // A new slot, or a known one taking a new encoder name, fingerprint or space (its shape is the same).
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO slots (name, modality, dimension, encoder_name, "
                + "fingerprint, embedding_space) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                + "encoder_name = excluded.encoder_name, fingerprint = excluded.fingerprint, "
                + "embedding_space = excluded.embedding_space")) {
            ps.setString(1, slot.name());
            ps.setString(2, slot.modality().name().toLowerCase(Locale.ROOT));
            ps.setInt(3, slot.dimension());
            ps.setString(4, slot.encoderName());
            ps.setString(5, slot.fingerprint());
            ps.setString(6, slot.embeddingSpace());
            ps.executeUpdate();
        }
    }
}
