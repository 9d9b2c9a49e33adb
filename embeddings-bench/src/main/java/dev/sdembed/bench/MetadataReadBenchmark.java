package dev.sdembed.bench;

import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.MetadataReader;
import dev.sdembed.metadata.MetadataReaders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
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
 * Files per second of generation-metadata reading on the shared fixtures ({@code ../shared/fixtures/sd-metadata},
 * or the directory in system property {@code sdembed.fixtures}), one thread, files cycled round-robin and served
 * from the page cache after warm-up. Target: at least 500 files/s for PNGs with A1111 or ComfyUI metadata, so that
 * metadata is never the pipeline's bottleneck.
 *
 * <ul>
 *   <li>{@code png-a1111}: PNGs with A1111-style parameters text (A1111, Forge, reForge, SD.Next; 1-3.5 MB each).
 *   <li>{@code png-comfyui}: PNGs with a ComfyUI prompt graph and workflow (1.2-4 MB each).
 *   <li>{@code all}: every fixture image (PNG, JPEG, WebP, all generators, including files without metadata,
 *       whose PNG pixels are searched for stealth parameters) except the zero-byte one.
 * </ul>
 *
 * Run: {@code java -jar embeddings-bench/target/benchmarks.jar MetadataRead -f 1 -wi 2 -i 3 -w 2s -r 2s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@Threads(1)
public class MetadataReadBenchmark {

    @Param({"png-a1111", "png-comfyui", "all"})
    public String files;

    private List<Path> selected;
    private MetadataReader reader;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Path dir = fixtures();
        Predicate<String> wanted = switch (files) {
            case "png-a1111" -> name -> name.endsWith(".png") && (name.matches("(a1111|forge|reforge|sdnext)__.*")
                    || name.equals("sdparsers-a1111__automatic1111_cropped.png")
                    || name.equals("sdparsers-a1111__text_after_idat.png"));
            case "png-comfyui" -> name -> name.endsWith(".png") && name.matches("(sdparsers-)?comfyui__.*");
            case "all" -> name -> name.matches(".*\\.(png|jpe?g|webp)") && !name.contains("empty_file");
            default -> throw new IllegalArgumentException("unknown file set '" + files
                    + "'; expected png-a1111, png-comfyui or all");
        };
        try (Stream<Path> list = Files.list(dir)) {
            selected = list.filter(p -> wanted.test(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (selected.isEmpty()) {
            throw new IllegalStateException("No fixture files for set '" + files + "' in " + dir);
        }
        reader = MetadataReaders.standard();
    }

    @Benchmark
    public GenerationMetadata read() {
        Path file = selected.get(next);
        next = next + 1 == selected.size() ? 0 : next + 1;
        return reader.read(file);
    }

    static Path fixtures() {
        String configured = System.getProperty("sdembed.fixtures");
        if (configured != null) {
            return Path.of(configured);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("DEVELOPERS.md"))) {
            dir = dir.getParent();
        }
        Path fixtures = dir == null || dir.getParent() == null ? null
                : dir.getParent().resolve("shared/fixtures/sd-metadata");
        if (fixtures == null || !Files.isDirectory(fixtures)) {
            throw new IllegalStateException("Shared fixtures not found: run from inside the repository (with "
                    + "../shared/fixtures/sd-metadata beside it) or set -Dsdembed.fixtures=DIR");
        }
        return fixtures;
    }

    /** Runs in-process (no fork) for debugging. */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(MetadataReadBenchmark.class.getSimpleName()).forks(0).build()).run();
    }
}
