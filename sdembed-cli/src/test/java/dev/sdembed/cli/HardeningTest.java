package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.store.postgres.PostgresUrl;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hostile input and faults at the command line (issue 17): one clear line each, nothing else lost or shown. */
class HardeningTest {

    @Test
    void aPasswordWithAnUnescapedAtSignNeverReachesAnyOutput() throws IOException {
        String url = "postgresql://sd:Zq7@Wx4@127.0.0.1:1/lib";
        String config = bgeConfig("hardening-at").toString();
        for (String[] args : new String[][] {{"stats", "--config", config, "--store", url},
            {"stats", "--verbose", "--config", config, "--store", url}}) {
            CliRun run = CliRun.of(args);

            assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.out() + run.err()).doesNotContain("Zq7").doesNotContain("Wx4");
            assertThat(run.errLines().get(0)).isEqualTo("sdembed: Store URL 'postgresql://sd:***@127.0.0.1:1/lib' has"
                    + " more than one '@' before the host; a user name or password containing '@' must be written"
                    + " %40 (postgresql://user:p%40ss@host/db), or give the password in SDEMBED_STORE_PASSWORD or"
                    + " PGPASSWORD");
        }
    }

    /** A configuration with the one default slot on the real bge-small. */
    private static Path bgeConfig(String name) throws IOException {
        return Files.writeString(TestPaths.targetDir("hardening").resolve(name + ".json"),
                "{\"slots\": {\"prompt_bge\": {\"model\": \"" + TestModels.bgeSmall() + "\"}}}");
    }

    @Test
    void aMissingConfigurationFileSaysWhyNotJustWhere() {
        Path missing = TestPaths.targetDir("hardening").resolve("no-such-config.json");

        CliRun run = CliRun.of("search", "--text", "x", "--config", missing.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("sdembed: Cannot read configuration " + missing
                + ": no such file or directory");
    }

    @Test
    void queryCommandsWhereThereIsNoStoreSaySoAndCreateNothing() throws IOException {
        Path typo = TestPaths.targetDir("hardening").resolve("sdembedd-data");
        TestPaths.deleteTree(typo);
        Path image = SdTestImages.a1111(TestPaths.targetDir("hardening").resolve("query.png"), 32, 7, "a red fox",
                null);
        String config = bgeConfig("hardening-no-store").toString();
        for (String[] command : new String[][] {{"search", "--text", "fox"}, {"stats"}, {"duplicates"},
            {"similar", image.toString()}}) {
            List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--config", config, "--store", typo.toString()));

            CliRun run = CliRun.of(args.toArray(String[]::new));

            assertThat(run.exitCode()).as(command[0]).isEqualTo(ExitCodes.USAGE);
            assertThat(run.errLines()).as(command[0]).containsExactly("sdembed: No sdembed store at " + typo
                    + " (no sdembed.db there); index a folder first, or give --store");
            assertThat(run.out()).isEmpty();
            assertThat(typo).as("after " + command[0]).doesNotExist();
        }
    }

    @Test
    void queryCommandsOnAPostgresSchemaWithoutAStoreSaySoAndCreateNothing() throws Exception {
        PostgresTestServer server = PostgresTestServer.shared();
        String schema = server.newSchema("hardening_typo");

        CliRun run = CliRun.of("stats", "--config", bgeConfig("hardening-pg").toString(), "--store", server.url(),
                "--schema", schema);

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("sdembed: No sdembed store in schema " + schema + " of "
                + PostgresUrl.parse(server.url()) + " (no such schema); index a folder first, or give --store and"
                + " --schema");
        try (Connection c = server.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).as("schemas named " + schema).isZero();
        }
    }

    @Test
    void aNegativeProgressIntervalIsRefused() {
        CliRun run = CliRun.of("index", "--progress-interval", "-1", TestPaths.targetDir("hardening").toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("sdembed: --progress-interval is -1.0; expected 0 to 86400"
                + " seconds");
    }

    /**
     * Issue 17, item 2: a FIFO given as the root was walked as an empty folder ("Indexed 0 of 0 files", exit 0). It
     * is refused before anything is loaded or opened, saying what it is; a mistyped root creates no store.
     */
    @Test
    void aFifoGivenAsTheRootIsRefusedSayingWhatItIs() throws Exception {
        Path dir = TestPaths.emptyDir(TestPaths.targetDir("hardening-fifo"));
        sh(dir, "mkfifo x.png");
        Path store = dir.resolve("store");

        CliRun run = CliRun.of("index", "--config", bgeConfig("hardening-fifo").toString(), "--store",
                store.toString(), dir.resolve("x.png").toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly("sdembed: Cannot index " + dir.resolve("x.png")
                + ": it is a FIFO (named pipe); give folders or regular image files");
        assertThat(run.out()).isEmpty();
        assertThat(store).doesNotExist();
    }

    /**
     * Issue 17, item 9: a Latin-1 file name ({@code caf\xE9.png}: the byte E9 alone, not valid UTF-8) was reported
     * as "No such file or directory" although it exists, and never indexed. It is indexed, and search shows it
     * under its stored path, the byte written {@code \xE9}.
     */
    @Test
    void aFileNameThatIsNotValidUtf8IsIndexedAndFound() throws Exception {
        Path library = TestPaths.emptyDir(TestPaths.targetDir("hardening-latin1"));
        SdTestImages.a1111(library.resolve("src.png"), 32, 7, "a lighthouse on a latin-1 coast", "blurry");
        SdTestImages.a1111(library.resolve("plain.png"), 32, 8, "a bowl of fruit", "blurry");
        sh(library, "mv src.png \"$(printf 'caf\\351.png')\"");
        Path store = TestPaths.emptyDir(TestPaths.targetDir("hardening-latin1-store"));
        Path config = bgeConfig("hardening-latin1");

        CliRun index = CliRun.of("index", "--config", config.toString(), "--store", store.toString(),
                "--json-summary", library.toString());

        assertThat(index.exitCode()).as(index.out() + index.err()).isZero();
        assertThat(Json.MAPPER.readTree(index.outLines().get(0)).get("indexed").asLong()).isEqualTo(2);
        String stored = library.toAbsolutePath() + "/caf\\xE9.png";
        CliRun search = CliRun.of("search", "--text", "lighthouse", "-k", "1", "--json", "--config",
                config.toString(), "--store", store.toString());
        assertThat(search.exitCode()).as(search.err()).isZero();
        assertThat(Json.MAPPER.readTree(search.outLines().get(0)).get("path").asText()).isEqualTo(stored);
        CliRun readable = CliRun.of("search", "--text", "lighthouse", "-k", "1", "--config", config.toString(),
                "--store", store.toString());
        assertThat(readable.outLines().get(1)).contains("caf\\xE9.png").contains("a lighthouse on a latin-1 coast");
    }

    /**
     * {@code --batch-size} at and past its limits: 0 and 100001 are refused before any model loads or store opens
     * (before, the store was created first); 1 and 100000 index the library whole.
     */
    @Test
    void batchSizesAtTheirLimitsIndexAndPastThemFailAtOnce() throws IOException {
        Path library = TestPaths.emptyDir(TestPaths.targetDir("hardening-batch-size"));
        for (int i = 0; i < 3; i++) {
            SdTestImages.a1111(library.resolve("img-" + i + ".png"), 16, i, "a quiet street " + i, null);
        }
        Path config = bgeConfig("hardening-batch-size");
        for (String size : new String[] {"0", "100001"}) {
            Path store = TestPaths.targetDir("hardening-batch-size-store").resolve("refused-" + size);
            TestPaths.deleteTree(store);
            CliRun run = CliRun.of("index", "--batch-size", size, "--config", config.toString(), "--store",
                    store.toString(), library.toString());
            assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.errLines()).containsExactly("sdembed: --batch-size is " + size + "; expected 1 to 100000");
            assertThat(store).doesNotExist();
        }
        for (String size : new String[] {"1", "100000"}) {
            Path store = TestPaths.emptyDir(TestPaths.targetDir("hardening-batch-size-store").resolve("ok-" + size));
            CliRun run = CliRun.of("index", "--batch-size", size, "--json-summary", "--config", config.toString(),
                    "--store", store.toString(), library.toString());
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(Json.MAPPER.readTree(run.outLines().get(0)).get("indexed").asLong()).isEqualTo(3);
        }
    }

    /** Runs {@code sh -c script} in {@code dir}. */
    private static void sh(Path dir, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    /**
     * Every error is one line without --verbose (issue 17, item 15): a store driver's exception that escaped
     * translation is the store's (exit 2), anything else a bug that says so (exit 70); the stack trace only with
     * --verbose.
     */
    @Test
    void everyErrorIsOneLineAndOnlyVerbosePrintsTheStackTrace() {
        java.io.StringWriter err = new java.io.StringWriter();
        var cli = SdembedCommand.newCommandLine();
        cli.setErr(new java.io.PrintWriter(err, true));

        int store = SdembedCommand.handleException(new IllegalStateException("pool closed",
                new java.sql.SQLException("Connection refused", "08001")), cli, cli.parseArgs("stats"));
        int bug = SdembedCommand.handleException(new IllegalStateException("slot list\nempty"), cli,
                cli.parseArgs("stats"));

        assertThat(store).isEqualTo(ExitCodes.USAGE);
        assertThat(bug).isEqualTo(ExitCodes.SOFTWARE);
        assertThat(err.toString().lines()).containsExactly("sdembed: pool closed",
                "sdembed: internal error: java.lang.IllegalStateException: slot list empty (run again with --verbose"
                        + " for the stack trace)");

        java.io.StringWriter verbose = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(verbose, true));
        SdembedCommand.handleException(new IllegalStateException("x"), cli, cli.parseArgs("stats", "--verbose"));
        assertThat(verbose.toString().lines().toList()).first()
                .isEqualTo("sdembed: internal error: java.lang.IllegalStateException: x");
        assertThat(verbose.toString()).contains("\tat dev.sdembed.cli.HardeningTest");
    }

    @Test
    void aFileNameWithANewlineStaysOnOneLineInReadableOutput() throws IOException {
        Path library = TestPaths.emptyDir(TestPaths.targetDir("hardening-newline"));
        SdTestImages.a1111(library.resolve("two\nlines.png"), 32, 5, "a lighthouse at dusk", "blurry");
        SdTestImages.a1111(library.resolve("plain.png"), 32, 6, "a bowl of fruit", "blurry");
        Path store = TestPaths.emptyDir(TestPaths.targetDir("hardening-newline-store"));
        Path config = bgeConfig("hardening-newline");
        assertThat(CliRun.of("index", "--config", config.toString(), "--store", store.toString(), library.toString())
                .exitCode()).isZero();

        CliRun search = CliRun.of("search", "--text", "lighthouse", "-k", "2", "--config", config.toString(),
                "--store", store.toString());

        assertThat(search.exitCode()).as(search.err()).isZero();
        assertThat(search.outLines()).hasSize(3);
        assertThat(search.outLines().get(1)).contains("two\\nlines.png").contains("a lighthouse at dusk");
        CliRun json = CliRun.of("search", "--text", "lighthouse", "-k", "1", "--json", "--config", config.toString(),
                "--store", store.toString());
        assertThat(Json.MAPPER.readTree(json.outLines().get(0)).get("path").asText()).endsWith("two\nlines.png");
    }
}
