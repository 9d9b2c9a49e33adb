package dev.sdembed.cli;

import dev.sdembed.testing.SdTestImages;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.StoredImage;
import dev.sdembed.testing.ChildJvm;
import dev.sdembed.testing.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of an indexing process mid-run, then a rerun: the store ends exactly as after an uninterrupted
 * run (same records and contents, reference counts exact), because every batch is one transaction and the rerun
 * skips what was committed.
 */
class KillAndResumeTest {

    @Test
    void aRunKilledMidwayAndRerunEqualsAnUninterruptedRun() throws Exception {
        Path library = library("kill-library");
        Path config = IndexFixtures.config("kill", IndexFixtures.vision("kill-vision", 5), null);
        String killed = IndexFixtures.newSchema("killed");
        String reference = IndexFixtures.newSchema("uninterrupted");

        try (ChildJvm child = ChildJvm.start(SdembedCommand.class, "index", "--config", config.toString(), "--store",
                IndexFixtures.storeUrl(), "--schema", killed, "--batch-size", "4", "--progress-interval", "0",
                library.toString())) {
            child.awaitLine("sdembed: progress", Duration.ofMinutes(2));
            child.process().destroyForcibly();
            assertThat(child.awaitExit(Duration.ofSeconds(30))).as("killed by SIGKILL").isEqualTo(137);
        }
        long committedBeforeRerun;
        try (IndexFixtures.Opened o = IndexFixtures.open(config, killed)) {
            committedBeforeRerun = o.store().stats().images();
            assertThat(o.store().checkInvariants().isConsistent()).isTrue();
        }
        assertThat(committedBeforeRerun).as("the kill came mid-run").isBetween(1L, 239L);

        CliRun rerun = IndexFixtures.index(config, killed, library);
        assertThat(rerun.exitCode()).as(rerun.err()).isZero();
        assertThat(IndexFixtures.summary(rerun).get("skipped").asLong()).isEqualTo(committedBeforeRerun);
        assertThat(IndexFixtures.index(config, reference, library).exitCode()).isZero();

        try (IndexFixtures.Opened a = IndexFixtures.open(config, killed);
             IndexFixtures.Opened b = IndexFixtures.open(config, reference)) {
            assertThat(a.store().checkInvariants().isConsistent()).as(a.store().checkInvariants().toString()).isTrue();
            StoreStats resumed = a.store().stats();
            StoreStats whole = b.store().stats();
            assertThat(resumed).isEqualTo(whole);
            assertThat(resumed.images()).isEqualTo(240);
            assertThat(rows(a)).isEqualTo(rows(b));
        }
    }

    /**
     * Ctrl-C (a real SIGINT to the indexing process): the batches in flight are finished and written, the summary
     * says the run stopped early, and a rerun completes to the same store as an uninterrupted run.
     */
    @Test
    void ctrlCFinishesTheBatchesInFlightAndARerunContinues() throws Exception {
        Path library = library("sigint-library");
        Path config = IndexFixtures.config("sigint", IndexFixtures.vision("sigint-vision", 6), null);
        String stopped = IndexFixtures.newSchema("sigint");
        String reference = IndexFixtures.newSchema("sigint_whole");

        String summaryLine;
        try (ChildJvm child = ChildJvm.start(SdembedCommand.class, "index", "--config", config.toString(), "--store",
                IndexFixtures.storeUrl(), "--schema", stopped, "--batch-size", "4", "--progress-interval", "0",
                "--json-summary", library.toString())) {
            child.awaitLine("sdembed: progress", Duration.ofMinutes(2));
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(child.process().pid())).start();
            assertThat(kill.waitFor()).isZero();
            assertThat(child.awaitExit(Duration.ofMinutes(1))).as("ended by SIGINT").isEqualTo(130);
            summaryLine = child.lines().stream().filter(l -> l.startsWith("{\"files\"")).findFirst()
                    .orElseThrow(() -> new AssertionError("no summary printed:\n" + child.output()));
        }
        var summary = Json.MAPPER.readTree(summaryLine);
        assertThat(summary.get("cancelled").asBoolean()).as(summaryLine).isTrue();
        long indexed = summary.get("indexed").asLong();
        try (IndexFixtures.Opened o = IndexFixtures.open(config, stopped)) {
            assertThat(o.store().checkInvariants().isConsistent()).isTrue();
            // Everything the summary counts as indexed was committed: the batches in flight were not dropped.
            assertThat(o.store().stats().images()).isEqualTo(indexed).isBetween(1L, 239L);
        }

        CliRun rerun = IndexFixtures.index(config, stopped, library);
        assertThat(rerun.exitCode()).as(rerun.err()).isZero();
        assertThat(IndexFixtures.summary(rerun).get("skipped").asLong()).isEqualTo(indexed);
        assertThat(IndexFixtures.index(config, reference, library).exitCode()).isZero();
        try (IndexFixtures.Opened a = IndexFixtures.open(config, stopped);
             IndexFixtures.Opened b = IndexFixtures.open(config, reference)) {
            assertThat(a.store().stats()).isEqualTo(b.store().stats());
            assertThat(rows(a)).isEqualTo(rows(b));
        }
    }

    /** 240 small A1111 PNGs in four folders, 30 prompts. */
    private static Path library(String name) {
        Path library = TestPaths.targetDir(name);
        for (int i = 0; i < 240; i++) {
            Path file = library.resolve("p" + (i % 4)).resolve("img-" + i + ".png");
            if (!Files.exists(file)) {
                SdTestImages.a1111(file, 24, 1000 + i, "prompt " + (i % 30) + ", masterpiece", i % 2 == 0 ? "lowres" : null);
            }
        }
        return library;
    }

    /** Every record as comparable text: path, contents, status (ids and the like excluded). */
    private static Set<String> rows(IndexFixtures.Opened o) {
        Set<String> rows = new TreeSet<>();
        String after = null;
        List<StoredImage> page;
        do {
            page = o.store().listImages(null, after, 100);
            for (StoredImage s : page) {
                ImageRecord r = s.record();
                rows.add(String.join("|", r.path(), String.valueOf(r.imageHash()), String.valueOf(r.promptHash()),
                        String.valueOf(r.negativeHash()), r.status().name(), String.valueOf(r.fileSize()),
                        r.modifiedAt().toString(), r.parameters().toString()));
                after = s.path();
            }
        } while (!page.isEmpty());
        return rows;
    }
}
