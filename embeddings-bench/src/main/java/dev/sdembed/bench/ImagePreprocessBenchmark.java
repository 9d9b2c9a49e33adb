package dev.sdembed.bench;

import dev.sdembed.image.ClipPreprocessConfig;
import dev.sdembed.image.ClipPreprocessor;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.ImageHeader;
import dev.sdembed.image.PixelTensor;
import dev.sdembed.image.RgbImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * CLIP image preprocessing throughput per worker thread (images/s): decode + preprocess to a 224 x 224 tensor, and
 * the two stages alone so a regression points at one of them. Image sets: the shared Stable Diffusion fixtures
 * (PNG, JPEG; 1024-1536 px) and the CLIP reference images (PNG), from {@code ../shared/fixtures} beside the
 * repository (or {@code -Dsdembed.fixtures=DIR}).
 *
 * <p>Run: {@code java -jar embeddings-bench/target/benchmarks.jar ImagePreprocess -f 1 -wi 2 -i 3 -w 2s -r 2s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@Threads(1)
public class ImagePreprocessBenchmark {
    /** Images smaller than this (the 1x1 metadata-only fixtures) would measure file opening, not decoding. */
    private static final int MIN_EDGE = 64;

    @Param({"sd-png", "sd-jpeg", "clip-png"})
    public String images;

    private final ImageDecoder decoder = ImageDecoder.defaults();
    private final ClipPreprocessor preprocessor = ClipPreprocessor.of(ClipPreprocessConfig.clipDefaults());
    private List<Path> files;
    private List<RgbImage> decoded;
    private int next;

    @Setup(Level.Trial)
    public void load() {
        Path fixtures = fixtures();
        files = switch (images) {
            case "sd-png" -> list(fixtures.resolve("sd-metadata"), ".png");
            case "sd-jpeg" -> list(fixtures.resolve("sd-metadata"), ".jpg", ".jpeg");
            case "clip-png" -> list(fixtures.resolve("clip/pixels"), ".png");
            default -> throw new IllegalArgumentException("images: " + images);
        };
        if (files.isEmpty()) {
            throw new IllegalStateException("No " + images + " images under " + fixtures);
        }
        decoded = new ArrayList<>();
        for (Path file : files) {
            decoded.add(decoder.decode(file));
        }
    }

    /** Decode + preprocess one image (cycling through the set): images/s per thread. */
    @Benchmark
    public PixelTensor decodeAndPreprocess() {
        return preprocessor.preprocess(decoder.decode(files.get(next++ % files.size())));
    }

    @Benchmark
    public RgbImage decodeOnly() {
        return decoder.decode(files.get(next++ % files.size()));
    }

    @Benchmark
    public PixelTensor preprocessOnly() {
        return preprocessor.preprocess(decoded.get(next++ % decoded.size()));
    }

    private List<Path> list(Path dir, String... extensions) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> {
                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                for (String extension : extensions) {
                    if (name.endsWith(extension)) {
                        return true;
                    }
                }
                return false;
            }).filter(this::bigEnough).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean bigEnough(Path file) {
        try {
            ImageHeader header = decoder.readHeader(file);
            return Math.min(header.width(), header.height()) >= MIN_EDGE;
        } catch (RuntimeException e) {
            return false; // the deliberately broken fixtures
        }
    }

    static Path fixtures() {
        String configured = System.getProperty("sdembed.fixtures");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("DEVELOPERS.md"))) {
                Path shared = p.resolveSibling("shared").resolve("fixtures");
                if (Files.isDirectory(shared)) {
                    return shared;
                }
                break;
            }
        }
        throw new IllegalStateException("Shared fixtures not found: run from the repository (../shared/fixtures"
                + " beside it) or pass -Dsdembed.fixtures=DIR");
    }

    /** For debugging in an IDE: runs in this JVM. */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(ImagePreprocessBenchmark.class.getSimpleName()).forks(0).build())
                .run();
    }
}
