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
        assertThat(run.errLines()).containsExactly("sdembed: --progress-interval is -1.0; expected 0.1 to 86400"
                + " seconds");
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
