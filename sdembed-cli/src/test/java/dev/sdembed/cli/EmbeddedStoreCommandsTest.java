package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** index, search, similar, duplicates and stats on the embedded store: no server, one folder. */
class EmbeddedStoreCommandsTest {
    private static final String[] PROMPTS = {"a red fox in the snow", "portrait of an astronaut, oil painting",
            "a castle on a hill at sunset", "a bowl of fruit, still life"};
    private static Path library;
    private static Path config;
    private static Path storeDir;

    @BeforeAll
    static void indexIntoAFileUrl() throws IOException {
        library = TestPaths.targetDir("embedded-library");
        for (int i = 0; i < PROMPTS.length; i++) {
            SdTestImages.a1111(library.resolve("img-" + i + ".png"), 48, 500 + i, PROMPTS[i], "blurry");
        }
        Files.copy(library.resolve("img-3.png"), library.resolve("copy-of-3.png"), StandardCopyOption.REPLACE_EXISTING);
        config = IndexFixtures.config("embedded", IndexFixtures.vision("embedded-vision", 21), null);
        storeDir = TestPaths.targetDir("embedded-store");
        try (Stream<Path> old = Files.list(storeDir)) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        CliRun run = CliRun.of("index", "--config", config.toString(), "--store", storeDir.toUri().toString(),
                "--json-summary", library.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(storeDir.resolve("sdembed.db")).isRegularFile();
    }

    /** Queries name the same store as a plain folder path. */
    private static List<JsonNode> query(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config.toString(), "--store", storeDir.toString()));
        CliRun run = CliRun.of(all.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> out = new ArrayList<>();
        for (String l : run.outLines()) {
            out.add(Json.MAPPER.readTree(l));
        }
        return out;
    }

    @Test
    void searchPrintsEachHitsFilePathAndScore() throws IOException {
        List<JsonNode> hits = query("search", "--text", "an astronaut portrait painted in oils", "-k", "3", "--json");
        assertThat(hits).hasSize(3);
        assertThat(hits.get(0).get("path").asText()).isEqualTo(library.resolve("img-1.png").toString());
        assertThat(hits.get(0).get("prompt").asText()).isEqualTo(PROMPTS[1]);
        assertThat(hits.get(0).get("score").asDouble()).isGreaterThan(hits.get(1).get("score").asDouble());
    }

    @Test
    void similarAndDuplicatesFindTheCopy() throws IOException {
        List<JsonNode> hits = query("similar", library.resolve("img-3.png").toString(), "-k", "2", "--json");
        assertThat(hits.get(0).get("path").asText()).isEqualTo(library.resolve("copy-of-3.png").toString());
        assertThat(hits.get(0).get("score").asDouble()).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        List<JsonNode> groups = query("duplicates", "--by", "image", "--threshold", "0.999", "--json");
        assertThat(groups).hasSize(1);
        assertThat(groups.get(0).get("paths")).extracting(JsonNode::asText).containsExactlyInAnyOrder(
                library.resolve("img-3.png").toString(), library.resolve("copy-of-3.png").toString());
    }

    @Test
    void statsCountTheIndexedLibrary() throws IOException {
        JsonNode stats = query("stats", "--json").get(0);
        assertThat(stats.get("images").asLong()).isEqualTo(5);
        assertThat(stats.get("imageContents").asLong()).isEqualTo(4);
        assertThat(stats.get("textContents").asLong()).as("4 prompts and one negative").isEqualTo(5);
    }

    @Test
    void schemaIsRefusedForTheEmbeddedStore() {
        CliRun run = CliRun.of("stats", "--config", config.toString(), "--store", storeDir.toString(), "--schema", "x");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("applies to PostgreSQL stores only; the embedded store in");
    }
}
