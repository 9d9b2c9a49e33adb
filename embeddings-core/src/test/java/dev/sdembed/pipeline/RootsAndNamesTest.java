package dev.sdembed.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.TestEncoders;
import dev.sdembed.testing.SdTestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the roots of a run may be, and the names of the files under them (issue 17). */
class RootsAndNamesTest {
    private static final String PROMPT = "prompt";
    private static final String IMAGE = "image";

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

    /** The entries of {@code dir} whose names contain {@code part}, as the JVM lists them (bytes kept). */
    static List<Path> listed(Path dir, String part) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(part)).sorted().toList();
        }
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
        // What a Latin-1 name typed on a UTF-8 command line arrives as: it cannot be found from that text.
        assertThatThrownBy(() -> run(store, library.resolve("caf\uFFFD.png"))).hasMessage("Folder to index "
                + library.resolve("caf\uFFFD.png") + " does not exist (U+FFFD in a name stands for bytes this"
                + " system's file name encoding cannot decode, and such a name cannot be given as text; give its"
                + " folder instead)");
        assertThat(store.records()).isEmpty();
    }

    /**
     * A root that does not exist beside one that does is an unmounted drive, not a typo: the run indexes the other
     * roots and tells the listener, instead of failing. Alone, it is still refused at once.
     */
    @Test
    void aMissingRootBesideAnExistingOneIsToldAndLeftAlone() {
        SdTestImages.a1111(library.resolve("here/img.png"), 8, 1, "p", null);
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        List<Path> told = new java.util.ArrayList<>();
        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text)
                .listener(new ProgressListener() {
                    @Override
                    public void onRootNotScanned(Path root) {
                        told.add(root);
                    }
                }).build()) {
            summary = pipeline.run(library.resolve("here"), library.resolve("unplugged"));
        }
        assertThat(summary.indexed()).isEqualTo(1);
        assertThat(told).containsExactly(library.resolve("unplugged"));
        assertThat(summary.rootsNotScanned()).containsExactly(library.resolve("unplugged").toString());
        assertThatThrownBy(() -> BulkEmbeddingPipeline.checkRoots(List.of(library.resolve("unplugged"),
                library.resolve("gone")))).hasMessage("Folder to index " + library.resolve("unplugged")
                + " does not exist");
    }

    /**
     * Issue 17, item 9: a Latin-1 name ({@code caf\xE9.png}, the byte E9 alone) under a UTF-8 file name encoding was
     * "No such file or directory" although it exists: the decoder opened it through a {@code File}, which holds the
     * name as text with U+FFFD for the byte. It is read through its {@code Path} now and stored under a displayable
     * text that keeps two such names apart.
     */
    @Test
    void aFileNameThatIsNotValidUtf8IsIndexedUnderADisplayableDistinctPath() throws Exception {
        SdTestImages.a1111(library.resolve("src-1.png"), 8, 1, "a latin-1 cafe", null);
        SdTestImages.a1111(library.resolve("src-2.png"), 12, 2, "another latin-1 cafe", null);
        sh(library, "mv src-1.png \"$(printf 'caf\\351.png')\" && mv src-2.png \"$(printf 'caf\\350.png')\"");
        List<Path> files = listed(library, "caf");
        assertThat(files).hasSize(2);
        assertThat(files.get(0).getFileName().toString()).as("what the JVM makes of the name")
                .isEqualTo("caf\uFFFD.png");
        TestEncoders.Image pixels = new TestEncoders.Image("test-image", 16, "fp-image-1");
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()), SlotSpec.of(IMAGE, pixels.info()));

        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text)
                .imageSlot(IMAGE, pixels).build()) {
            summary = pipeline.run(library);
        }

        assertThat(summary.failed()).isZero();
        assertThat(summary.indexed()).isEqualTo(2);
        String e9 = library.toAbsolutePath() + "/caf\\xE9.png";
        String e8 = library.toAbsolutePath() + "/caf\\xE8.png";
        assertThat(store.records()).extracting(ImageRecord::path).containsExactlyInAnyOrder(e8, e9);
        ImageRecord cafe = store.record(e9).orElseThrow();
        assertThat(cafe.status()).isEqualTo(ImageStatus.OK);
        assertThat(cafe.promptHash()).isEqualTo(ContentHash.ofText("a latin-1 cafe"));
        assertThat(cafe.width()).isEqualTo(8);
        Path e9File = files.stream().filter(f -> BulkEmbeddingPipeline.storedPath(f).equals(e9)).findFirst()
                .orElseThrow();
        assertThat(cafe.imageHash()).isEqualTo(ContentHash.ofFile(e9File));
        assertThat(BulkEmbeddingPipeline.storedPath(library.resolve("plain-é.png")))
                .as("names the encoding decodes are stored as they read").endsWith("/plain-é.png");
    }
}
