package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.cli.samples.SampleLibrary;
import dev.sdembed.store.postgres.PostgresUrl;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sdembed store init} against the real test cluster: as a superuser, which gets a ready store in one run, and
 * as an unprivileged role this test creates, which gets the SQL a superuser must run; once the superuser has run
 * exactly what was printed, that role sets up, indexes into and searches the store on its own.
 */
class StoreInitCommandTest {
    /** Every migration of this build, as store init lists them: [1, ..., n] from the store's migration index. */
    private static final long MIGRATION_COUNT = migrationCount();
    private static final String MIGRATIONS = java.util.stream.LongStream.rangeClosed(1, MIGRATION_COUNT).boxed().toList()
            .toString();

    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final List<String> DATABASES = new ArrayList<>();
    private static final List<String> ROLES = new ArrayList<>();
    private static PostgresUrl server;

    @BeforeAll
    static void superuserServer() throws SQLException {
        server = PostgresUrl.parse(PostgresTestServer.shared().url());
        try (Connection c = PostgresTestServer.shared().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
            rs.next();
            Assumptions.assumeTrue(rs.getBoolean(1), "Skipped: the test server's role is not a superuser, and these"
                    + " tests create databases and roles");
        }
    }

    @AfterAll
    static void dropDatabasesAndRoles() throws SQLException {
        if (server == null) {
            return;
        }
        try (Connection c = superuser("postgres"); Statement st = c.createStatement()) {
            for (String db : DATABASES) {
                st.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            }
            for (String role : ROLES) {
                st.execute("DROP ROLE IF EXISTS " + role);
            }
        }
    }

    @Test
    void aSuperuserGetsAReadyStoreInOneRunAndASecondRunChangesNothing() throws SQLException {
        String db = newDatabase("init_superuser");
        String url = PostgresTestServer.shared().url(db);

        CliRun first = CliRun.of("store", "init", url);

        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        String pgvector = pgvectorIn(db);
        assertThat(first.outLines()).contains("pgvector " + pgvector + " created in database " + db,
                "Schema sdembed: created, migrations " + MIGRATIONS + " applied",
                "Ready: sdembed index FOLDER --store " + PostgresUrl.parse(url).withPassword(null));
        assertThat(first.outLines().get(0)).startsWith("PostgreSQL ").endsWith("; database " + db + ", role "
                + server.user() + " (a superuser)");

        CliRun again = CliRun.of("store", "init", url, "--schema", "sdembed");

        assertThat(again.exitCode()).as(again.out()).isZero();
        assertThat(again.outLines()).contains("pgvector " + pgvector + " is in database " + db,
                "Schema sdembed: the store is up to date (migrations 1 to " + MIGRATION_COUNT + ")");
    }

