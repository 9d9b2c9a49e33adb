package dev.sdembed.bench;

import dev.sdembed.bench.realistic.RealisticArch;
import dev.sdembed.bench.realistic.RealisticModels;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.onnx.ClipVisionEncoder;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import dev.sdembed.store.postgres.PostgresEmbeddingStore;
import dev.sdembed.testing.PostgresTestServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Pipeline images/s on the CPU (bge-small for prompts and negatives, a tiny CLIP vision model for pixels, a real
 * PostgreSQL) over a generated library, next to the raw throughput of its slowest encoder alone over the same
 * inputs in the same JVM. The pipeline adds hashing, metadata reading, deduplication and batched writes; the target
 * is at least 90 % of the slowest encoder alone. With {@code -Dsdembed.bench.vision=vit-b-32} (an id of
 * {@link RealisticArch}) the pixels go through a full-size tower of random weights instead of the tiny one.
 *
 * <p>Not JMH: one pipeline run is a whole library, so it is timed end to end, each side measured
 * {@code rounds} times (default 3) after a warm-up, best kept. Run with
 * {@code java -cp embeddings-bench/target/benchmarks.jar dev.sdembed.bench.PipelineThroughputMain [images] [size]
 * [rounds]}; with {@code -Dsdembed.bench.out=DIR} the figures also go to {@code DIR/pipeline.json}
 * ({@code pipeline-vit-b-32.json} for a full-size tower; {@link PipelineResult}) for {@link BenchReport}.
 */
public final class PipelineThroughputMain {
    private static final int CHUNK = 64;

    private PipelineThroughputMain() {
    }

    public static void main(String[] args) throws IOException {
        // The embedded stores of every run go in one folder, removed at the end (each holds a library's worth).
        Path stores = Files.createTempDirectory(Path.of("target"), "bench-pipeline-stores");
        try {
            run(args, stores);
        } finally {
            TestPaths.deleteTree(stores);
        }
    }

