package dev.sdembed.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `sdembed-spark index` as bin/sdembed-spark runs it, and the job builder's checks and defaults. */
class SdembedSparkCommandTest {
    @TempDir
    Path tmp;

    @AfterEach
    void closeExecutorResources() {
        SparkIndexJob.closeExecutorResources();
    }

    /** Runs the main's command line in-process; returns the exit code, stdout and stderr. */
    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = SdembedSpark.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void indexesInLocalModeAndPrintsTheSummaryAsSdembedIndexDoes() throws Exception {
        Path library = SparkFixtures.library("command", 40);
        String schema = SparkFixtures.newSchema("spark_command");
        String[] text = run("index", library.toString(), "--config", SparkFixtures.config().toString(), "--store",
                SparkFixtures.storeUrl(), "--schema", schema, "--master", "local[2]", "--progress-interval", "1");
        assertThat(text[0]).as(text[2]).isEqualTo("0");
        List<String> lines = text[1].lines().toList();
        assertThat(lines.get(0)).matches("Indexed 40 of 40 files \\(0 skipped, 0 failed\\) in [0-9.]+ s, [0-9.]+"
                + " images/s");
        assertThat(lines.get(1)).matches("  prompt_bge: \\d+ embedded in \\d+ encoder calls, \\d+ cache hits");
        assertThat(lines.get(2)).matches("  image_clip: \\d+ embedded in \\d+ encoder calls, \\d+ cache hits");
        assertThat(lines.get(3)).matches("Vectors stored: \\d+ bytes \\(\\d+ without deduplication, [0-9.]+ % saved\\)");

        String[] json = run("index", library.toString(), "--config", SparkFixtures.config().toString(), "--store",
                SparkFixtures.storeUrl(), "--schema", schema, "--master", "local[2]", "--json-summary");
        assertThat(json[0]).as(json[2]).isEqualTo("0");
        JsonNode summary = new ObjectMapper().readTree(json[1].strip());
        assertThat(summary.path("files").asLong()).isEqualTo(40);
        assertThat(summary.path("indexed").asLong()).isZero();
        assertThat(summary.path("skipped").asLong()).isEqualTo(40);
        assertThat(summary.path("slots").path("image_clip").path("computed").asLong()).isZero();
        assertThat(summary.fieldNames()).toIterable().containsExactly("files", "indexed", "skipped", "failed",
                "imagesEmbedded", "uniqueTexts", "slots", "vectorBytesStored", "vectorBytesWithoutDedup",
                "storageSavedPercent", "wallTimeMs", "imagesPerSecond", "cancelled");
    }

    @Test
    void indexesTheFilesAPathsFileListsLeavingOutThoseThatAreGone() throws Exception {
        Path library = SparkFixtures.library("command", 40);
        StringBuilder paths = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            paths.append(library.resolve("d" + (i % 8)).resolve("img-" + i + ".png")).append('\n');
        }
        paths.append(library.resolve("gone.png")).append('\n');
        Path list = Files.writeString(tmp.resolve("paths.txt"), paths);
        String[] r = run("index", "--paths-file", list.toString(), "--config", SparkFixtures.config().toString(),
                "--store", SparkFixtures.storeUrl(), "--schema", SparkFixtures.newSchema("spark_paths"), "--master",
                "local[1]", "--json-summary");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode summary = new ObjectMapper().readTree(r[1].strip());
        assertThat(summary.path("files").asLong()).isEqualTo(10);
        assertThat(summary.path("indexed").asLong()).isEqualTo(10);
    }

    @Test
    void refusesTheEmbeddedStoreBeforeStartingSpark() {
        String[] r = run("index", tmp.toString(), "--store", tmp.resolve("store").toString(), "--config",
                SparkFixtures.config().toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).isEqualTo("sdembed-spark: The Spark job writes from many executors at once, which the"
                + " embedded store (" + tmp.resolve("store") + ") does not allow: give a PostgreSQL store, --store"
                + " postgresql://user@host:5432/db or store.url in the configuration" + System.lineSeparator());
    }

    @Test
    void refusesNothingToIndexAndBothRootsAndAPathsFile() throws Exception {
        assertThat(run("index", "--store", SparkFixtures.storeUrl())[2])
                .isEqualTo("sdembed-spark: Nothing to index: give folders or a paths file" + System.lineSeparator());
        Path paths = Files.writeString(tmp.resolve("paths.txt"), "a.png\n");
        assertThatThrownBy(() -> SparkIndexJob.builder().roots(List.of(tmp)).pathsFile(paths).build())
                .isInstanceOf(InvalidInputException.class).hasMessage("Give folders or a paths file, not both");
        assertThatThrownBy(() -> SparkIndexJob.builder().pathsFile(tmp.resolve("none.txt")).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Paths file " + tmp.resolve("none.txt") + " does not exist");
    }

    @Test
    void checksItsRanges() {
        assertThatThrownBy(() -> SparkIndexJob.builder().filesPerPartition(0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("filesPerPartition is 0; expected 1 to 1000000");
        assertThatThrownBy(() -> SparkIndexJob.builder().minPartitions(0))
                .isInstanceOf(InvalidInputException.class).hasMessage("minPartitions is 0; expected 1 to 1000000");
        assertThatThrownBy(() -> SparkIndexJob.builder().batchSize(0))
                .isInstanceOf(InvalidInputException.class).hasMessage("batchSize is 0; expected 1 to 100000");
        assertThatThrownBy(() -> SparkIndexJob.builder().progressInterval(java.time.Duration.ofMillis(10)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("progressInterval (ms) is 10; expected 100 to 86400000");
        assertThat(SparkIndexJob.DEFAULT_FILES_PER_PARTITION).isEqualTo(1_000);
    }
}
