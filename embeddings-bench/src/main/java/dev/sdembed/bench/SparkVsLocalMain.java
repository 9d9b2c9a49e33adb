package dev.sdembed.bench;

import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.spark.SparkIndexJob;
import dev.sdembed.spark.SparkIndexSummary;
import dev.sdembed.spark.FileListing;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestModels;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark job in local mode against {@code sdembed index}'s pipeline on the same library, the same configuration
 * (bge-small for prompts and negatives, a tiny CLIP vision model for pixels), the same PostgreSQL and the same
 * cores, in one JVM: {@code local[N]} with N the machine's cores. The bar: Spark's images/s at least 85 % of
 * the local pipeline's.
 *
 * <p>Each round indexes the library into a fresh schema once per side, the sides alternating which goes first
 * (A/B, B/A, ...) so that drift on a shared machine falls on both. Before its timed run each side indexes a small
 * warm-up library into the same schema, so both run with their encoders loaded and warm: the local side as
 * {@code sdembed index} (one {@link Sdembed}, its pipeline's run timed), the Spark side as {@code sdembed-spark
 * index} (the whole job timed: listing, partitions, tasks, the store's totals). The ratio is reported per round and
 * as the median. Also records where the Spark job's time goes per image, for the projection in
 * {@code docs/spark.md}.
 *
 * <p>{@code java -cp embeddings-bench/target/benchmarks.jar dev.sdembed.bench.SparkVsLocalMain [images] [size]
 * [rounds]} (defaults 2000, 64, 3); with {@code -Dsdembed.bench.out=DIR} the figures also go to
 * {@code DIR/spark.json}.
 */
public final class SparkVsLocalMain {
    private SparkVsLocalMain() {
    }

    public static void main(String[] args) throws IOException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        quietSpark();
        Path library = library(Path.of("target", "bench-spark-" + count + "-" + size).toAbsolutePath(), count, size,
                0);
        Path warmUp = library(Path.of("target", "bench-spark-warmup-" + size).toAbsolutePath(), 128, size, 1);
        Path config = config();
        PostgresTestServer server = PostgresTestServer.shared();
        int cores = Runtime.getRuntime().availableProcessors();
        List<Double> local = new ArrayList<>();
        List<Double> spark = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        List<Double> localPerCpu = new ArrayList<>();
        List<Double> sparkPerCpu = new ArrayList<>();
        List<Double> serverMsPerImage = new ArrayList<>();
        SparkIndexSummary lastSpark = null;
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[" + cores + "]")
                .setAppName("sdembed-spark-bench").set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"))) {
            // A round nobody counts: the JIT compiles both paths before the first measured one.
            runLocal(config, server.url(), server.newSchema("bench_local_jit"), warmUp, library, count, new double[1]);
            runSpark(sc, config, server.url(), server.newSchema("bench_spark_jit"), warmUp, library, count,
                    new double[1]);
            for (int round = 0; round < rounds; round++) {
                double l = 0;
                double s = 0;
                for (int side = 0; side < 2; side++) {
                    boolean sparkSide = (side + round) % 2 == 1;
                    String schema = server.newSchema(sparkSide ? "bench_spark" : "bench_local");
                    double[] cpu = new double[1];
                    if (sparkSide) {
                        double server0 = serverCpuSeconds(server);
                        lastSpark = runSpark(sc, config, server.url(), schema, warmUp, library, count, cpu);
                        // The warm-up library's writes are in it too: 128 of 2,128 images.
                        serverMsPerImage.add(1000 * (serverCpuSeconds(server) - server0) / (count + 128));
                        s = lastSpark.summary().imagesPerSecond();
                        sparkPerCpu.add(count / cpu[0]);
                    } else {
                        l = runLocal(config, server.url(), schema, warmUp, library, count, cpu).imagesPerSecond();
                        localPerCpu.add(count / cpu[0]);
                    }
                }
                local.add(l);
                spark.add(s);
                ratios.add(s / l);
                System.out.printf(Locale.ROOT, "round %d (%s first): local %.1f images/s, Spark %.1f images/s,"
                        + " ratio %.1f %%; per CPU-second of this JVM: local %.1f, Spark %.1f images%n", round + 1,
                        round % 2 == 0 ? "local" : "Spark", l, s, 100 * s / l, localPerCpu.get(round),
                        sparkPerCpu.get(round));
            }
        } finally {
            SparkIndexJob.closeExecutorResources();
        }
        double ratio = median(ratios);
        System.out.printf(Locale.ROOT, "library: %d PNGs of %dx%d; JVM %s, %d cores, Spark local[%d]%n", count, size,
                size, Runtime.version(), cores, cores);
        System.out.printf(Locale.ROOT, "median: local %.1f images/s, Spark %.1f images/s, Spark/local %.1f %%"
                + " (bar: 85 %%); images per CPU-second: local %.1f, Spark %.1f (%.1f %%)%n", median(local),
                median(spark), 100 * ratio, median(localPerCpu), median(sparkPerCpu),
                100 * median(sparkPerCpu) / median(localPerCpu));
        double listing = listingFilesPerSecond();
        System.out.printf(Locale.ROOT, "PostgreSQL CPU per image written (Spark side, warm-up included): %.2f ms;"
                + " driver listing: %.0f files/s%n", median(serverMsPerImage), listing);
        BenchOutput.write("spark.json", new SparkResult(count, size, cores, rounds, local, spark, ratios,
                median(local), median(spark), ratio, localPerCpu, sparkPerCpu, median(serverMsPerImage), listing,
                lastSpark.partitions().size()));
    }

    /**
     * The figures, as {@link BenchReport} reads them.
     *
     * @param localImagesPerSecond per round, {@code sdembed index}'s pipeline
     * @param sparkImagesPerSecond per round, the whole Spark job
     * @param ratios               per round, Spark over local
     * @param localImagesPerCpuSecond per round, images over the CPU time this JVM spent on the local run (on a
     *                             shared machine a side with more threads may take more of the cores than the other;
     *                             this shows whether it also spends more per image)
     * @param sparkImagesPerCpuSecond per round, the same for the Spark job
     * @param serverCpuMsPerImage  PostgreSQL's CPU time per image the Spark job wrote (every process of the test
     *                             cluster; 2 texts and 1 pixel content per image before deduplication, 384-d and
     *                             tiny vectors, HNSW maintained)
     * @param listingFilesPerSecond the driver's listing (walk, write, partition) of 100,000 empty files in 1,000
     *                             folders on this machine's disk, page cache warm
     * @param partitions           partitions of the Spark job
     */
    record SparkResult(int images, int imageSize, int cores, int rounds, List<Double> localImagesPerSecond,
                       List<Double> sparkImagesPerSecond, List<Double> ratios, double medianLocal,
                       double medianSpark, double medianRatio, List<Double> localImagesPerCpuSecond,
                       List<Double> sparkImagesPerCpuSecond, double serverCpuMsPerImage,
                       double listingFilesPerSecond, int partitions) {
    }

    /** {@code cpu[0]} receives the CPU seconds this JVM spent in the timed run. */
    private static PipelineSummary runLocal(Path config, String url, String schema, Path warmUp, Path library,
                                            int count, double[] cpu) {
        try (Sdembed sdembed = Sdembed.builder(SdembedConfig.read(config)).store(url).schema(schema).open()) {
            try (BulkEmbeddingPipeline pipeline = sdembed.pipeline().build()) {
                pipeline.run(warmUp);
            }
            try (BulkEmbeddingPipeline pipeline = sdembed.pipeline().build()) {
                double cpu0 = processCpuSeconds();
                PipelineSummary s = pipeline.run(library);
                cpu[0] = processCpuSeconds() - cpu0;
                check(s.indexed(), count, "local");
                return s;
            }
        }
    }

    private static SparkIndexSummary runSpark(JavaSparkContext sc, Path config, String url, String schema,
                                              Path warmUp, Path library, int count, double[] cpu) {
        SparkIndexJob.builder().roots(List.of(warmUp)).config(config).store(url).schema(schema).build().run(sc);
        double cpu0 = processCpuSeconds();
        SparkIndexSummary s = SparkIndexJob.builder().roots(List.of(library)).config(config).store(url)
                .schema(schema).build().run(sc);
        cpu[0] = processCpuSeconds() - cpu0;
        check(s.summary().indexed(), count, "Spark");
        return s;
    }

    private static void check(long indexed, int count, String side) {
        if (indexed != count) {
            throw new IllegalStateException(side + " indexed " + indexed + " of " + count + " files");
        }
    }

    /**
     * {@code count} PNGs in 20 folders: a prompt shared by every 5 images, 10 negatives, A1111 metadata (the same
     * shape as {@link PipelineThroughputMain}'s library); {@code variant} gives another library's texts and pixels.
     */
    private static Path library(Path dir, int count, int size, int variant) {
        for (int i = 0; i < count; i++) {
            Path file = dir.resolve("d" + (i % 20)).resolve("img-" + i + ".png");
            if (!Files.exists(file)) {
                SdTestImages.a1111(file, size, i + 1_000_000L * variant, "prompt " + variant + "-" + (i % (count / 5))
                        + ", masterpiece, best quality, detailed background", "lowres, bad anatomy " + (i % 10));
            }
        }
        return dir;
    }

    private static Path config() throws IOException {
        Path vision = ClipModelDirectories.vision("bench-spark-vision",
                f -> ClipTestModels.hfVisionWithProjection(f, ClipTestModels.VisionSpec.tiny()), null, null);
        String json = "{\"slots\": {\"prompt_bge\": {\"model\": \"" + TestModels.bgeSmall().toAbsolutePath()
                + "\", \"modality\": \"text\"}, \"image_clip\": {\"model\": \"" + vision.toAbsolutePath()
                + "\", \"modality\": \"image\"}}}";
        Path file = Path.of("target", "bench-spark-config.json").toAbsolutePath();
        Files.createDirectories(file.getParent());
        return Files.writeString(file, json);
    }

    /**
     * CPU seconds of the test cluster's PostgreSQL so far: its postmaster and every backend (Linux {@code /proc};
     * other clusters on the machine are not counted).
     */
    private static double serverCpuSeconds(PostgresTestServer server) throws IOException {
        if (server.clusterDir() == null) {
            return 0;
        }
        String postmaster = Files.readAllLines(server.clusterDir().resolve("data").resolve("postmaster.pid")).get(0)
                .strip();
        long ticks = 0;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // After the name: state, ppid, ..., utime (14th field of the line) and stime (15th).
                    if (p.getFileName().toString().equals(postmaster) || f[1].equals(postmaster)) {
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
                                + Long.parseLong(f[14]);
                    }
                } catch (IOException | RuntimeException gone) {
                    // A backend that ended meanwhile: its time went to the postmaster's children counters.
                }
            }
        }
        return ticks / 100.0;
    }

    /** The driver's listing rate over 100,000 empty image files in 1,000 folders (made once under target/). */
    private static double listingFilesPerSecond() throws IOException {
        Path tree = Path.of("target", "bench-spark-listing").toAbsolutePath();
        Path done = tree.resolve(".complete");
        if (!Files.exists(done)) {
            for (int d = 0; d < 1000; d++) {
                Path dir = Files.createDirectories(tree.resolve("d" + d));
                for (int i = 0; i < 100; i++) {
                    Files.write(dir.resolve("img-" + i + ".png"), new byte[0]);
                }
            }
            Files.write(done, new byte[0]);
        }
        Path work = Files.createTempDirectory("sdembed-bench-listing-");
        try {
            FileListing listing = new FileListing(BulkEmbeddingPipeline.DEFAULT_EXTENSIONS, work);
            listing.walk(List.of(tree), 2, 1000);
            long t0 = System.nanoTime();
            FileListing.Listing l = listing.walk(List.of(tree), 2, 1000);
            return l.files() / ((System.nanoTime() - t0) / 1e9);
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Spark logs through this module's SLF4J binding (slf4j-simple): its INFO lines would bury the figures. */
    private static void quietSpark() {
        for (String logger : List.of("org.apache.spark", "org.apache.hadoop", "org.sparkproject", "io.netty",
                "org.apache.parquet")) {
            System.setProperty("org.slf4j.simpleLogger.log." + logger, "warn");
        }
    }
}
