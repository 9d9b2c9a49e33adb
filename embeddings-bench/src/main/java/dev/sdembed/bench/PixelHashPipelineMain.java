package dev.sdembed.bench;

import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestImageFiles;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What pixel hashes cost a whole index run, where they cost most: bge-small for the prompts and no image slot, so the
 * pixel hash's decode is the only one (the quick start's setup). A generated library (pictures with structure, A1111
 * metadata, a prompt shared by every fifth image) is indexed into a fresh embedded store with pixel hashes off and on,
 * {@code rounds} times each, alternating, best kept.
 *
 * <p>Not JMH: a run is a whole library, timed end to end. Run with
 * {@code java -cp embeddings-bench/target/benchmarks.jar dev.sdembed.bench.PixelHashPipelineMain [images] [size]
 * [rounds]}; with {@code -Dsdembed.bench.out=DIR} the figures go to {@code DIR/pixel-hash-pipeline.json} too.
 */
public final class PixelHashPipelineMain {
    private PixelHashPipelineMain() {
    }

    /** What one library size measured: seconds per run without and with pixel hashes, best of the rounds. */
    record Result(int images, int imageSize, int rounds, double withoutSeconds, double withSeconds,
                  double withoutImagesPerSecond, double withImagesPerSecond, double overheadPercent,
                  double addedMillisPerImage) {
    }

    public static void main(String[] args) throws IOException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path library = Path.of("target", "bench-pixel-library-" + count + "-" + size).toAbsolutePath();
        for (int i = 0; i < count; i++) {
            Path file = library.resolve("d" + (i % 10)).resolve("img-" + i + ".png");
            if (!Files.exists(file)) {
                TestImageFiles.picture(file, size, size, i, "png");
                SdTestImages.withText(file, "parameters", "prompt " + (i % (count / 5)) + ", masterpiece, detailed"
                        + "\nNegative prompt: lowres, bad anatomy\nSteps: 20, Sampler: Euler a, Seed: " + i);
            }
        }
        OnnxOptions options = OnnxOptions.builder().intraOpThreads(Runtime.getRuntime().availableProcessors()).build();
        try (TextEncoder bge = BgeTextEncoder.builder(TestModels.bgeSmall()).options(options).build()) {
            run(bge, library, false, "warm-up");
            double without = Double.MAX_VALUE;
            double with = Double.MAX_VALUE;
            for (int r = 0; r < rounds; r++) {
                without = Math.min(without, run(bge, library, false, "round " + (r + 1)));
                with = Math.min(with, run(bge, library, true, "round " + (r + 1)));
            }
            Result result = new Result(count, size, rounds, without, with, count / without, count / with,
                    100 * (with - without) / without, 1000 * (with - without) / count);
            System.out.printf(Locale.ROOT, "%d images of %d px, bge-small, no image slot: %.2f s without pixel"
                    + " hashes, %.2f s with (%+.1f %%, %.2f ms per image)%n", count, size, without, with,
                    result.overheadPercent(), result.addedMillisPerImage());
            List<Result> all = new ArrayList<>(readPrevious());
            all.removeIf(r -> r.images() == count && r.imageSize() == size);
            all.add(result);
            BenchOutput.write("pixel-hash-pipeline.json", all);
        }
    }

    /** The results of earlier sizes in this run's output folder, so several sizes end up in one file. */
    private static List<Result> readPrevious() {
        String dir = System.getProperty(BenchOutput.PROPERTY);
        Path file = dir == null ? null : Path.of(dir, "pixel-hash-pipeline.json");
        if (file == null || !Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            return List.of(BenchOutput.JSON.readValue(file.toFile(), Result[].class));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Seconds to index {@code library} into a fresh embedded store. */
    private static double run(TextEncoder bge, Path library, boolean pixelHashes, String what) throws IOException {
        Path storeDir = TestPaths.emptyDir(Path.of("target", "bench-pixel-store").toAbsolutePath());
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(storeDir)
                .slot(SlotSpec.of("prompt_bge", bge.info())).build();
             BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot("prompt_bge", bge)
                     .pixelHashes(pixelHashes).build()) {
            long t0 = System.nanoTime();
            PipelineSummary s = pipeline.run(library);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (s.failed() > 0) {
                throw new IllegalStateException(s.failed() + " files failed in the benchmark library " + library);
            }
            System.out.printf(Locale.ROOT, "  %s, pixel hashes %s: %.2f s%n", what, pixelHashes ? "on " : "off",
                    seconds);
            return seconds;
        }
    }
}
