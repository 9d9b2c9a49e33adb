package dev.sdembed.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePreprocessingPoolTest {
    @TempDir
    Path dir;

    @Test
    void keepsInputOrderAndReportsBadFilesPerItem() throws IOException {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            if (i % 4 == 3) {
                Path bad = dir.resolve("bad-" + i + ".png");
                Files.write(bad, new byte[0]);
                files.add(bad);
            } else {
                files.add(image(i, 40 + i * 7, 30 + i * 3));
            }
        }
        files.add(dir.resolve("missing.png"));
        ClipPreprocessor reference = ClipPreprocessor.of(ClipPreprocessConfig.clipDefaults(32));
        try (ImagePreprocessingPool pool = ImagePreprocessingPool.builder().threads(3)
                .config(ClipPreprocessConfig.clipDefaults(32)).build()) {
            assertThat(pool.threads()).isEqualTo(3);
            List<PreprocessedImage> results = pool.preprocessAll(files);
            assertThat(results).extracting(PreprocessedImage::file).containsExactlyElementsOf(files);
            for (int i = 0; i < 12; i++) {
                PreprocessedImage r = results.get(i);
                if (i % 4 == 3) {
                    assertThat(r.succeeded()).isFalse();
                    assertThat(r.error()).hasMessageContaining("empty file (0 bytes)");
                } else {
                    assertThat(r.succeeded()).isTrue();
                    assertThat(r.header()).isEqualTo(new ImageHeader(40 + i * 7, 30 + i * 3, ImageFormat.PNG));
                    assertThat(r.pixels()).isEqualTo(reference.preprocess(ImageDecoder.defaults().decode(files.get(i))));
                }
            }
            assertThat(results.get(12).error()).hasMessageContaining("file not found");
        }
    }

    @Test
    void runsOnASuppliedExecutorAndLeavesItOpen() throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Path a = image(1, 20, 20);
            Path b = image(2, 30, 10);
            ImagePreprocessingPool pool = ImagePreprocessingPool.builder().executor(executor)
                    .config(ClipPreprocessConfig.clipDefaults(16)).build();
            var futures = pool.submitAll(List.of(a, b));
            assertThat(futures.get(0).get().pixels().shape()).containsExactly(3, 16, 16);
            assertThat(futures.get(1).get().header().width()).isEqualTo(30);
            assertThat(pool.threads()).isEqualTo(-1);
            pool.close();
            assertThat(executor.isShutdown()).isFalse();
        } finally {
            executor.shutdown();
            assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void refusesAThreadCountOutsideOneTo1024() {
        assertThatThrownBy(() -> ImagePreprocessingPool.builder().threads(0))
                .hasMessage("threads is 0; expected 1 to 1024");
        assertThatThrownBy(() -> ImagePreprocessingPool.builder().threads(100_000))
                .hasMessage("threads is 100000; expected 1 to 1024");
    }

    private Path image(int seed, int w, int h) throws IOException {
        int[] samples = new int[w * h * 3];
        Random random = new Random(seed);
        for (int i = 0; i < samples.length; i++) {
            samples[i] = random.nextInt(256);
        }
        Path file = dir.resolve("img-" + seed + ".png");
        Files.write(file, TestImages.png(w, h, 8, 2, samples, null, null));
        return file;
    }
}
