package dev.sdembed.bench;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.PixelHash;
import dev.sdembed.image.RgbImage;
import dev.sdembed.metadata.MetadataReader;
import dev.sdembed.metadata.MetadataReaders;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestImageFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What the pixel hash adds to indexing a file, per file on one thread, next to what indexing reads anyway:
 *
 * <ul>
 *   <li>{@code readFile}: the header, the SHA-256 of the bytes and the generation metadata: the pipeline's read of a
 *       new file, before any encoder.</li>
 *   <li>{@code decodeAndHash}: the whole image decoded ({@link ImageDecoder}, Pillow-exact) and its
 *       {@link PixelHash}: what a new image content costs on top, when no image slot decodes the file anyway.</li>
 *   <li>{@code hashDecoded}: the hash of pixels already decoded: what it would cost on top of an image slot's decode,
 *       were the pixels shared.</li>
 * </ul>
 *
 * Files, cycled: eight generated pictures ({@code png-512}, {@code png-1024}: PNG with A1111 metadata;
 * {@code jpg-1024}: JPEG quality 75), or the real Stable Diffusion PNGs of the shared fixtures ({@code sd-png}: A1111
 * and ComfyUI outputs of 1 to 4 MB, whose noise-like detail compresses, and so decodes, far worse than generated
 * pictures; {@code ../shared/fixtures/sd-metadata} or {@code -Dsdembed.fixtures=DIR}). Run:
 * {@code java -jar embeddings-bench/target/benchmarks.jar PixelHash -f 1 -wi 2 -i 3}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@Threads(1)
public class PixelHashBenchmark {
    private static final int FILES = 8;

    @Param({"png-512", "png-1024", "jpg-1024", "sd-png"})
    public String files;

    private final List<Path> selected = new ArrayList<>();
    private final List<RgbImage> decoded = new ArrayList<>();
    private final ImageDecoder decoder = ImageDecoder.defaults();
    private final MetadataReader reader = MetadataReaders.standard();
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (files.equals("sd-png")) {
            try (Stream<Path> list = Files.list(MetadataReadBenchmark.fixtures())) {
                selected.addAll(list.filter(p -> p.getFileName().toString().matches("(a1111|comfyui|forge)__.*\\.png"))
                        .sorted().limit(FILES).toList());
            }
            if (selected.isEmpty()) {
                throw new IllegalStateException("No A1111 or ComfyUI PNGs in " + MetadataReadBenchmark.fixtures());
            }
        } else {
            String format = files.substring(0, files.indexOf('-'));
            int size = Integer.parseInt(files.substring(files.indexOf('-') + 1));
            Path dir = Path.of("target", "bench-pixel-hash", files).toAbsolutePath();
            Files.createDirectories(dir);
            for (int i = 0; i < FILES; i++) {
                Path file = dir.resolve("picture-" + i + "." + format);
                if (!Files.exists(file)) {
                    TestImageFiles.picture(file, size, size, 100 + i, format);
                    if (format.equals("png")) {
                        SdTestImages.withText(file, "parameters", "a castle at night, masterpiece " + i
                                + "\nNegative prompt: lowres\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: " + i);
                    }
                }
                selected.add(file);
            }
        }
        for (Path file : selected) {
            decoded.add(decoder.decode(file));
        }
    }

    private int nextIndex() {
        next = (next + 1) % selected.size();
        return next;
    }

    @Benchmark
    public void readFile(Blackhole bh) {
        Path file = selected.get(nextIndex());
        bh.consume(decoder.readHeader(file));
        bh.consume(ContentHash.ofFile(file));
        bh.consume(reader.read(file));
    }

    @Benchmark
    public PixelHash decodeAndHash() {
        return PixelHash.of(decoder.decode(selected.get(nextIndex())));
    }

    @Benchmark
    public PixelHash hashDecoded() {
        return PixelHash.of(decoded.get(nextIndex()));
    }

    /** Runs in this JVM (no fork), for a debugger. */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(PixelHashBenchmark.class.getSimpleName()).forks(0).build()).run();
    }
}