    private static void run(String[] args, Path stores) throws IOException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path library = Path.of("target", "bench-library-" + count + "-" + size).toAbsolutePath();
        List<Path> files = new ArrayList<>();
        Set<String> texts = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            Path file = library.resolve("d" + (i % 20)).resolve("img-" + i + ".png");
            String prompt = "prompt " + (i % (count / 5)) + ", masterpiece, best quality, detailed background";
            String negative = "lowres, bad anatomy " + (i % 10);
            if (!Files.exists(file)) {
                SdTestImages.a1111(file, size, i, prompt, negative);
            }
            files.add(file);
            texts.add(prompt);
            texts.add(negative);
        }
        // -Dsdembed.bench.vision=vit-b-32 (a RealisticArch id) runs a full-size vision tower of random weights
        // instead of the tiny one, whose inference is almost free beside decoding: the tiny tower shows what the
        // pipeline adds per file, a full-size one where users' runs stand.
        String visionArch = System.getProperty("sdembed.bench.vision");
        Path vision = visionArch != null
                ? RealisticModels.directory(RealisticModels.Spec.of(RealisticArch.fromId(visionArch)), null)
                : ClipModelDirectories.vision("bench-pipeline-vision",
                        f -> ClipTestModels.hfVisionWithProjection(f, ClipTestModels.VisionSpec.tiny()), null, null);
        OnnxOptions options = OnnxOptions.builder().intraOpThreads(Runtime.getRuntime().availableProcessors()).build();
        // -Dsdembed.bench.store=embedded writes to the embedded store (SQLite, in this process) instead of PostgreSQL.
        boolean embedded = "embedded".equals(System.getProperty("sdembed.bench.store"));
        PostgresTestServer server = embedded ? null : PostgresTestServer.shared();
        // -Dsdembed.bench.textDevice=cpu:1 puts bge-small on its own CPU partition (one intra-op thread), so it runs
        // beside the vision encoder instead of taking turns with it on the shared "cpu" device.
        String textDevice = System.getProperty("sdembed.bench.textDevice", "cpu");
        // The device's default share of the cores: every core on cpu, half of them on cpu:1 (partitions = index + 1).
        OnnxOptions textOptions = OnnxOptions.builder().device(textDevice).build();
        try (TextEncoder bge = BgeTextEncoder.builder(TestModels.bgeSmall()).options(textOptions).build();
             ImageEncoder clip = ClipVisionEncoder.builder(vision).options(options).build()) {
            List<String> textList = List.copyOf(texts);
            rawImages(clip, files.subList(0, Math.min(files.size(), 256)));
            bge.embedAll(textList.subList(0, Math.min(textList.size(), 64)));
            List<SlotSpec> slots = List.of(SlotSpec.of("prompt_bge", bge.info()), SlotSpec.of("image_clip", clip.info()));
            // The encoders alone are timed after a warm-up, and so is the pipeline: a run over one of the library's
            // 20 folders compiles its own code first (without it, C2 compiling the pipeline's code took ~15 % of the
            // first timed run's CPU, by perf).
            try (EmbeddingStore store = openStore(embedded, server, slots, stores);
                 BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot("prompt_bge", bge)
                         .imageSlot("image_clip", clip).build()) {
                pipeline.run(library.resolve("d0"));
            }
            double bestImages = Double.MAX_VALUE;
            double bestTexts = Double.MAX_VALUE;
            double imagesCpu = 0;
            double textsCpu = 0;
            double bestPipeline = Double.MAX_VALUE;
            double bestPipelineCpu = 0;
            double bestMachineCpu = 0;
            PipelineSummary last = null;
            for (int round = 0; round < rounds; round++) {
                double cpu0 = processCpuSeconds();
                double images = rawImages(clip, files);
                double cpu1 = processCpuSeconds();
                long t0 = System.nanoTime();
                bge.embedAll(textList);
                double textsTime = (System.nanoTime() - t0) / 1e9;
                double cpu2 = processCpuSeconds();
                if (images < bestImages) {
                    bestImages = images;
                    imagesCpu = cpu1 - cpu0;
                }
                if (textsTime < bestTexts) {
                    bestTexts = textsTime;
                    textsCpu = cpu2 - cpu1;
                }
                try (EmbeddingStore store = openStore(embedded, server, slots, stores);
                     BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot("prompt_bge", bge)
                             .imageSlot("image_clip", clip).build()) {
                    double cpu3 = processCpuSeconds();
                    double machine3 = machineCpuSeconds();
                    long compiling3 = compilingMillis();
                    last = pipeline.run(library);
                    double pipelineCpu = processCpuSeconds() - cpu3;
                    double machineCpu = machineCpuSeconds() - machine3;
                    // The JIT's share shows how warm the round was: compiling the pipeline's own code is a cost
                    // a long bulk run pays once.
                    System.out.printf("round %d: encoders alone %.2f s (images) + %.2f s (texts), pipeline %.2f s,"
                            + " %.2f CPU-s, of which the JIT compiled for %.2f s%n", round + 1, images, textsTime,
                            last.wallTime().toNanos() / 1e9, pipelineCpu, (compilingMillis() - compiling3) / 1e3);
                    if (last.wallTime().toNanos() / 1e9 < bestPipeline) {
                        bestPipeline = last.wallTime().toNanos() / 1e9;
                        bestPipelineCpu = pipelineCpu;
                        bestMachineCpu = machineCpu;
                    }
                }
            }
            double slowest = Math.max(bestImages, bestTexts);
            System.out.printf("library: %d PNGs of %dx%d, %d distinct texts; JVM %s, %d cores%n", count, size, size,
                    texts.size(), Runtime.version(), Runtime.getRuntime().availableProcessors());
            System.out.printf("raw CLIP vision alone: %.2f s = %.1f images/s%n", bestImages, count / bestImages);
            System.out.printf("raw bge-small alone (distinct texts): %.2f s = %.1f texts/s%n", bestTexts,
                    texts.size() / bestTexts);
            System.out.printf("pipeline: %.2f s = %.1f images/s (indexed %d, failed %d)%n", bestPipeline,
                    count / bestPipeline, last.indexed(), last.failed());
            System.out.printf("pipeline / slowest encoder alone: %.1f %%%n", 100 * slowest / bestPipeline);
            // Where both encoders share the same cores, the pipeline cannot finish before their summed CPU work
            // spread over every core: that bounds the ratio whatever the orchestration does.
            int cores = Runtime.getRuntime().availableProcessors();
            double floor = Math.max(slowest, (imagesCpu + textsCpu) / cores);
            System.out.printf("CPU alone: vision %.2f CPU-s (%.2f cores busy), bge-small %.2f CPU-s (%.2f cores busy); "
                    + "sharing %d cores, the encoders' work alone bounds the ratio at %.1f %%%n", imagesCpu,
                    imagesCpu / bestImages, textsCpu, textsCpu / bestTexts, cores, 100 * slowest / floor);
            System.out.printf("pipeline CPU: %.2f CPU-s (%.2f cores busy), the encoders' alone %.2f CPU-s: the pipeline"
                    + " adds %.2f CPU-s, %.2f ms per image%n", bestPipelineCpu, bestPipelineCpu / bestPipeline,
                    imagesCpu + textsCpu, bestPipelineCpu - imagesCpu - textsCpu,
                    1000 * (bestPipelineCpu - imagesCpu - textsCpu) / count);
            if (bestMachineCpu > 0) {
                // The PostgreSQL server's processes are not the JVM's: the machine's CPU time counts them too (and
                // whatever else ran on the machine meanwhile).
                System.out.printf("machine CPU during the pipeline: %.2f CPU-s (%.2f cores busy); beyond the JVM's: "
                        + "%.2f CPU-s%n", bestMachineCpu, bestMachineCpu / bestPipeline, bestMachineCpu - bestPipelineCpu);
            }
            BenchOutput.write(visionArch == null ? "pipeline.json" : "pipeline-" + visionArch + ".json",
                    new PipelineResult(count, size, texts.size(), rounds,
                    count / bestImages, texts.size() / bestTexts, bestImages >= bestTexts ? "clip-vision" : "bge-small",
                    count / slowest, count / bestPipeline, slowest / bestPipeline, last.indexed(), last.failed(),
                    textDevice, clip.device().toString(), embedded ? "embedded" : "postgresql", count / floor,
                    floor / bestPipeline, imagesCpu + textsCpu, bestPipelineCpu, bestMachineCpu,
                    visionArch == null ? "tiny" : visionArch));
        }
    }

    /**
     * One run's figures, as {@link BenchReport} reads them; every rate is over the whole library, best of the rounds.
     *
     * @param slowestEncoder             which encoder alone took longest over the library
     * @param slowestAloneImagesPerSecond library images over that encoder's time alone
     * @param ratio                      pipeline images/s over slowest-encoder-alone images/s
     * @param textDevice                 where bge-small ran ({@code cpu}, or a partition such as {@code cpu:1})
     * @param imageDevice                where the CLIP vision encoder ran
     * @param store                      {@code postgresql} or {@code embedded}
     * @param ceilingImagesPerSecond     library images over the floor the encoders' own work sets: the slowest alone,
     *                                   or their summed CPU seconds over the cores when that is longer
     * @param ceilingRatio               pipeline images/s over the ceiling (issue 21's target: at least 0.9)
     * @param encodersCpuSeconds         the CPU seconds of both encoders alone over the library
     * @param pipelineCpuSeconds         the JVM's CPU seconds during the pipeline run
     * @param machineCpuSeconds          the machine's during it (the PostgreSQL server's too); 0 where unknown
     * @param visionModel                {@code tiny}, or the {@link RealisticArch} id of a full-size tower
     */
    record PipelineResult(int images, int imageSize, int distinctTexts, int rounds, double clipImagesPerSecond,
                          double bgeTextsPerSecond, String slowestEncoder, double slowestAloneImagesPerSecond,
                          double pipelineImagesPerSecond, double ratio, long indexed, long failed,
                          String textDevice, String imageDevice, String store, double ceilingImagesPerSecond,
                          double ceilingRatio, double encodersCpuSeconds, double pipelineCpuSeconds,
                          double machineCpuSeconds, String visionModel) {
    }

    /** The JIT compilers' accumulated time, summed over their threads. */
    private static long compilingMillis() {
        return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** A new, empty store: a folder of the embedded store's, or a schema in the test PostgreSQL server. */
    private static EmbeddingStore openStore(boolean embedded, PostgresTestServer server, List<SlotSpec> slots,
                                            Path stores) throws IOException {
        return embedded
                ? EmbeddedEmbeddingStore.builder().directory(Files.createTempDirectory(stores, "store")).slots(slots)
                        .build()
                : PostgresEmbeddingStore.builder().url(server.url()).schema(server.newSchema("bench_pipeline"))
                        .slots(slots).build();
    }

    /** The machine's busy CPU seconds so far (user, nice, system, irq, softirq of /proc/stat), or 0 off Linux. */
    private static double machineCpuSeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7}) {
                busy += Long.parseLong(f[i]);
            }
            return busy / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static double rawImages(ImageEncoder clip, List<Path> files) {
        long t0 = System.nanoTime();
        for (int i = 0; i < files.size(); i += CHUNK) {
            clip.embedEach(files.subList(i, Math.min(files.size(), i + CHUNK)));
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
