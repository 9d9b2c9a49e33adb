package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.runtime.LoadedSlots;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.store.postgres.PostgresEmbeddingStore;
import dev.sdembed.testing.ChildJvm;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL server going away in the middle of {@code sdembed index} (issue 17, item 15): the command ends with
 * one line naming the store, no stack trace, no pool warning and no password, and a rerun once the server is back
 * completes the library with the store consistent. The server is a cluster of this test's own, stopped and started
 * again by the test; the command runs as a child JVM, as a user runs it.
 */
class StoreOutageTest {
    private static final String PASSWORD = "Pw4outage-test";

    @Test
    void aServerStoppedMidRunEndsTheCommandWithOneLineAndARerunCompletes() throws Exception {
        Path library = library();
        Path config = IndexFixtures.config("outage", null, null);
        try (PostgresTestServer pg = PostgresTestServer.startPrivate()) {
            // The cluster trusts local connections: the password is sent nowhere, and must be printed nowhere.
            String url = pg.url().replace("postgresql://postgres@", "postgresql://postgres:" + PASSWORD + "@");
            String schema = "outage";
            String where = "postgresql://postgres:***@127.0.0.1:" + port(pg.url()) + "/sdembed_test (schema " + schema
                    + ")";
            int exit;
            List<String> errors;
            List<String> output;
            try (ChildJvm child = ChildJvm.startWithSeparateErrors(SdembedCommand.class, "index", "--config",
                    config.toString(), "--store", url, "--schema", schema, "--batch-size", "4", "--json-summary",
                    library.toString())) {
                awaitCommitted(pg, schema, Duration.ofMinutes(2));
                pg.stop();
                exit = child.awaitExit(Duration.ofMinutes(2));
                errors = child.errorLines();
                output = child.lines();
            }

            List<String> problems = errors.stream().filter(l -> !l.startsWith("sdembed: slots: ")
                    && !l.startsWith("sdembed: no image slot") && !l.startsWith("sdembed: progress ")).toList();
            assertThat(problems).as("everything on stderr:\n%s", String.join("\n", errors)).singleElement()
                    .asString().startsWith("sdembed: Lost the connection to PostgreSQL at " + where + " while ");
            assertThat(String.join("\n", errors) + String.join("\n", output)).doesNotContain(PASSWORD)
                    .doesNotContain("\tat ").doesNotContain("WARN").doesNotContain("Exception in thread");
            assertThat(output).as("no summary: the run did not end").isEmpty();
            assertThat(exit).isEqualTo(ExitCodes.USAGE);

            pg.start();
            long committed;
            try (PostgresEmbeddingStore store = open(config, url, schema)) {
                assertThat(store.checkInvariants().isConsistent()).isTrue();
                committed = store.stats().images();
            }
            assertThat(committed).as("the outage came mid-run").isBetween(1L, 599L);
            CliRun rerun = CliRun.of("index", "--config", config.toString(), "--store", url, "--schema", schema,
                    "--json-summary", library.toString());
            assertThat(rerun.exitCode()).as(rerun.err()).isZero();
            var summary = IndexFixtures.summary(rerun);
            assertThat(summary.get("skipped").asLong()).isEqualTo(committed);
            assertThat(summary.get("indexed").asLong()).isEqualTo(600 - committed);
            try (PostgresEmbeddingStore store = open(config, url, schema)) {
                assertThat(store.checkInvariants().isConsistent()).as(store.checkInvariants().toString()).isTrue();
                assertThat(store.stats().images()).isEqualTo(600);
                assertThat(store.stats().textContents()).as("200 prompts and a negative").isEqualTo(201);
            }
        }
    }

    /** 600 small A1111 PNGs over 200 prompts: a run of several seconds with the real bge-small. */
    private static Path library() {
        Path library = TestPaths.targetDir("outage-library");
        for (int i = 0; i < 600; i++) {
            Path file = library.resolve("img-" + i + ".png");
            if (!Files.exists(file)) {
                SdTestImages.a1111(file, 8, 3000 + i, "outage prompt " + (i % 200) + ", harbour at night",
                        "lowres");
            }
        }
        return library;
    }

    private static int port(String url) {
        return java.net.URI.create(url).getPort();
    }

    /** Waits until the indexing process has committed its first batch. */
    private static void awaitCommitted(PostgresTestServer pg, String schema, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Connection c = pg.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM " + schema + ".images")) {
                if (rs.next() && rs.getLong(1) > 0) {
                    return;
                }
            } catch (SQLException notYetCreated) {
                // The store creates its schema when the command has loaded its models.
            }
            LockSupport.parkNanos(20_000_000L);
        }
        throw new AssertionError("The indexing process committed nothing within " + timeout);
    }

    private static PostgresEmbeddingStore open(Path config, String url, String schema) {
        try (LoadedSlots slots = LoadedSlots.load(SdembedConfig.read(config), Sdembed.Usage.QUERIES)) {
            return PostgresEmbeddingStore.builder().url(url).schema(schema).slots(slots.specs()).build();
        }
    }
}
