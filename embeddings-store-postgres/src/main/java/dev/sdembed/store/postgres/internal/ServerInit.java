package dev.sdembed.store.postgres.internal;

import dev.sdembed.store.postgres.PostgresStoreInit;
import dev.sdembed.store.postgres.PostgresUrl;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Prepares a PostgreSQL server for a store as far as the connected role may, and says what a superuser must run
 * for the rest ({@link dev.sdembed.store.postgres.PostgresEmbeddingStore.Builder#init()}). Looks before it acts: a
 * statement the role may not run is never tried, so nothing is half done when SQL is printed.
 */
public final class ServerInit {
    /** pgvector 0.8 supports PostgreSQL 13 and later. */
    static final int MIN_SERVER_VERSION_NUM = 130000;
    private static final String INSTALL_PGVECTOR = "install pgvector " + SchemaSetup.MIN_PGVECTOR + " or later on "
            + "the server (Debian and Ubuntu: the postgresql-NN-pgvector package; scripts/install-prerequisites.sh "
            + "builds it on Debian 12), or run the pgvector/pgvector Docker image (the repository's docker-compose.yml)";

    /** Opens a connection as the store's role. */
    @FunctionalInterface
    public interface Connector {
        Connection connect() throws SQLException;
    }

    private final PostgresUrl location;
    private final String schema;
    private final String role;
    private final List<String> steps = new ArrayList<>();
    private final List<String> sql = new ArrayList<>();
    private String sqlDatabase;
    private String problem;

    private ServerInit(PostgresUrl location, String schema) {
        this.location = location;
        this.schema = schema;
        // The driver's default when the URL names no user, as the server will see it.
        this.role = location.user() != null ? location.user() : System.getProperty("user.name");
    }

    /** Checks and prepares; never throws for what the server says, which the result reports instead. */
    public static PostgresStoreInit run(Connector connector, PostgresUrl location, String schema, int hnswM,
                                        int hnswEfConstruction) {
        ServerInit init = new ServerInit(location, schema);
        try (Connection c = connector.connect()) {
            init.prepare(c, hnswM, hnswEfConstruction);
        } catch (SQLException e) {
            init.failed(e);
        }
        return new PostgresStoreInit(location.toString(), schema, init.steps, init.sql, init.sqlDatabase,
                init.problem);
    }

    private void prepare(Connection c, int hnswM, int hnswEfConstruction) throws SQLException {
        String database = c.getCatalog();
        boolean superuser;
        boolean mayCreateInDatabase;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version'), "
                     + "current_setting('server_version_num')::int, r.rolsuper, "
                     + "has_database_privilege(current_database(), 'CREATE') "
                     + "FROM pg_roles r WHERE r.rolname = current_user")) {
            rs.next();
            superuser = rs.getBoolean(3);
            mayCreateInDatabase = rs.getBoolean(4);
            steps.add("PostgreSQL " + rs.getString(1) + " answers at " + location.host() + ":" + location.port()
                    + "; database " + database + ", role " + role + (superuser ? " (a superuser)" : " (not a superuser)"));
            if (rs.getInt(2) < MIN_SERVER_VERSION_NUM) {
                problem = "PostgreSQL " + rs.getString(1) + " is older than 13, the oldest that pgvector "
                        + SchemaSetup.MIN_PGVECTOR + " supports: upgrade the server";
                return;
            }
        }
        if (!pgvector(c, database, superuser, mayCreateInDatabase)) {
            return;
        }
        SchemaSetup.SchemaState state = SchemaSetup.SchemaState.of(c, schema);
        if (!state.exists() && !mayCreateInDatabase) {
            steps.add("Schema " + schema + " is missing, and " + role + " may not create schemas in database "
                    + database);
            needs(database, "CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(schema) + " AUTHORIZATION "
                    + Identifiers.quote(role) + ";");
        } else if (state.exists() && !state.hasStore() && !schemaPrivilege(c, "CREATE")) {
            steps.add("Schema " + schema + " exists, holds no sdembed store, and " + role + " may not create tables in"
                    + " it");
            needs(database, "GRANT USAGE, CREATE ON SCHEMA " + Identifiers.quote(schema) + " TO "
                    + Identifiers.quote(role) + ";");
        }
        if (!sql.isEmpty()) {
            return;
        }
        try {
            SchemaSetup.Result result = SchemaSetup.run(c, schema, List.of(), false, hnswM, hnswEfConstruction);
            int migrations = SchemaSetup.migrations().size();
            steps.add("Schema " + schema + ": " + (!state.exists() ? "created, " : "")
                    + (result.applied().isEmpty() ? "the store is up to date (migrations 1 to " + migrations + ")"
                    : "migrations " + result.applied() + " applied"));
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState())) {
                throw e;
            }
            problem = "Role " + role + " may not change the sdembed store in schema " + schema + " ("
                    + SqlErrors.firstLine(e) + "): its tables belong to role " + tableOwner(c)
                    + "; run sdembed as that role";
        }
    }

    /** Whether pgvector is usable in {@code database} (created now if the role may); else records why not. */
    private boolean pgvector(Connection c, String database, boolean superuser, boolean mayCreateInDatabase)
            throws SQLException {
        String[] installed = SchemaSetup.findPgvector(c);
        String available = null;
        boolean trusted = false;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT a.default_version, v.trusted FROM pg_available_extensions a "
                     + "JOIN pg_available_extension_versions v ON v.name = a.name AND v.version = a.default_version "
                     + "WHERE a.name = 'vector'")) {
            if (rs.next()) {
                available = rs.getString(1);
                trusted = rs.getBoolean(2);
            }
        }
        if (installed != null && SchemaSetup.compareVersions(installed[1], SchemaSetup.MIN_PGVECTOR) >= 0) {
            steps.add("pgvector " + installed[1] + " is in database " + database);
            return true;
        }
        if (available == null || SchemaSetup.compareVersions(available, SchemaSetup.MIN_PGVECTOR) < 0) {
            problem = (available == null ? "pgvector is not installed on the server"
                    : "The server has pgvector " + available + ", older than " + SchemaSetup.MIN_PGVECTOR
                    + " (iterative index scans)") + ": " + INSTALL_PGVECTOR;
            return false;
        }
        if (installed != null) {
            // Only the extension's owner (its creator, normally a superuser) may update it.
            if (superuser) {
                run(c, "ALTER EXTENSION vector UPDATE");
                steps.add("pgvector " + installed[1] + " updated to " + available + " in database " + database);
                return true;
            }
            steps.add("pgvector " + installed[1] + " in database " + database + " is older than "
                    + SchemaSetup.MIN_PGVECTOR + "; the server has " + available);
            needs(database, "ALTER EXTENSION vector UPDATE;");
            return true;
        }
        if (superuser || (trusted && mayCreateInDatabase)) {
            run(c, "CREATE EXTENSION IF NOT EXISTS vector");
            steps.add("pgvector " + SchemaSetup.findPgvector(c)[1] + " created in database " + database);
            return true;
        }
        steps.add("pgvector " + available + " is on the server but not in database " + database + ", and only a"
                + " superuser may create it there");
        needs(database, "CREATE EXTENSION IF NOT EXISTS vector;");
        return true;
    }

    private void needs(String database, String statement) {
        sqlDatabase = database;
        sql.add(statement);
    }

    /** Why no connection could be made, as the server (or the network) said it. */
    private void failed(SQLException e) {
        String state = String.valueOf(SqlErrors.sqlState(e));
        String message = SqlErrors.firstLine(e);
        if (state.equals("3D000")) {
            steps.add("PostgreSQL answers at " + location.host() + ":" + location.port() + ", but database "
                    + location.database() + " does not exist");
            sqlDatabase = "postgres";
            sql.add("CREATE DATABASE " + Identifiers.quote(location.database()) + " OWNER " + Identifiers.quote(role)
                    + ";");
        } else if (state.equals("28000") && message.contains("does not exist")) {
            steps.add("PostgreSQL answers at " + location.host() + ":" + location.port() + ", but role " + role
                    + " does not exist");
            sqlDatabase = "postgres";
            sql.add("CREATE ROLE " + Identifiers.quote(role) + " LOGIN PASSWORD 'choose-a-password';");
        } else if (state.equals("28P01")) {
            problem = "The server refused the password of role " + role + " (" + message + "): give it in the URL,"
                    + " SDEMBED_STORE_PASSWORD or PGPASSWORD";
        } else if (state.startsWith("08")) {
            problem = "No PostgreSQL server answers at " + location.host() + ":" + location.port() + " (" + message
                    + "): start it (docker compose up -d, with the repository's docker-compose.yml), or correct"
                    + " the URL";
        } else {
            problem = "PostgreSQL at " + location + " refused: " + (state.equals("null") ? "" : "SQLSTATE " + state
                    + ": ") + message;
        }
    }

    private boolean schemaPrivilege(Connection c, String privilege) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT has_schema_privilege(?, ?)")) {
            ps.setString(1, schema);
            ps.setString(2, privilege);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private String tableOwner(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT tableowner FROM pg_tables WHERE schemaname = ? "
                + "AND tablename = 'schema_version'")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "(unknown)";
            }
        }
    }

    private static void run(Connection c, String statement) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }
}
