package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Kept weight fingerprints: used while the model folder's files keep their identity, computed again when any of them
 * changes, and never taken from an entry that does not describe this folder.
 */
class WeightFingerprintsTest {
    private final AtomicInteger computed = new AtomicInteger();

    @Test
    void aKeptFingerprintServesUntilAFileOfTheModelChanges() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("fingerprints-cache"));
        Path folder = TestPaths.emptyDir(TestPaths.targetDir("fingerprints-model"));
        Path model = Files.write(folder.resolve("model.onnx"), new byte[] {1, 2, 3, 4});
        Files.writeString(folder.resolve("tokenizer.json"), "{}");

        String first = fingerprint(model, cache);
        assertThat(first).isEqualTo(ContentHash.ofFile(model).hex());
        assertThat(fingerprint(model, cache)).isEqualTo(first);
        assertThat(computed).as("read once, then kept").hasValue(1);

        // Rewritten in place with the same size and modification time: the change time still tells.
        FileTime modified = Files.getLastModifiedTime(model);
        Files.write(model, new byte[] {9, 9, 9, 9});
        Files.setLastModifiedTime(model, modified);
        assertThat(fingerprint(model, cache)).isEqualTo(ContentHash.ofFile(model).hex()).isNotEqualTo(first);
        assertThat(computed).hasValue(2);

        // Another file of the folder (external weights live there) changes too.
        Files.writeString(folder.resolve("model.onnx_data"), "weights");
        fingerprint(model, cache);
        assertThat(computed).hasValue(3);
        fingerprint(model, cache);
        assertThat(computed).hasValue(3);
    }

    @Test
    void anEntryThatDoesNotDescribeTheFolderIsNeverUsed() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("fingerprints-damaged"));
        Path folder = TestPaths.emptyDir(TestPaths.targetDir("fingerprints-damaged-model"));
        Path model = Files.write(folder.resolve("model.onnx"), new byte[] {5, 6, 7});
        String real = fingerprint(model, cache);
        Path entry;
        try (Stream<Path> s = Files.list(cache.resolve("fingerprints"))) {
            entry = s.findFirst().orElseThrow();
        }

        // Another fingerprint under this folder's name, as a hand edit or a damaged disk would leave it.
        Files.writeString(entry, "0".repeat(64) + "\n" + WeightFingerprints.identity(model).replace("model", "other"));
        assertThat(fingerprint(model, cache)).isEqualTo(real);
        Files.writeString(entry, "not a fingerprint");
        assertThat(fingerprint(model, cache)).isEqualTo(real);
        assertThat(computed).hasValue(3);
        assertThat(fingerprint(model, cache)).as("written whole again").isEqualTo(real);
        assertThat(computed).hasValue(3);

        assertThat(WeightFingerprints.of(model, null, () -> "computed")).as("no cache folder").isEqualTo("computed");
    }

    private String fingerprint(Path model, Path cache) {
        return WeightFingerprints.of(model, cache, () -> {
            computed.incrementAndGet();
            return ContentHash.ofFile(model).hex();
        });
    }
}
