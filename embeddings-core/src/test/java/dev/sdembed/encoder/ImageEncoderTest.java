package dev.sdembed.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.ImageDecodeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default per-file API of {@link ImageEncoder}, over an encoder that only has the all-or-nothing batch call. */
class ImageEncoderTest {
    @TempDir
    Path dir;

    /** Embeds a file as [size, 1]; an empty file cannot be decoded. Counts batch calls. */
    static final class FileSizeEncoder implements ImageEncoder {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public List<Embedding> embedFiles(List<Path> images) {
            calls.incrementAndGet();
            List<Embedding> out = new ArrayList<>();
            for (Path image : images) {
                try {
                    long size = Files.size(image);
                    if (size == 0) {
                        throw new ImageDecodeException(image, "empty file (0 bytes)");
                    }
                    out.add(Embedding.of(size, 1));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return out;
        }

        @Override
        public EncoderInfo info() {
            return new EncoderInfo("file-size", Modality.IMAGE, 2, 0, 1, "0".repeat(64));
        }

        @Override
        public void close() {
        }
    }

    @Test
    void oneUndecodableFileFailsOnlyItsOwnResultInInputOrder() throws IOException {
        Path a = Files.write(dir.resolve("a.png"), new byte[3]);
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        Path c = Files.write(dir.resolve("c.png"), new byte[5]);
        FileSizeEncoder encoder = new FileSizeEncoder();

        List<ImageEmbeddingResult> results = encoder.embedEach(List.of(a, empty, c));

        assertThat(results).extracting(ImageEmbeddingResult::file).containsExactly(a, empty, c);
        assertThat(results.get(0).embeddingOrThrow()).isEqualTo(Embedding.of(3, 1));
        assertThat(results.get(2).embeddingOrThrow()).isEqualTo(Embedding.of(5, 1));
        assertThat(results.get(1).succeeded()).isFalse();
        assertThat(results.get(1).embedding()).isNull();
        assertThat(results.get(1).error()).hasMessage("Cannot decode image " + empty + ": empty file (0 bytes)");
        assertThatThrownBy(() -> results.get(1).embeddingOrThrow()).isSameAs(results.get(1).error());
    }

    @Test
    void withoutFailuresTheWholeListIsOneBatch() throws IOException {
        Path a = Files.write(dir.resolve("a.png"), new byte[3]);
        FileSizeEncoder encoder = new FileSizeEncoder();
        assertThat(encoder.embedEach(List.of(a, a))).allMatch(ImageEmbeddingResult::succeeded);
        assertThat(encoder.calls).hasValue(1);
    }

    @Test
    void aResultHoldsAnEmbeddingOrAnErrorNeverBoth() {
        Path file = dir.resolve("x.png");
        assertThatThrownBy(() -> new ImageEmbeddingResult(file, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ImageEmbeddingResult(file, Embedding.of(1), new ImageDecodeException(file, "x")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
