package dev.sdembed.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.TestEncoders;
import dev.sdembed.testing.SdTestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the roots of a run may be, and the names of the files under them (issue 17). */
class RootsAndNamesTest {
    private static final String PROMPT = "prompt";

    @TempDir
    Path library;

    private final TestEncoders.Text text = new TestEncoders.Text("test-text", 32, "fp-text-1");

    private PipelineSummary run(MemoryStore store, Path... roots) {
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text).build()) {
            return pipeline.run(roots);
        }
    }

    /** Runs {@code sh -c script} in {@code dir}; the script's arguments follow. */
    static void sh(Path dir, String script, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("sh", "-c", script, "sh"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    void aRootGivenTwiceOrInsideAnotherIndexesEachFileOnce() {
        for (int i = 0; i < 6; i++) {
            SdTestImages.a1111(library.resolve(i < 3 ? "sub" : ".").resolve("img-" + i + ".png"), 8, i, "p " + i, null);
        }
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));

        PipelineSummary summary = run(store, library.resolve("sub"), library, library, library.resolve("img-4.png"),
                library.resolve("sub/img-1.png"));

        assertThat(summary.files()).as("six files, whatever the roots").isEqualTo(6);
        assertThat(summary.indexed()).isEqualTo(6);
        assertThat(summary.slot(PROMPT).computed()).isEqualTo(6);
        assertThat(store.records()).hasSize(6);
    }

    /**
     * A FIFO (or device, socket) given as a root was walked as an empty folder: "Indexed 0 of 0 files", exit 0.
     * It is refused now, saying what it is.
     */
    @Test
    void aRootThatIsNeitherAFolderNorAFileIsRefusedSayingWhatItIs() throws Exception {
        sh(library, "mkfifo pipe.png");
        Path fifo = library.resolve("pipe.png");
        Files.createSymbolicLink(library.resolve("dangling"), library.resolve("nowhere"));
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));

        assertThatThrownBy(() -> run(store, fifo)).isInstanceOf(InvalidInputException.class)
                .hasMessage("Cannot index " + fifo + ": it is a FIFO (named pipe); give folders or regular image files");
        assertThatThrownBy(() -> run(store, Path.of("/dev/null"))).isInstanceOf(InvalidInputException.class)
                .hasMessage("Cannot index /dev/null: it is a device; give folders or regular image files");
        assertThatThrownBy(() -> run(store, library.resolve("dangling"))).isInstanceOf(InvalidInputException.class)
                .hasMessage("Folder to index " + library.resolve("dangling") + " is a symbolic link to "
                        + library.resolve("nowhere") + ", which does not exist or is a link loop");
        assertThatThrownBy(() -> run(store, library.resolve("missing"))).isInstanceOf(InvalidInputException.class)
                .hasMessage("Folder to index " + library.resolve("missing") + " does not exist");
        assertThat(store.records()).isEmpty();
    }
}
