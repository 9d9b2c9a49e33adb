package dev.sdembed.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL with pgvector for tests and benchmarks, shared by the whole JVM: the server named by
 * {@code SDEMBED_TEST_PG_URL} when set, otherwise a throwaway cluster this class starts itself (initdb + pg_ctl on a
 * free port under {@code target/pg-test/}, as the unprivileged {@code postgres} user when run as root, durability
 * off because nothing in it must survive) and stops when the JVM exits. Clusters left by a JVM that was killed are
 * stopped and removed by the next start.
 *
 * <p>Each test takes its own schema ({@link #newSchema(String)}), so tests never see each other's rows.
 * A test that stops the server (a server going away mid-run) takes a cluster of its own instead:
 * {@link #startPrivate()}, then {@link #stop()}, {@link #start()} and {@link #close()}.
 * No JUnit here: benchmarks use this class too. Missing binaries fail with what to run.
 */
public final class PostgresTestServer implements AutoCloseable {
    /** An existing server to use instead of a throwaway cluster, e.g. {@code postgresql://postgres@localhost/test}. */
    public static final String URL_VARIABLE = "SDEMBED_TEST_PG_URL";
    private static final String DATABASE = "sdembed_test";
    private static final String SUPERUSER = "postgres";
    private static final String INSTALL_HINT = "Run scripts/install-prerequisites.sh (installs PostgreSQL and "
            + "pgvector on Debian), or set " + URL_VARIABLE + " to a server with pgvector.";
    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static PostgresTestServer shared;

    private final String url;
    private final Path clusterDir;
    private final List<String> namedSchemas = new ArrayList<>();
    /** How to stop and start a private cluster; null for the shared server. */
    private final Control control;

    /** A cluster's binaries, directory and port: what stopping and starting it again takes. */
    private record Control(Path bin, boolean root, Path dir, int port, boolean durableCommits) {
        Path data() {
            return dir.resolve("data");
        }
    }

    private PostgresTestServer(String url, Path clusterDir) {
        this(url, clusterDir, null);
    }

    private PostgresTestServer(String url, Path clusterDir, Control control) {
        this.url = url;
        this.clusterDir = clusterDir;
        this.control = control;
    }

    /** The JVM-wide server, started on first use. */
    public static synchronized PostgresTestServer shared() {
        if (shared == null) {
            String external = System.getenv(URL_VARIABLE);
            shared = external != null && !external.isBlank() ? useExisting(external.trim()) : startCluster(false);
        }
        return shared;
    }

    /**
     * A cluster of its own, never shared, that the caller may {@link #stop()} and {@link #start()} again on the same
     * port, and must {@link #close()} (which stops and deletes it; so does the JVM's exit). Always a throwaway
     * cluster, even when {@value #URL_VARIABLE} names a server: a test must not stop a server others use.
     */
    public static PostgresTestServer startPrivate() {
        return startCluster(true);
    }

    /** Stops a private cluster at once ({@code pg_ctl -m immediate}), as a crash of the server would. */
    public void stop() {
        Control c = requireControl();
        try {
            run(c.bin(), c.root(), c.dir(), List.of("pg_ctl", "-D", c.data().toString(), "-m", "immediate", "-w",
                    "stop"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot stop the test PostgreSQL cluster in " + c.dir(), e);
        }
    }

    /** Starts a stopped private cluster again on its port; returns once it accepts connections. */
    public void start() {
        Control c = requireControl();
        try {
            pgCtlStart(c.bin(), c.root(), c.dir(), c.data(), socketDir(c.dir().resolve("sock")), c.port(),
                    c.durableCommits());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the test PostgreSQL cluster in " + c.dir() + " again", e);
        }
    }

    /** Stops and deletes a private cluster; the shared server is left alone (it ends with the JVM). */
    @Override
    public void close() {
        if (control != null) {
            stop(control.bin(), control.root(), control.dir());
        }
    }

    private Control requireControl() {
        if (control == null) {
            throw new IllegalStateException("Only a private cluster (startPrivate()) is stopped and started by a test");
        }
        return control;
    }

    /** {@code postgresql://postgres@127.0.0.1:PORT/sdembed_test} (or the external URL). */
    public String url() {
        return url;
    }

    /** The throwaway cluster's directory, or null for an external server. */
    public Path clusterDir() {
        return clusterDir;
    }

    /**
     * A schema name no other test of any JVM uses; the store creates it. On an external server the schemas this JVM
     * named are dropped when it exits; a throwaway cluster goes away whole.
     */
    public String newSchema(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String schema = "t_" + clean + "_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
        if (clusterDir == null) {
            synchronized (namedSchemas) {
                if (namedSchemas.isEmpty()) {
                    Runtime.getRuntime().addShutdownHook(new Thread(this::dropNamedSchemas, "sdembed-pg-test-drop"));
                }
                namedSchemas.add(schema);
            }
        }
        return schema;
    }

    private void dropNamedSchemas() {
        List<String> schemas;
        synchronized (namedSchemas) {
            schemas = List.copyOf(namedSchemas);
        }
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String schema : schemas) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        } catch (SQLException e) {
            System.err.println("Could not drop test schemas " + schemas + ": " + e.getMessage());
        }
    }

    /** A plain JDBC connection (autocommit) as the URL's user, for test checks and fault injection. */
    public Connection connect() throws SQLException {
        return connect(null);
    }

    /** As {@link #connect()}, to {@code database} (null: the URL's) of the same server. */
    public Connection connect(String database) throws SQLException {
        URI u = uri();
        Properties p = new Properties();
        if (u.getRawUserInfo() != null) {
            String[] userInfo = u.getRawUserInfo().split(":", 2);
            p.setProperty("user", URLDecoder.decode(userInfo[0], StandardCharsets.UTF_8));
            if (userInfo.length == 2) {
                p.setProperty("password", URLDecoder.decode(userInfo[1], StandardCharsets.UTF_8));
            }
        }
        p.setProperty("ApplicationName", "sdembed-test-support");
        String jdbc = "jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort())
                + (database == null ? u.getRawPath() : "/" + database)
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        return DriverManager.getConnection(jdbc, p);
    }

    /** This server's URL with {@code database} instead of its own, same role and password. */
    public String url(String database) {
        URI u = uri();
        return "postgresql://" + (u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@") + u.getHost() + ":"
                + (u.getPort() < 0 ? 5432 : u.getPort()) + "/" + database;
    }

    /**
     * Creates a database no other test of any JVM uses, with pgvector when {@code withPgvector}, and returns its
     * name; dropped when this JVM exits (a throwaway cluster goes away whole).
     */
    public String newDatabase(String prefix, boolean withPgvector) throws SQLException {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String database = "d_" + clean + "_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + database);
        }
        if (withPgvector) {
            try (Connection c = connect(database); Statement st = c.createStatement()) {
                st.execute("CREATE EXTENSION vector");
            }
        }
        if (clusterDir == null) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (Connection c = connect(); Statement st = c.createStatement()) {
                    st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
                } catch (SQLException e) {
                    System.err.println("Could not drop test database " + database + ": " + e.getMessage());
                }
            }, "sdembed-pg-test-drop-" + database));
        }
        return database;
    }

    /** postgresql://user[:password]@host[:port]/db[?params], the form this class makes and SDEMBED_TEST_PG_URL takes. */
    private URI uri() {
        return URI.create(url.replaceFirst("^(?i)jdbc:", "").replaceFirst("^(?i)postgres(ql)?://", "postgresql://"));
    }

    private static PostgresTestServer useExisting(String url) {
        PostgresTestServer server = new PostgresTestServer(url, null);
        try (Connection c = server.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS vector");
        } catch (SQLException e) {
            throw new IllegalStateException(URL_VARIABLE + " server " + url.replaceAll(":[^:/@]*@", ":***@")
                    + " cannot be used with pgvector: " + e.getMessage() + ". " + INSTALL_HINT, e);
        }
        return server;
    }

    /**
     * Starts a cluster. The shared one runs without durability (nothing in it must survive); a private one commits
     * durably, since its test stops it at once and expects every commit it saw to be there after the restart (the
     * WAL reaches the operating system before a commit returns; fsync stays off, the machine does not crash).
     */
    private static PostgresTestServer startCluster(boolean isPrivate) {
        boolean durableCommits = isPrivate;
        Path bin = findBinaries();
        checkPgvector(bin);
        Path base = Path.of(System.getProperty("sdembed.test.pg.dir", "target/pg-test")).toAbsolutePath();
        try {
            Files.createDirectories(base);
            removeAbandonedClusters(bin, base);
            boolean root = isRoot();
            Path dir;
            if (!root || reachableBy(SUPERUSER, base)) {
                dir = Files.createTempDirectory(base, ProcessHandle.current().pid() + "-");
            } else {
                // The postgres user must reach the data directory, and a checkout under /root is not reachable:
                // the cluster goes to the temporary directory, and a marker under base lets the next start find it
                // if this JVM is killed.
                dir = Files.createTempDirectory("sdembed-pg-test-");
                Files.writeString(base.resolve(dir.getFileName() + ".location"), dir.toString());
            }
            Files.writeString(dir.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
            Path data = dir.resolve("data");
            Path sockets = dir.resolve("sock");
            Files.createDirectories(sockets);
            if (root) {
                UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(SUPERUSER);
                Files.setOwner(dir, owner);
                Files.setOwner(sockets, owner);
            }
            run(bin, root, dir, List.of("initdb", "-D", data.toString(), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                    "--locale=C", "--no-sync"));
            int port = start(bin, root, dir, data, sockets, durableCommits);
            Path cluster = dir;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(bin, root, cluster), "sdembed-pg-test-stop"));
            Control control = isPrivate ? new Control(bin, root, dir, port, durableCommits) : null;
            String adminUrl = "postgresql://" + SUPERUSER + "@127.0.0.1:" + port + "/postgres";
            try (Connection c = new PostgresTestServer(adminUrl, dir).connect(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + DATABASE);
            }
            PostgresTestServer server = new PostgresTestServer("postgresql://" + SUPERUSER + "@127.0.0.1:" + port + "/"
                    + DATABASE, dir, control);
            try (Connection c = server.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE EXTENSION vector");
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a test PostgreSQL cluster under " + base + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException("The test PostgreSQL cluster started but cannot be set up: " + e.getMessage()
                    + ". " + INSTALL_HINT, e);
        }
    }

    private static int start(Path bin, boolean root, Path dir, Path data, Path sockets, boolean durableCommits)
            throws IOException {
        String socketDir = socketDir(sockets);
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            try {
                pgCtlStart(bin, root, dir, data, socketDir, port, durableCommits);
                return port;
            } catch (IOException e) {
                // Another process may have taken the port between probing and binding.
                last = e;
            }
        }
        throw last;
    }

    /**
     * The socket path ("<dir>/.s.PGSQL.<port>") must fit sun_path (107 bytes); tests connect over TCP anyway, so a
     * directory too deep for it just means no Unix socket.
     */
    private static String socketDir(Path sockets) {
        return sockets.toString().length() + 15 <= 107 ? sockets.toString() : "";
    }

    private static void pgCtlStart(Path bin, boolean root, Path dir, Path data, String socketDir, int port,
                                   boolean durableCommits) throws IOException {
        run(bin, root, dir, List.of("pg_ctl", "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
                "-w", "-t", "120", "-o", "-p " + port + " -k '" + socketDir + "' -c listen_addresses=127.0.0.1"
                        + " -c fsync=off -c synchronous_commit=" + (durableCommits ? "on" : "off")
                        + " -c full_page_writes=off"
                        + " -c max_connections=200 -c shared_buffers=256MB", "start"));
    }

    private static void stop(Path bin, boolean root, Path dir) {
        if (!Files.isDirectory(dir)) {
            // A private cluster closed before the JVM's exit.
            return;
        }
        try {
            if (Files.exists(dir.resolve("data/postmaster.pid"))) {
                // Not when a test left its private cluster stopped.
                run(bin, root, dir, List.of("pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w",
                        "stop"));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("Could not stop the test PostgreSQL cluster in " + dir + ": " + e.getMessage());
        }
        try {
            TestPaths.deleteTree(dir);
        } catch (IOException e) {
            System.err.println("Could not delete " + dir + ": " + e.getMessage());
        }
    }

    private static void removeAbandonedClusters(Path bin, Path base) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.list(base)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p)) {
                    dirs.add(p);
                } else if (p.getFileName().toString().endsWith(".location")) {
                    Path elsewhere = Path.of(Files.readString(p).trim());
                    if (Files.isDirectory(elsewhere)) {
                        dirs.add(elsewhere);
                    } else {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        for (Path dir : dirs) {
            Path owner = dir.resolve("owner.pid");
            long pid;
            try {
                pid = Long.parseLong(Files.readString(owner).trim());
            } catch (IOException | NumberFormatException e) {
                continue;
            }
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            if (Files.exists(dir.resolve("data/postmaster.pid"))) {
                stop(bin, isRoot(), dir);
            } else {
                TestPaths.deleteTree(dir);
            }
            Files.deleteIfExists(base.resolve(dir.getFileName() + ".location"));
        }
    }

    private static Path findBinaries() {
        String configured = System.getenv("SDEMBED_PG_BIN");
        if (configured != null && Files.isExecutable(Path.of(configured, "initdb"))) {
            return Path.of(configured);
        }
        Path versions = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(versions)) {
            try (Stream<Path> s = Files.list(versions)) {
                List<Path> found = s.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                        .sorted(Comparator.comparingInt(PostgresTestServer::majorVersion).reversed())
                        .toList();
                if (!found.isEmpty()) {
                    return found.get(0);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!p.isEmpty() && Files.isExecutable(Path.of(p, "initdb")) && Files.isExecutable(Path.of(p, "pg_ctl"))) {
                return Path.of(p);
            }
        }
        throw new IllegalStateException("No PostgreSQL server binaries (initdb, pg_ctl) found in /usr/lib/postgresql/*/bin "
                + "or on PATH. " + INSTALL_HINT);
    }

    private static int majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void checkPgvector(Path bin) {
        String share;
        try {
            share = output(List.of(bin.resolve("pg_config").toString(), "--sharedir")).trim();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run " + bin.resolve("pg_config") + ": " + e.getMessage() + ". "
                    + INSTALL_HINT, e);
        }
        Path control = Path.of(share, "extension", "vector.control");
        if (!Files.exists(control)) {
            throw new IllegalStateException("pgvector is not installed for the PostgreSQL server in " + bin + " (no "
                    + control + "). " + INSTALL_HINT);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Whether {@code user} can reach {@code dir} (search permission on it and every parent). */
    private static boolean reachableBy(String user, Path dir) {
        try {
            Process p = new ProcessBuilder("runuser", "-u", user, "--", "test", "-x", dir.toString())
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void run(Path bin, boolean root, Path dir, List<String> command) throws IOException {
        List<String> full = new ArrayList<>();
        if (root) {
            full.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
        }
        full.add(bin.resolve(command.get(0)).toString());
        full.addAll(command.subList(1, command.size()));
        Path log = dir.resolve("commands.log");
        ProcessBuilder pb = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", full) + " did not finish in 180 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while running " + command.get(0), e);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        Files.writeString(log, "$ " + String.join(" ", full) + "\n" + text, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        if (p.exitValue() != 0) {
            String serverLog = "";
            Path server = dir.resolve("server.log");
            if (Files.exists(server)) {
                List<String> lines = Files.readAllLines(server);
                serverLog = "\nserver.log:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            }
            throw new IOException(command.get(0) + " failed with exit code " + p.exitValue() + ":\n" + text + serverLog);
        }
    }

    private static String output(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
