package dev.sdembed.store.postgres.internal;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.GenerationSettings;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.spi.SlotReconciliation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a schema up to date at start: pgvector present and recent enough, versioned migrations applied once
 * (recorded with their checksum in {@code schema_version}), one embedding table per configured slot, the slot
 * registry updated. All of it runs under a session advisory lock per schema, so processes starting together apply
 * each step exactly once and the others wait, then find nothing to do. A read-only open {@linkplain #check checks}
 * the same things instead and changes nothing.
 */
public final class SchemaSetup {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaSetup.class);
    private static final String MIGRATIONS = "/dev/sdembed/store/postgres/migrations/";
    private static final Pattern MIGRATION_NAME = Pattern.compile("V(\\d+)__(\\w+)\\.sql");
    /** Iterative index scans (filtered searches that still return k rows) came in pgvector 0.8.0. */
    public static final String MIN_PGVECTOR = "0.8.0";

    /** One migration script of this build. */
    public record Migration(int version, String description, String sql, String checksum) {
    }

    /**
     * What setup found and did.
     *
     * @param applied         versions this call applied (empty when the schema was already current)
     * @param vectorSchema    the schema holding pgvector's types, for the search path
     * @param pgvectorVersion the installed pgvector version
     * @param tables          the configured slots' tables, in configuration order
     */
    public record Result(List<Integer> applied, String vectorSchema, String pgvectorVersion,
                         Map<String, SlotTable> tables) {
    }

    private SchemaSetup() {
    }

    /** The migrations of this build, in version order. */
    public static List<Migration> migrations() {
        List<Migration> all = new ArrayList<>();
        for (String name : readResource("index.txt").split("\\R")) {
            if (name.isBlank()) {
                continue;
            }
            Matcher m = MIGRATION_NAME.matcher(name.trim());
            if (!m.matches()) {
                throw new IllegalStateException("Bad migration file name in index.txt: " + name);
            }
            String sql = readResource(name.trim());
            String checksum = HexFormat.of().formatHex(ContentHash.sha256().digest(sql.getBytes(StandardCharsets.UTF_8)));
            all.add(new Migration(Integer.parseInt(m.group(1)), m.group(2), sql, checksum));
        }
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).version() != i + 1) {
                throw new IllegalStateException("Migrations must be numbered 1, 2, 3, ... in index.txt; found "
                        + all.stream().map(Migration::version).toList());
            }
        }
        return all;
    }

    /** The migration that gave the generation settings columns of their own ({@code V2__filter_columns.sql}). */
    static final int FILTER_COLUMNS = 2;
    private static final int BACKFILL_CHUNK = 10_000;

    /**
     * Fills the settings columns of the rows written before they existed, from their parameters, reading them as
     * {@link GenerationSettings} does (so an old row and a new one with the same parameters agree); inside the
     * migration's transaction. Returns the rows updated.
     */
    static long backfillSettings(Connection c) throws SQLException {
        long updated = 0;
        try (PreparedStatement read = c.prepareStatement("SELECT id, parameters->>'" + GenerationSettings.SAMPLER
                + "', parameters->>'" + GenerationSettings.SEED + "', parameters->>'" + GenerationSettings.STEPS
                + "', parameters->>'" + GenerationSettings.CFG + "' FROM images WHERE parameters <> '{}' ORDER BY id");
             PreparedStatement write = c.prepareStatement("UPDATE images i SET sampler = u.sampler, seed = u.seed, "
                     + "steps = u.steps, cfg = u.cfg FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::integer[], "
                     + "?::double precision[]) AS u(id, sampler, seed, steps, cfg) WHERE i.id = u.id")) {
            read.setFetchSize(BACKFILL_CHUNK);
            List<Object[]> rows = new ArrayList<>();
            try (ResultSet rs = read.executeQuery()) {
                while (rs.next()) {
                    GenerationSettings s = GenerationSettings.of(rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5));
                    if (!s.equals(GenerationSettings.NONE)) {
                        rows.add(new Object[] {rs.getLong(1), s.sampler(), s.seed(), s.steps(), s.cfg()});
                    }
                    if (rows.size() == BACKFILL_CHUNK) {
                        updated += update(c, write, rows);
                    }
                }
            }
            updated += update(c, write, rows);
        }
        return updated;
    }

    private static long update(Connection c, PreparedStatement write, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return 0;
        }
        String[] types = {"bigint", "text", "bigint", "integer", "float8"};
        for (int column = 0; column < types.length; column++) {
            Object[] values = new Object[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                values[i] = rows.get(i)[column];
            }
            write.setArray(column + 1, c.createArrayOf(types[column], values));
        }
        int n = write.executeUpdate();
        rows.clear();
        return n;
    }

    /** Runs setup on {@code connection} (autocommit on; left as found). */
    public static Result run(Connection connection, String schema, List<SlotSpec> slots, boolean halfPrecision,
                             int hnswM, int hnswEfConstruction) throws SQLException {
        long key = Identifiers.lockKey("migrate", schema);
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_lock(?)")) {
            lock.setLong(1, key);
            lock.execute();
        }
        try {
            String[] vector = ensurePgvector(connection);
            String searchPath = searchPath(schema, vector[0]);
            // Only what is missing: PostgreSQL checks the privilege to create before it looks whether the object
            // exists, so "IF NOT EXISTS" would fail for a role given a schema by a superuser (sdembed store init).
            SchemaState state = SchemaState.of(connection, schema);
            try (Statement st = connection.createStatement()) {
                if (!state.exists()) {
                    st.execute("CREATE SCHEMA " + Identifiers.quote(schema));
                }
                if (!state.hasStore()) {
                    st.execute("CREATE TABLE " + Identifiers.quote(schema) + ".schema_version ("
                            + "version integer PRIMARY KEY, description text NOT NULL, checksum text NOT NULL, "
                            + "applied_at timestamptz NOT NULL DEFAULT now())");
                }
            }
            List<Integer> applied = migrate(connection, schema, searchPath);
            Map<String, SlotTable> tables = registerSlots(connection, schema, searchPath, slots, halfPrecision,
                    hnswM, hnswEfConstruction);
            return new Result(applied, vector[0], vector[1], tables);
        } finally {
            try (PreparedStatement unlock = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                unlock.setLong(1, key);
                unlock.execute();
            }
        }
    }

    /**
     * Checks, changing nothing, that {@code schema} holds an sdembed store this build reads: its tables, every
     * migration of this build applied (with the same checksums), pgvector present, and every configured slot
     * registered in its configured shape with its table. Runs in one read-only transaction; takes no lock.
     *
     * @param where the store as messages name it, password masked, e.g. {@code postgresql://me:***@host/db}
     * @throws StoreException        when there is no store in the schema, a migration is missing or was changed, or
     *                               a slot is missing
     * @throws InvalidInputException when a slot has another shape
     */
    public static Result check(Connection connection, String schema, List<SlotSpec> slots, boolean halfPrecision,
                               String where) throws SQLException {
        connection.setAutoCommit(false);
        try (Statement st = connection.createStatement()) {
            st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            requireStore(connection, schema, where);
            String[] vector = findPgvector(connection);
            if (vector == null) {
                throw new StoreException("The pgvector extension is missing from database '"
                        + connection.getCatalog() + "' that holds the sdembed store in schema " + schema + " of "
                        + where + ". Run CREATE EXTENSION vector as a superuser (scripts/install-prerequisites.sh "
                        + "installs pgvector on the server)");
            }
            requireVersion(connection, vector[1]);
            Map<Integer, String> done = appliedMigrations(connection, schema);
            List<Integer> pending = migrations().stream().map(Migration::version).filter(v -> !done.containsKey(v))
                    .toList();
            if (!pending.isEmpty()) {
                throw new StoreException("The sdembed store in schema " + schema + " of " + where + " lacks "
                        + "migrations " + pending + " of this sdembed, which opening it for writing applies; run "
                        + "index once (or any command that writes), then read it");
            }
            Map<String, SlotTable> tables = checkSlots(connection, schema, slots, halfPrecision);
            connection.commit();
            return new Result(List.of(), vector[0], vector[1], tables);
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /** A read-only open where there is no store: the message a front end shows for a mistyped schema or URL. */
    private static void requireStore(Connection c, String schema, String where) throws SQLException {
        SchemaState state = SchemaState.of(c, schema);
        String why = !state.exists() ? "no such schema" : !state.hasStore() ? "the schema has no sdembed tables" : null;
        if (why != null) {
            throw new StoreException("No sdembed store in schema " + schema + " of " + where + " (" + why
                    + "); index a folder first, or give --store and --schema");
        }
    }

    /**
     * Whether a schema exists and holds a store ({@code schema_version}), as the connected role sees it.
     *
     * @param exists   the schema exists
     * @param hasStore it holds the table of applied migrations
     */
    public record SchemaState(boolean exists, boolean hasStore) {
        public static SchemaState of(Connection c, String schema) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE "
                    + "nspname = ?), to_regclass(?) IS NOT NULL")) {
                ps.setString(1, schema);
                ps.setString(2, Identifiers.quote(schema) + ".schema_version");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return new SchemaState(rs.getBoolean(1), rs.getBoolean(2));
                }
            }
        }
    }

    private static Map<String, SlotTable> checkSlots(Connection c, String schema, List<SlotSpec> slots,
                                                     boolean halfPrecision) throws SQLException {
        Map<String, SlotReconciliation.StoredSlot> stored = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name, modality, dimension, vector_type, encoder_name, fingerprint, "
                     + "embedding_space FROM " + Identifiers.quote(schema) + ".slots ORDER BY name")) {
            while (rs.next()) {
                stored.put(rs.getString(1), SlotReconciliation.StoredSlot.of(rs.getString(2), rs.getInt(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)));
            }
        }
        Map<String, SlotTable> tables = new LinkedHashMap<>();
        for (SlotSpec slot : slots) {
            SlotTable table = new SlotTable(slot, vectorType(slot, halfPrecision));
            SlotReconciliation.decideForReading(slot, table.vectorType(), stored.get(slot.name()), stored.keySet(),
                    "schema '" + schema + "'");
            try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL, to_regclass(?) IS NOT "
                    + "NULL")) {
                ps.setString(1, Identifiers.quote(schema) + "." + table.table());
                ps.setString(2, Identifiers.quote(schema) + "." + table.indexName());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new StoreException("Slot '" + slot.name() + "' is registered in schema '" + schema
                                + "' but its table " + table.table() + " is missing; the store was changed by "
                                + "something other than sdembed. Opening it for writing creates the table again "
                                + "(empty)");
                    }
                    if (!rs.getBoolean(2)) {
                        LOG.warn("Slot {} in schema {} has no HNSW index (dropped for a bulk load that did not "
                                + "finish?): its searches are exact and slow until the store is opened for writing, "
                                + "which builds it", slot.name(), schema);
                    }
                }
            }
            tables.put(slot.name(), table);
        }
        return tables;
    }

    /** {@code "schema", "vector schema"}: tables resolve in the store's schema, types in pgvector's. */
    public static String searchPath(String schema, String vectorSchema) {
        return vectorSchema.equals(schema) ? Identifiers.quote(schema)
                : Identifiers.quote(schema) + ", " + Identifiers.quote(vectorSchema);
    }

    /** The vector type for a slot: {@code halfvec} when asked or beyond what HNSW indexes on {@code vector}. */
    public static String vectorType(SlotSpec slot, boolean halfPrecision) {
        if (slot.dimension() > SlotTable.MAX_HALFVEC_DIMENSIONS) {
            throw new InvalidInputException("Slot '" + slot.name() + "' has " + slot.dimension()
                    + " dimensions; pgvector's HNSW index takes at most " + SlotTable.MAX_HALFVEC_DIMENSIONS
                    + " (as halfvec)");
        }
        return halfPrecision || slot.dimension() > SlotTable.MAX_VECTOR_DIMENSIONS ? "halfvec" : "vector";
    }

    private static String[] ensurePgvector(Connection c) throws SQLException {
        String[] found = findPgvector(c);
        if (found == null) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE EXTENSION IF NOT EXISTS vector");
            } catch (SQLException e) {
                if (findPgvector(c) == null) {
                    throw new StoreException("The pgvector extension is not installed in database '" + c.getCatalog()
                            + "' and cannot be created by this user (" + e.getMessage().lines().findFirst().orElse("")
                            + "). Run CREATE EXTENSION vector as a superuser; if the server lacks pgvector, run "
                            + "scripts/install-prerequisites.sh on it.", e);
                }
            }
            found = findPgvector(c);
            LOG.info("Created extension vector {} in schema {}", found[1], found[0]);
        }
        requireVersion(c, found[1]);
        return found;
    }

    private static void requireVersion(Connection c, String installed) throws SQLException {
        if (compareVersions(installed, MIN_PGVECTOR) < 0) {
            throw new StoreException("pgvector " + installed + " is installed in database '" + c.getCatalog()
                    + "'; sdembed needs " + MIN_PGVECTOR + " or later for iterative index scans. Install it "
                    + "(scripts/install-prerequisites.sh) and run ALTER EXTENSION vector UPDATE.");
        }
    }

    /** {@code [schema, version]} of pgvector in the connected database, or null when it is not created there. */
    static String[] findPgvector(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT n.nspname, e.extversion FROM pg_extension e "
                     + "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'vector'")) {
            return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
        }
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? leadingInt(x[i]) : 0;
            int q = i < y.length ? leadingInt(y[i]) : 0;
            if (p != q) {
                return Integer.compare(p, q);
            }
        }
        return 0;
    }

    private static int leadingInt(String s) {
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(s.substring(0, end));
    }

    private static List<Integer> migrate(Connection c, String schema, String searchPath) throws SQLException {
        Map<Integer, String> done = appliedMigrations(c, schema);
        List<Migration> migrations = migrations();
        List<Integer> applied = new ArrayList<>();
        for (Migration m : migrations) {
            if (done.containsKey(m.version())) {
                continue;
            }
            inTransaction(c, () -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL search_path TO " + searchPath);
                    st.execute(m.sql());
                }
                if (m.version() == FILTER_COLUMNS) {
                    long filled = backfillSettings(c);
                    if (filled > 0) {
                        LOG.info("Schema {}: sampler, seed, steps and cfg columns filled for {} images from their "
                                + "stored parameters", schema, filled);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + Identifiers.quote(schema)
                        + ".schema_version (version, description, checksum) VALUES (?, ?, ?)")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.description());
                    ps.setString(3, m.checksum());
                    ps.executeUpdate();
                }
            });
            LOG.info("Applied migration V{} ({}) to schema {}", m.version(), m.description(), schema);
            applied.add(m.version());
        }
        return applied;
    }

    /**
     * The migrations {@code schema} records as applied (version to checksum), each checked against this build's:
     * a version this build lacks or a checksum that differs is refused.
     */
    private static Map<Integer, String> appliedMigrations(Connection c, String schema) throws SQLException {
        Map<Integer, String> done = new TreeMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version, checksum FROM " + Identifiers.quote(schema)
                     + ".schema_version ORDER BY version")) {
            while (rs.next()) {
                done.put(rs.getInt(1), rs.getString(2));
            }
        }
        List<Migration> migrations = migrations();
        for (Map.Entry<Integer, String> d : done.entrySet()) {
            if (d.getKey() > migrations.size()) {
                throw new StoreException("Schema '" + schema + "' is at version " + d.getKey()
                        + " but this build of sdembed knows migrations up to " + migrations.size()
                        + "; use the newer sdembed that wrote it");
            }
            Migration m = migrations.get(d.getKey() - 1);
            if (!m.checksum().equals(d.getValue())) {
                throw new StoreException("Migration V" + m.version() + " (" + m.description()
                        + ") was changed after it was applied to schema '" + schema + "' (checksum "
                        + ContentHash.shortHex(d.getValue()) + " in the database, " + ContentHash.shortHex(m.checksum())
                        + " in this build); add a new migration instead of editing an applied one");
            }
        }
        return done;
    }

    private static Map<String, SlotTable> registerSlots(Connection c, String schema, String searchPath,
                                                        List<SlotSpec> slots, boolean halfPrecision, int m,
                                                        int efConstruction) throws SQLException {
        Map<String, SlotTable> tables = new LinkedHashMap<>();
        for (SlotSpec slot : slots) {
            SlotTable table = new SlotTable(slot, vectorType(slot, halfPrecision));
            inTransaction(c, () -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL search_path TO " + searchPath);
                }
                registerSlot(c, schema, table, m, efConstruction);
            });
            tables.put(slot.name(), table);
        }
        return tables;
    }

    private static void registerSlot(Connection c, String schema, SlotTable table, int m, int efConstruction)
            throws SQLException {
        SlotSpec slot = table.spec();
        SlotReconciliation.StoredSlot stored = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT modality, dimension, vector_type, encoder_name, "
                + "fingerprint, embedding_space FROM slots WHERE name = ?")) {
            ps.setString(1, slot.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    stored = SlotReconciliation.StoredSlot.of(rs.getString(1), rs.getInt(2), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6));
                }
            }
        }
        switch (SlotReconciliation.decide(slot, table.vectorType(), stored, "schema '" + schema + "'")) {
            case CREATE -> {
                ensureTable(c, table, m, efConstruction);
                insertSlot(c, table);
            }
            case UPDATE -> {
                updateSlot(c, slot);
                ensureTable(c, table, m, efConstruction);
            }
            case KEEP -> ensureTable(c, table, m, efConstruction);
        }
    }

    private static void insertSlot(Connection c, SlotTable table) throws SQLException {
        SlotSpec slot = table.spec();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO slots (name, modality, dimension, vector_type, "
                + "encoder_name, fingerprint, embedding_space) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, slot.name());
            ps.setString(2, slot.modality().name().toLowerCase(Locale.ROOT));
            ps.setInt(3, slot.dimension());
            ps.setString(4, table.vectorType());
            ps.setString(5, slot.encoderName());
            ps.setString(6, slot.fingerprint());
            ps.setString(7, slot.embeddingSpace());
            ps.executeUpdate();
        }
    }

    private static void updateSlot(Connection c, SlotSpec slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE slots SET encoder_name = ?, fingerprint = ?, "
                + "embedding_space = ?, updated_at = now() WHERE name = ?")) {
            ps.setString(1, slot.encoderName());
            ps.setString(2, slot.fingerprint());
            ps.setString(3, slot.embeddingSpace());
            ps.setString(4, slot.name());
            ps.executeUpdate();
        }
    }

    /** Idempotent: also recreates an index dropped for a bulk load by a process that did not finish. */
    private static void ensureTable(Connection c, SlotTable table, int m, int efConstruction) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(table.createTableSql());
            st.execute(table.createVectorIndexSql(m, efConstruction));
        }
        dropRetired(c, table);
    }

    /** Looked up first: dropping takes an exclusive lock on the table even when there is nothing to drop. */
    private static void dropRetired(Connection c, SlotTable table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = ? "
                + "AND conrelid = to_regclass(?)), to_regclass(?) IS NOT NULL")) {
            ps.setString(1, table.retiredConstraint());
            ps.setString(2, table.table());
            ps.setString(3, table.retiredIndex());
            try (ResultSet rs = ps.executeQuery(); Statement st = c.createStatement()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    st.execute("ALTER TABLE " + table.table() + " DROP CONSTRAINT " + table.retiredConstraint());
                    LOG.info("Slot {}: dropped the per-row foreign key of an earlier version", table.spec().name());
                }
                if (rs.getBoolean(2)) {
                    st.execute("DROP INDEX " + table.retiredIndex());
                }
            }
        }
    }

    private interface SqlWork {
        void run() throws SQLException;
    }

    private static void inTransaction(Connection c, SqlWork work) throws SQLException {
        c.setAutoCommit(false);
        try {
            work.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static String readResource(String name) {
        try (InputStream in = SchemaSetup.class.getResourceAsStream(MIGRATIONS + name)) {
            if (in == null) {
                throw new IllegalStateException("Migration resource " + MIGRATIONS + name + " is missing from the build");
            }
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                StringBuilder sb = new StringBuilder();
                r.lines().forEach(l -> sb.append(l).append('\n'));
                return sb.toString();
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read migration resource " + name, e);
        }
    }
}
