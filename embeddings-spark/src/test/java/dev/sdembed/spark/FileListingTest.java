package dev.sdembed.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's listing: image files found once each, written to disk, cut into partitions of about equal bytes. */
class FileListingTest {
    @TempDir
    Path tmp;

    private Path file(String name, int bytes) throws IOException {
        Path f = tmp.resolve("lib").resolve(name);
        Files.createDirectories(f.getParent());
        return Files.write(f, new byte[bytes]);
    }

    private static List<List<String>> read(FileListing.Listing listing) throws IOException {
        List<List<String>> parts = new ArrayList<>();
        for (String p : listing.partFiles()) {
            parts.add(Files.readAllLines(Path.of(p)));
        }
        return parts;
    }

    @Test
    void partitionsHoldAboutEqualBytesNotEqualCounts() throws IOException {
        // One large file and many small ones: by count the large one's partition would cost ten times the others.
        file("a/big.png", 10_000);
        for (int i = 0; i < 10; i++) {
            file("b/small-" + i + ".png", 1_000);
        }
        FileListing.Listing listing = new FileListing(Set.of("png"), tmp.resolve("work"))
                .walk(List.of(tmp.resolve("lib")), 2, 1_000_000);
        assertThat(listing.files()).isEqualTo(11);
        assertThat(listing.bytes()).isEqualTo(20_000);
        List<List<String>> parts = read(listing);
        // Folders come in the order the file system lists them.
        assertThat(parts).hasSize(2).anySatisfy(p -> assertThat(p)
                .containsExactly("10000\t" + tmp.resolve("lib/a/big.png")))
                .anySatisfy(p -> assertThat(p).hasSize(10).allSatisfy(line -> assertThat(line).startsWith("1000\t")));
    }

    @Test
    void filesPerPartitionSetsTheCountForALargeLibrary() throws IOException {
        for (int i = 0; i < 100; i++) {
            file("d" + (i % 4) + "/img-" + i + ".png", 100);
        }
        FileListing.Listing listing = new FileListing(Set.of("png"), tmp.resolve("work"))
                .walk(List.of(tmp.resolve("lib")), 2, 10);
        List<List<String>> parts = read(listing);
        assertThat(parts).hasSize(10).allSatisfy(p -> assertThat(p).hasSize(10));
    }

    @Test
    void listsEachImageOnceWithAbsolutePathsAndLeavesOtherFilesOut() throws IOException {
        file("x/one.PNG", 10);
        file("x/two.webp", 10);
        file("x/notes.txt", 10);
        Files.createSymbolicLink(tmp.resolve("lib/again"), tmp.resolve("lib/x"));
        Files.createSymbolicLink(tmp.resolve("lib/x/loop"), tmp.resolve("lib"));
        FileListing.Listing listing = new FileListing(Set.of("png", "webp"), tmp.resolve("work"))
                .walk(List.of(tmp.resolve("lib"), tmp.resolve("lib/x")), 1, 100);
        assertThat(listing.files()).isEqualTo(2);
        assertThat(read(listing).get(0)).allSatisfy(line -> assertThat(Path.of(line.split("\t")[1])).isAbsolute());
    }

    @Test
    void readsAFileOfPathsLeavingOutThoseThatAreNotFiles() throws IOException {
        file("p/a.png", 5);
        file("p/b.png", 7);
        Path paths = Files.writeString(tmp.resolve("lib/paths.txt"), "p/a.png\n\n" + tmp.resolve("lib/p/b.png")
                + "\np/missing.png\n");
        FileListing.Listing listing = new FileListing(Set.of("png"), tmp.resolve("work")).read(paths, 1, 100);
        assertThat(listing.files()).isEqualTo(2);
        assertThat(listing.bytes()).isEqualTo(12);
        assertThat(read(listing).get(0)).containsExactly("5\t" + tmp.resolve("lib/p/a.png"),
                "7\t" + tmp.resolve("lib/p/b.png"));
    }

    @Test
    void anEmptyLibraryHasNoPartitions() throws IOException {
        Files.createDirectories(tmp.resolve("lib"));
        FileListing.Listing listing = new FileListing(Set.of("png"), tmp.resolve("work"))
                .walk(List.of(tmp.resolve("lib")), 4, 100);
        assertThat(listing.files()).isZero();
        assertThat(listing.partFiles()).isEmpty();
    }

    @Test
    void refusesAMissingRoot() {
        assertThatThrownBy(() -> new FileListing(Set.of("png"), tmp.resolve("work"))
                .walk(List.of(tmp.resolve("nowhere")), 1, 100))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Folder to index " + tmp.resolve("nowhere") + " does not exist");
    }
}
