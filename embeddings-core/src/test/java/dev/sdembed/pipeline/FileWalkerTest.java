package dev.sdembed.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.pipeline.internal.FileWalker;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class FileWalkerTest {

    private static Path tree(String name) throws IOException {
        Path root = TestPaths.emptyDir(TestPaths.targetDir("walker/" + name));
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/one.PNG"), "x");
        Files.writeString(root.resolve("a/b/two.jpeg"), "x");
        Files.writeString(root.resolve("a/b/notes.txt"), "x");
        Files.writeString(root.resolve("three.webp"), "x");
        return root;
    }

    @Test
    void findsImagesByExtensionInAnyCaseAndSurvivesSymlinkLoopsAndAliases() throws IOException {
        Path root = tree("loops");
        Files.createSymbolicLink(root.resolve("a/b/loop"), root.resolve("a"));
        Files.createSymbolicLink(root.resolve("alias"), root.resolve("a/b"));
        List<Path> found = new ArrayList<>();
        boolean complete = new FileWalker(BulkEmbeddingPipeline.DEFAULT_EXTENSIONS, () -> false)
                .walk(root, found::add);

        assertThat(complete).isTrue();
        // Each folder is walked once, through whichever path reaches it first in path order.
        assertThat(found).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder("one.PNG", "two.jpeg", "three.webp");
        assertThat(found).allSatisfy(p -> assertThat(p).startsWith(root));
    }

    /**
     * One walker serves a run: a root given twice, a root inside another (in either order) and a file root inside a
     * folder root each hand their files out once. Before, each root was walked on its own and the files were
     * counted, and indexed, twice.
     */
    @Test
    void rootsGivenTwiceOrInsideEachOtherHandOutEachFileOnce() throws IOException {
        Path root = tree("nested");
        List<Path> found = new ArrayList<>();
        FileWalker walker = new FileWalker(BulkEmbeddingPipeline.DEFAULT_EXTENSIONS, () -> false);
        for (Path r : List.of(root.resolve("a/b"), root, root.resolve("a"), root, root.resolve("a/one.PNG"),
                root.resolve("a/b/notes.txt"))) {
            assertThat(walker.walk(r, found::add)).isTrue();
        }
        assertThat(found).extracting(p -> root.relativize(p).toString())
                .containsExactlyInAnyOrder("a/b/two.jpeg", "a/one.PNG", "three.webp", "a/b/notes.txt");

        List<Path> filesFirst = new ArrayList<>();
        FileWalker other = new FileWalker(BulkEmbeddingPipeline.DEFAULT_EXTENSIONS, () -> false);
        for (Path r : List.of(root.resolve("a/one.PNG"), root.resolve("./a/one.PNG"), root)) {
            other.walk(r, filesFirst::add);
        }
        assertThat(filesFirst).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder("one.PNG", "two.jpeg", "three.webp");
    }

    /**
     * Files come in the stores' path order, which a merge with a store listing needs: a folder's files and
     * sub-folders interleave as their full paths sort ({@code a-b/} before {@code a/}, since '-' sorts before '/'),
     * by code point (upper case before lower, accents after, a character beyond U+FFFF after U+FB01 though its
     * UTF-16 surrogates are below it). A folder reached again through a link is told as skipped, in its place.
     */
    @Test
    void filesComeInTheStoresPathOrderAndSkippedFoldersAreTold() throws IOException {
        Path root = TestPaths.emptyDir(TestPaths.targetDir("walker/order"));
        for (String name : List.of("a/x.png", "a-b/x.png", "a.png", "a0.png", "Z.png", "\u00e4.png", "a b.png",
                "a/b/deep.png", "a/c.png", "b/\ud83d\ude00.png", "b/\ufb01.png")) {
            Files.createDirectories(root.resolve(name).getParent());
            Files.writeString(root.resolve(name), "x");
        }
        Files.createSymbolicLink(root.resolve("c-link"), root.resolve("a"));
        List<String> events = new ArrayList<>();
        new FileWalker(BulkEmbeddingPipeline.DEFAULT_EXTENSIONS, () -> false).visit(root, new FileWalker.Visitor() {
            @Override
            public void file(Path file) {
                events.add(BulkEmbeddingPipeline.storedPath(file));
            }

            @Override
            public void skipped(Path folder) {
                events.add("skipped " + BulkEmbeddingPipeline.storedPath(folder));
            }
        });
        String r = BulkEmbeddingPipeline.storedPath(root) + "/";
        assertThat(events).containsExactly(r + "Z.png", r + "a b.png", r + "a-b/x.png", r + "a.png", r + "a/b/deep.png",
                r + "a/c.png", r + "a/x.png", r + "a0.png", r + "b/\ufb01.png", r + "b/\ud83d\ude00.png",
                "skipped " + r + "c-link", r + "\u00e4.png");
        List<String> files = events.stream().filter(e -> !e.startsWith("skipped ")).toList();
        assertThat(files).isSortedAccordingTo(dev.sdembed.store.PathOrder.COMPARATOR);
    }

    @Test
    void stopsWhenCancelled() throws IOException {
        Path root = tree("cancel");
        AtomicBoolean cancelled = new AtomicBoolean();
        List<Path> found = new ArrayList<>();
        boolean complete = new FileWalker(Set.of("png", "jpeg", "webp"), cancelled::get).walk(root, f -> {
            found.add(f);
            cancelled.set(true);
        });
        assertThat(complete).isFalse();
        assertThat(found).hasSize(1);
    }

    @Test
    void progressGivesAnEtaOnlyOnceTheTotalIsKnown() {
        Progress walking = new Progress(100, 30, 10, 10, false, Duration.ofSeconds(10));
        assertThat(walking.filesProcessed()).isEqualTo(50);
        assertThat(walking.filesPerSecond()).isEqualTo(5.0);
        assertThat(walking.eta()).isEmpty();
        Progress known = new Progress(100, 30, 10, 10, true, Duration.ofSeconds(10));
        assertThat(known.eta()).contains(Duration.ofSeconds(10));
    }
}
