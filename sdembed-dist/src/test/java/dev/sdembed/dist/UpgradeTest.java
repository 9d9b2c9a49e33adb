package dev.sdembed.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.ReleaseArchive;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stores that earlier releases wrote open in this release: for every folder of {@code store-fixtures/} (one per
 * earlier release, written by {@code scripts/write-store-fixtures.sh} with that release's code), the embedded and the
 * PostgreSQL store are rebuilt as that release left them, and the unpacked CPU archive of this build indexes the
 * sample library into them, reusing the embeddings they hold, and searches them.
 */
class UpgradeTest {
    /** Where a fixture's 12 images were when their release indexed them. */
    private static final String PREVIOUS_SAMPLES = "/previous-release/samples/";

    static Stream<Path> earlierReleases() throws IOException, URISyntaxException {
        Path fixtures = Path.of(UpgradeTest.class.getResource("/store-fixtures").toURI());
        try (Stream<Path> s = Files.list(fixtures)) {
            List<Path> releases = s.filter(Files::isDirectory).sorted().toList();
            assertThat(releases).as("store fixtures in " + fixtures).isNotEmpty();
            return releases.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("earlierReleases")
    void theArchiveSearchesAndIndexesIntoAnEmbeddedStoreOfAnEarlierRelease(Path release) throws Exception {
        ReleaseArchive archive = UnpackedArchive.cpu();
        Path work = archive.newFolder("upgrade-embedded-" + release.getFileName());
        Path db = Files.createDirectories(work.resolve("previous-store")).resolve("sdembed.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            // sqlite-jdbc runs every statement of the script (sqlite3_exec).
            st.executeUpdate(Files.readString(release.resolve("embedded-store.sql")));
        }

        checkUpgrade(archive, work, "previous-store", () -> {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
                return counts(c, "");
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("earlierReleases")
    void theArchiveSearchesAndIndexesIntoAPostgresStoreOfAnEarlierRelease(Path release) throws Exception {
        ReleaseArchive archive = UnpackedArchive.cpu();
        Path work = archive.newFolder("upgrade-postgres-" + release.getFileName());
        PostgresTestServer server = PostgresTestServer.shared();
        String database = server.newDatabase("upgrade", true);
        try (Connection c = server.connect(database); Statement st = c.createStatement()) {
            // The dump's statements (pg_dump --inserts), run as one script.
            st.execute(Files.readString(release.resolve("postgres-store.sql")));
        }

        checkUpgrade(archive, work, server.url(database), () -> {
            try (Connection c = server.connect(database)) {
                return counts(c, "sdembed.");
            }
        });
    }

    /** Texts and image records in a store. */
    private record Counts(long texts, long images) {
    }

    @FunctionalInterface
    private interface CountReader {
        Counts read() throws SQLException;
    }

    private static Counts counts(Connection c, String schemaPrefix) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM " + schemaPrefix + "text_contents), "
                     + "(SELECT count(*) FROM " + schemaPrefix + "images)")) {
            rs.next();
            return new Counts(rs.getLong(1), rs.getLong(2));
        }
    }

    /**
     * Indexes the sample library into the earlier release's store, which opens it for writing (and applies whatever
     * migrations this release has that it lacks: a read-only open refuses a store that lacks some), then searches it.
     */
    private static void checkUpgrade(ReleaseArchive archive, Path work, String store, CountReader counts)
            throws Exception {
        Counts before = counts.read();
        ReleaseArchive.Run samples = archive.run(work, "samples", "samples");
        assertThat(samples.exitCode()).as(samples.describe()).isZero();

        ReleaseArchive.Run index = archive.run(work, "index", "samples", "--store", store, "--json-summary");

        assertThat(index.exitCode()).as(index.describe()).isZero();
        JsonNode summary = ReleaseArchiveTest.JSON.readTree(index.outLines().get(index.outLines().size() - 1));
        assertThat(summary.get("indexed").asInt()).isEqualTo(48);
        Counts after = counts.read();
        assertThat(after.images()).isEqualTo(before.images() + 48);
        // Only the texts the earlier release had not embedded were embedded now: its embeddings are reused.
        long computed = summary.at("/slots/prompt_bge/computed").asLong();
        assertThat(computed).isEqualTo(after.texts() - before.texts()).isLessThan(after.texts());

        // The earlier release's images are found beside the new ones (same prompts, so the same scores).
        ReleaseArchive.Run search = archive.run(work, "search", "--text", "a castle at night", "-k", "8", "--store",
                store);
        assertThat(search.exitCode()).as(search.describe()).isZero();
        assertThat(search.out()).contains(PREVIOUS_SAMPLES + "castle-01.png").contains(PREVIOUS_SAMPLES
                + "castle-02.png").contains("  samples/castle-01.png").contains("  samples/castle-02.png");
    }
}
