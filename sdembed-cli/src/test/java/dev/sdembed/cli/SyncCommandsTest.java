package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.cli.samples.SampleLibrary;
import dev.sdembed.testing.ChildJvm;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the command line says about keeping a store true to its folders (issue 18), on the embedded store: index
 * --prune and its report, duplicates --by and what each compares, and watch stopped by Ctrl-C. What the store holds
 * afterwards is tested on both stores by {@code LibrarySyncContract}.
 */
class SyncCommandsTest {
    private static final Path CONFIG = IndexFixtures.config("sync-commands", null, null);

    private static CliRun cli(Path store, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", CONFIG.toString(), "--store", store.toString()));
        return CliRun.of(all.toArray(String[]::new));
    }

    private static List<JsonNode> jsonLines(CliRun run, String field) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : run.outLines()) {
            if (line.startsWith("{\"" + field + "\"")) {
                out.add(Json.MAPPER.readTree(line));
            }
        }
        return out;
    }

    @Test
    void indexReportsVanishedFilesAndPrunesThemWithoutTouchingAMissingRoot() throws IOException {
        Path work = TestPaths.emptyDir(TestPaths.targetDir("sync-commands/prune"));
        Path lib = work.resolve("lib");
        Path drive = work.resolve("drive");
        for (int i = 0; i < 6; i++) {
            SdTestImages.a1111(lib.resolve("img-" + i + ".png"), 16, 100 + i, "prompt " + (i % 3), null);
        }
        SdTestImages.a1111(drive.resolve("on-drive.png"), 16, 200, "on the drive", null);
        Path store = work.resolve("store");
        assertThat(cli(store, "index", lib.toString(), drive.toString()).exitCode()).isZero();

        Files.delete(lib.resolve("img-0.png"));
        Files.delete(lib.resolve("img-1.png"));
        Files.createDirectories(lib.resolve("renamed"));
        Files.move(lib.resolve("img-2.png"), lib.resolve("renamed/img-2-renamed.png"));
        Files.move(drive, work.resolve("unplugged"));

        CliRun reported = cli(store, "index", lib.toString(), drive.toString());
        assertThat(reported.exitCode()).as(reported.err()).isZero();
        assertThat(reported.out()).contains("Vanished: 3 indexed files are gone from the folders walked (1 found at a"
                + " new path); their records stay: run with --prune to remove them");
        assertThat(reported.errLines()).contains("sdembed: root " + drive + " is missing or empty; nothing under it is"
                + " pruned");

        CliRun pruned = cli(store, "index", lib.toString(), drive.toString(), "--prune");
        assertThat(pruned.exitCode()).as(pruned.err()).isZero();
        List<JsonNode> vanished = jsonLines(pruned, "vanished");
        assertThat(vanished).extracting(v -> v.get("vanished").asText()).containsExactlyInAnyOrder(
                lib.resolve("img-0.png").toString(), lib.resolve("img-1.png").toString(),
                lib.resolve("img-2.png").toString());
        assertThat(vanished).allSatisfy(v -> assertThat(v.get("removed").asBoolean()).isTrue());
        assertThat(pruned.out()).contains("Vanished: 3 indexed files are gone from the folders walked: 0 moved, 3"
                + " removed").as("the renamed file got its record in the run before, which did not prune");

        Files.move(lib.resolve("img-3.png"), lib.resolve("renamed/img-3-renamed.png"));
        CliRun moved = cli(store, "index", lib.toString(), drive.toString(), "--prune", "--json-summary");
        JsonNode summary = IndexFixtures.summary(moved);
        assertThat(summary.get("vanished").asLong()).isEqualTo(1);
        assertThat(summary.get("moved").asLong()).isEqualTo(1);
        assertThat(summary.get("removed").asLong()).isZero();
        assertThat(summary.get("rootsNotScanned")).extracting(JsonNode::asText).containsExactly(drive.toString());
        assertThat(jsonLines(moved, "vanished")).singleElement().satisfies(v -> assertThat(v.get("movedTo").asText())
                .isEqualTo(lib.resolve("renamed/img-3-renamed.png").toString()));
        assertThat(summary.get("slots").get(IndexFixtures.TEXT_SLOT).get("encoderCalls").asLong())
                .as("a rename embeds nothing").isZero();

        JsonNode stats = Json.MAPPER.readTree(cli(store, "stats", "--json").out());
        assertThat(stats.get("images").asLong()).as("4 files in lib, 1 on the unplugged drive").isEqualTo(5);
    }

    @Test
    void duplicatesSayWhatTheyCompareAndPixelsIsTheDefault() throws IOException {
        Path work = TestPaths.emptyDir(TestPaths.targetDir("sync-commands/duplicates"));
        Path samples = work.resolve("samples");
        SampleLibrary.generate(samples);
        Path store = work.resolve("store");
        assertThat(cli(store, "index", samples.toString(), "--no-pixel-hash").exitCode()).isZero();

        CliRun unhashed = cli(store, "duplicates");
        assertThat(unhashed.exitCode()).as(unhashed.err()).isZero();
        assertThat(unhashed.errLines()).containsExactly("sdembed: 48 indexed images have no pixel hash yet (indexed"
                + " before pixel hashes, or with --no-pixel-hash) and were not compared; index their folders again to"
                + " add it (nothing is embedded again)");

        CliRun backfill = cli(store, "index", samples.toString());
        assertThat(backfill.out()).as("48 files, 8 of them byte copies").contains("Pixel hashes: added for 40 distinct"
                + " images indexed before (duplicates --by pixels)");
        CliRun pixels = cli(store, "duplicates");
        assertThat(pixels.errLines()).isEmpty();
        assertThat(pixels.outLines().get(0)).isEqualTo("16 groups of the same picture (pixel hashes at most 6 of 64 bits"
                + " apart), by pixels");
        CliRun files = cli(store, "duplicates", "--by", "file", "--json");
        assertThat(jsonLines(files, "by")).hasSize(8).allSatisfy(g -> {
            assertThat(g.get("by").asText()).isEqualTo("file");
            assertThat(g.get("lowestLink").asDouble()).isEqualTo(1.0);
            assertThat(g.get("paths").toString()).as("a sample and its copy").contains("/copies/");
        });
        // The filters pick the images that take part: in the copies' folder alone no file has a copy.
        CliRun inCopies = cli(store, "duplicates", "--by", "file", "--folder", samples.resolve("copies").toString());
        assertThat(inCopies.exitCode()).as(inCopies.err()).isZero();
        assertThat(inCopies.outLines()).hasSize(1);
        assertThat(inCopies.outLines().get(0)).startsWith("0 groups of identical files (the same bytes), by file; only");
        assertThat(cli(store, "duplicates", "--distinct", "file").errLines()).containsExactly("sdembed: Distinct applies"
                + " to duplicates by image or by prompt, not by pixels");
        assertThat(cli(store, "duplicates", "--by", "file", "--min-score", "0.5").errLines()).containsExactly(
                "sdembed: A minimum score applies to duplicates by image or by prompt, not by file (identical files)");
        CliRun prompts = cli(store, "duplicates", "--by", "prompt", "--threshold", "0.99");
        assertThat(prompts.outLines().get(0)).contains("groups of similar prompts (prompt embeddings at least 0.990"
                + " similar, slot prompt_bge (text, 384-d, bge-small-en-v1.5); often different pictures), by prompt");

        CliRun noImageSlot = cli(store, "duplicates", "--by", "image");
        assertThat(noImageSlot.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noImageSlot.errLines()).containsExactly("sdembed: Duplicates by image need an image slot (a CLIP"
                + " vision model in --config); without one, by pixels finds the same picture and by prompt similar"
                + " prompts");
        CliRun thresholdForPixels = cli(store, "duplicates", "--threshold", "0.9");
        assertThat(thresholdForPixels.errLines()).containsExactly("sdembed: --threshold applies to --by image or --by"
                + " prompt (embeddings); duplicates by pixels take --max-distance BITS");
        assertThat(cli(store, "duplicates", "--max-distance", "8").errLines()).containsExactly("sdembed: --max-distance"
                + " is 8; expected 0 to 7");
        assertThat(cli(store, "duplicates", "--by", "shape").errLines()).containsExactly("sdembed: Duplicates by"
                + " 'shape' is unknown; expected file, pixels, image or prompt");
    }

    /**
     * The watch as a user runs it: it syncs the folder, picks up a file added while it runs, and Ctrl-C (a real
     * SIGINT) ends it after the batches in flight, with a line saying what it did.
     */
    @Test
    void watchSyncsAnAddedFileAndCtrlCPrintsWhatItDid() throws Exception {
        Path work = TestPaths.emptyDir(TestPaths.targetDir("sync-commands/watch"));
        Path lib = work.resolve("lib");
        for (int i = 0; i < 3; i++) {
            SdTestImages.a1111(lib.resolve("img-" + i + ".png"), 16, 300 + i, "watched prompt " + i, null);
        }
        Path store = work.resolve("store");
        try (ChildJvm child = ChildJvm.start(SdembedCommand.class, "watch", lib.toString(), "--config",
                CONFIG.toString(), "--store", store.toString(), "--debounce", "200ms")) {
            child.awaitLine("sdembed: watching 1 folders under [" + lib + "]; changes are synced 200 ms after they"
                    + " settle, everything rescanned every 10 min; Ctrl-C stops", Duration.ofMinutes(2));
            child.awaitLineContaining("] start (3 files): 3 indexed, 0 skipped, 0 failed, 0 vanished",
                    Duration.ofMinutes(1));
            Path added = SdTestImages.a1111(work.resolve("img-3.png"), 16, 303, "added while watched", null);
            Files.move(added, lib.resolve("img-3.png"));
            child.awaitLineContaining("] 1 change: 1 indexed, 0 skipped, 0 failed, 0 vanished", Duration.ofMinutes(1));
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(child.process().pid())).start();
            assertThat(kill.waitFor()).isZero();
            assertThat(child.awaitExit(Duration.ofMinutes(1))).as("ended by SIGINT").isEqualTo(130);
            assertThat(child.lines()).anySatisfy(l -> assertThat(l).matches("Watched for 0:\\d\\d:\\d\\d: 2 syncs, 4"
                    + " indexed, 0 failed, 0 vanished \\(0 moved, 0 removed\\)"));
        }
        JsonNode stats = Json.MAPPER.readTree(cli(store, "stats", "--json").out());
        assertThat(stats.get("images").asLong()).isEqualTo(4);
    }
}