    @Test
    void anUnprivilegedRoleGetsTheSqlASuperuserRunsThenWorksOnItsOwn() throws Exception {
        String db = newDatabase("init_role");
        String role = newRole("alice");
        String url = url(role, role + "-password", db);

        CliRun refused = CliRun.of("store", "init", url);

        assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        assertThat(refused.out()).contains("role " + role + " (not a superuser)")
                .contains("is on the server but not in database " + db + ", and only a superuser may create it there")
                .contains("Schema sdembed is missing, and " + role + " may not create schemas in database " + db)
                .contains("Not ready. A superuser must run this once in database " + db
                        + " (e.g. sudo -u postgres psql -d " + db + "):");
        List<String> sql = superuserSql(refused.out());
        assertThat(sql).containsExactly("CREATE EXTENSION IF NOT EXISTS vector;",
                "CREATE SCHEMA IF NOT EXISTS \"sdembed\" AUTHORIZATION \"" + role + "\";");
        assertThat(pgvectorIn(db)).as("nothing is half done").isNull();

        runAsSuperuser(db, sql);
        CliRun ready = CliRun.of("store", "init", url);

        assertThat(ready.exitCode()).as(ready.out() + ready.err()).isZero();
        assertThat(ready.outLines()).contains("Schema sdembed: migrations " + MIGRATIONS + " applied");

        Path samples = TestPaths.targetDir("store-init-samples");
        SampleLibrary.generate(samples, 8);
        Path config = IndexFixtures.config("store-init", null, null);
        CliRun index = CliRun.of("index", samples.toString(), "--config", config.toString(), "--store", url,
                "--json-summary");
        assertThat(index.exitCode()).as(index.err()).isZero();
        JsonNode summary = IndexFixtures.summary(index);
        assertThat(summary.get("indexed").asInt()).isEqualTo(8);
        CliRun search = CliRun.of("search", "--text", "a castle at night", "-k", "1", "--config", config.toString(),
                "--store", url);
        assertThat(search.exitCode()).as(search.err()).isZero();
        assertThat(search.outLines().get(1)).contains("castle-");
        try (Connection c = superuser(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'sdembed'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(role);
            assertThat(rs.next()).as("every table belongs to the role").isFalse();
        }
    }

    @Test
    void aMissingDatabaseIsCreatedForTheRoleWhichThenNeedsOnlyTheExtension() throws Exception {
        String db = "init_created_" + ProcessHandle.current().pid() + "_" + NAMES.incrementAndGet();
        DATABASES.add(db);
        String role = newRole("bob");
        String url = url(role, role + "-password", db);

        CliRun missing = CliRun.of("store", "init", url);

        assertThat(missing.exitCode()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        assertThat(missing.out()).contains("but database " + db + " does not exist")
                .contains("A superuser must run this once in database postgres");
        List<String> createDatabase = superuserSql(missing.out());
        assertThat(createDatabase).containsExactly("CREATE DATABASE \"" + db + "\" OWNER \"" + role + "\";");
        runAsSuperuser("postgres", createDatabase);

        CliRun extension = CliRun.of("store", "init", url);

        // The database's owner may create schemas in it; pgvector still needs a superuser.
        assertThat(extension.exitCode()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        assertThat(superuserSql(extension.out())).containsExactly("CREATE EXTENSION IF NOT EXISTS vector;");
        runAsSuperuser(db, superuserSql(extension.out()));
        CliRun ready = CliRun.of("store", "init", url);
        assertThat(ready.exitCode()).as(ready.out()).isZero();
        assertThat(ready.outLines()).contains("Schema sdembed: created, migrations " + MIGRATIONS + " applied");
    }

    @Test
    void theComposeFilesServerGetsAReadyStoreFromTheCommandItsCommentGives() throws Exception {
        // docker-compose.yml as Docker would read it; no Docker daemon here, so its container is played by the
        // test cluster, set up as pgvector's image sets itself up from that environment: the role a superuser
        // with that password, the database its own.
        JsonNode postgres = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                .readTree(TestPaths.repoRoot().resolve("docker-compose.yml").toFile()).path("services").path("postgres");
        assertThat(postgres.path("image").asText()).startsWith("pgvector/pgvector:");
        assertThat(postgres.path("ports").get(0).asText()).isEqualTo("127.0.0.1:5432:5432");
        JsonNode env = postgres.path("environment");
        String user = env.path("POSTGRES_USER").asText();
        String db = env.path("POSTGRES_DB").asText();
        // ${SDEMBED_DB_PASSWORD:-sdembed}: the default when the variable is unset, as Compose substitutes it.
        java.util.regex.Matcher password = java.util.regex.Pattern.compile("\\$\\{SDEMBED_DB_PASSWORD:-([^}]+)}")
                .matcher(env.path("POSTGRES_PASSWORD").asText());
        assertThat(password.matches()).as(env.path("POSTGRES_PASSWORD").asText()).isTrue();
        String comment = java.nio.file.Files.readString(TestPaths.repoRoot().resolve("docker-compose.yml"));
        assertThat(comment).contains("sdembed store init postgresql://" + user + "@localhost:5432/" + db);

        assertThat(List.of(user, db)).as("names this test may create and drop").allMatch(n -> n.matches("[a-z_]+"));
        runAsSuperuser("postgres", List.of("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)",
                "DROP ROLE IF EXISTS " + user,
                "CREATE ROLE " + user + " SUPERUSER LOGIN PASSWORD '" + password.group(1) + "'",
                "CREATE DATABASE " + db + " OWNER " + user));
        DATABASES.add(db);
        ROLES.add(user);

        // The comment's command at the test cluster's address, its password (PGPASSWORD there) in the URL.
        CliRun init = CliRun.of("store", "init", url(user, password.group(1), db));

        assertThat(init.exitCode()).as(init.out() + init.err()).isZero();
        assertThat(init.outLines().get(0)).endsWith("; database " + db + ", role " + user + " (a superuser)");
        assertThat(init.outLines()).contains("pgvector " + pgvectorIn(db) + " created in database " + db,
                "Schema sdembed: created, migrations " + MIGRATIONS + " applied");
        assertThat(init.out()).contains("Ready: sdembed index FOLDER --store ");
    }

    @Test
    void saysWhenNoServerAnswersAndRefusesTheEmbeddedStore() {
        CliRun nobody = CliRun.of("store", "init", "postgresql://someone@127.0.0.1:1/photos");

        assertThat(nobody.exitCode()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        assertThat(nobody.out()).contains("Not ready: No PostgreSQL server answers at 127.0.0.1:1 (")
                .contains("start it (docker compose up -d, with the repository's docker-compose.yml), or correct the"
                        + " URL.");

        CliRun embedded = CliRun.of("store", "init", "target/some-folder");

        assertThat(embedded.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(embedded.err()).isEqualTo("sdembed: store init sets up a PostgreSQL server; 'target/some-folder'"
                + " names the embedded store, which needs no set-up (sdembed index creates it)" + System.lineSeparator());
    }

    /** The statements under "A superuser must run this once", as printed. */
    private static List<String> superuserSql(String out) {
        List<String> lines = out.lines().toList();
        int start = lines.indexOf(lines.stream().filter(l -> l.contains("A superuser must run this once")).findFirst()
                .orElseThrow(() -> new AssertionError("no SQL for a superuser in:\n" + out)));
        int end = lines.indexOf("Then run this command again.");
        return lines.subList(start + 1, end).stream().filter(l -> !l.isBlank()).toList();
    }

    private static void runAsSuperuser(String db, List<String> statements) throws SQLException {
        try (Connection c = superuser(db); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    private static String pgvectorIn(String db) throws SQLException {
        try (Connection c = superuser(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT extversion FROM pg_extension WHERE extname = 'vector'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static String newDatabase(String prefix) throws SQLException {
        String db = PostgresTestServer.shared().newDatabase(prefix, false);
        // Dropped after the tests, before the roles owning objects in it.
        DATABASES.add(db);
        return db;
    }

    private static String newRole(String prefix) throws SQLException {
        String role = prefix + "_" + ProcessHandle.current().pid() + "_" + NAMES.incrementAndGet();
        ROLES.add(role);
        runAsSuperuser("postgres", List.of("CREATE ROLE " + role + " LOGIN PASSWORD '" + role + "-password'"));
        return role;
    }

    private static String url(String user, String password, String db) {
        return "postgresql://" + user + (password == null ? "" : ":" + password) + "@" + server.host() + ":"
                + server.port() + "/" + db;
    }

    private static Connection superuser(String db) throws SQLException {
        return PostgresTestServer.shared().connect(db);
    }

    private static long migrationCount() {
        try (var in = StoreInitCommandTest.class.getResourceAsStream("/dev/sdembed/store/postgres/migrations/index.txt")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank()).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
