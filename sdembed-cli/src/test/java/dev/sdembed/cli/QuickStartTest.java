package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.cli.samples.SampleLibrary;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's quick start, step by step through the command line: samples, index, search, similar, duplicates. */
class QuickStartTest {

    @Test
    void samplesIndexedIntoTheEmbeddedStoreAreFoundByTextAndBySimilarPrompt() throws IOException {
        Path work = TestPaths.targetDir("quickstart");
        Path samples = work.resolve("samples");
        Path store = work.resolve("store");
        TestPaths.deleteTree(store);
        Path config = IndexFixtures.config("quickstart", null, null);

        CliRun generated = CliRun.of("samples", samples.toString());
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        assertThat(generated.out()).startsWith("Wrote 48 sample images to " + samples + ": 32 originals,"
                + " 8 near-duplicates, 8 exact copies;");

        CliRun index = CliRun.of("index", samples.toString(), "--store", store.toString(), "--config",
                config.toString());
        assertThat(index.exitCode()).as(index.err()).isZero();
        assertThat(index.out()).startsWith("Indexed 48 of 48 files (0 skipped, 0 failed)");
        assertThat(index.errLines()).contains("sdembed: slots: prompt_bge (text, 384-d, bge-small-en-v1.5)");
        assertThat(index.err()).contains("no image slot (CLIP vision) configured").contains("models pull clip-vit-h-14");

        CliRun search = CliRun.of("search", "--text", "a castle at night", "-k", "5", "--store", store.toString(),
                "--config", config.toString());
        assertThat(search.exitCode()).as(search.err()).isZero();
        List<String> hits = search.outLines();
        assertThat(hits.get(0)).isEqualTo("Top 5 for \"a castle at night\" by prompt, slot prompt_bge (text, 384-d,"
                + " bge-small-en-v1.5):");
        assertThat(hits.subList(1, hits.size())).hasSize(5).allSatisfy(l -> assertThat(l)
                .matches(" +\\d  0\\.\\d{4}  \\S*/samples/(copies/)?castle-\\d\\d(-retouched)?\\.png +.*castle.*"));
        assertThat(hits.get(1)).matches("  1  0\\.\\d{4}  .*castle.*a castle at night under the stars.*");

        CliRun similar = CliRun.of("similar", samples.resolve("fox-02.png").toString(), "-k", "3", "--store",
                store.toString(), "--config", config.toString());
        assertThat(similar.exitCode()).as(similar.err()).isZero();
        List<String> like = similar.outLines();
        assertThat(like.get(0)).contains("by its prompt").contains("(no image slot configured: pixels are not compared)");
        assertThat(like.get(1)).matches("  1  1\\.0000  \\S*/samples/copies/fox-02\\.png +cute red fox standing.*");
        assertThat(like.subList(2, like.size())).allMatch(l -> l.contains("fox-"));

        CliRun duplicates = CliRun.of("duplicates", "--store", store.toString(), "--config", config.toString());
        assertThat(duplicates.exitCode()).as(duplicates.err()).isZero();
        // By pixels, the default: each exact copy and each retouched near-duplicate with its original, nothing else.
        assertThat(duplicates.outLines().get(0)).isEqualTo("16 groups of the same picture (pixel hashes at most 6 of 64"
                + " bits apart), by pixels");
        assertThat(duplicates.outLines().stream().filter(l -> l.matches(" +\\d+  \\d+ images, .*")))
                .hasSize(16).allMatch(l -> l.contains("  2 images, "));
        assertThat(SampleLibrary.COPIES_FOLDER).isEqualTo("copies");
    }

    @Test
    void similarOnAFileOutsideTheStoreComparesItsPromptOrSaysItHasNone() throws IOException {
        Path work = TestPaths.targetDir("quickstart-outside");
        Path store = work.resolve("store");
        TestPaths.deleteTree(store);
        Path samples = work.resolve("samples");
        SampleLibrary.generate(samples, 16);
        Path config = IndexFixtures.config("quickstart", null, null);
        assertThat(CliRun.of("index", samples.toString(), "--store", store.toString(), "--config", config.toString())
                .exitCode()).isZero();
        Path outside = SampleLibrary.generate(work.resolve("outside"), 3).get(2).file();
        CliRun similar = CliRun.of("similar", outside.toString(), "-k", "1", "--json", "--store", store.toString(),
                "--config", config.toString());
        assertThat(similar.exitCode()).as(similar.err()).isZero();
        assertThat(similar.out()).contains("\"score\":1.0").contains(samples.resolve("astronaut-01.png").toString());

        Path blank = stripText(Files.copy(outside, work.resolve("blank.png"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING));
        CliRun none = CliRun.of("similar", blank.toString(), "--store", store.toString(), "--config", config.toString());
        assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(none.err()).contains("Image " + blank + " has no prompt in its metadata (generator: none)");
    }

    /** The same PNG without its text chunks. */
    private static Path stripText(Path png) throws IOException {
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        javax.imageio.ImageIO.write(image, "png", png.toFile());
        return png;
    }

}
