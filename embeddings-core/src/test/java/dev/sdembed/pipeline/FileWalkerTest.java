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
        // Each folder is walked once, through whichever path reaches it first (walk order is the file system's).
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
