package dev.sdembed.bench;

import dev.sdembed.encoder.Device;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestModels;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The same pipeline workload on one CPU device vs two CPU partitions: two text slots, each filled by its own
 * bge-small session, index {@value #IMAGES} images (distinct prompts, one shared negative) into a fresh embedded
 * store per invocation. With {@code devices=1} both sessions are on {@code cpu} with every core each and the
 * pipeline runs their calls one at a time; with {@code devices=2} they are on {@code cpu:0} and {@code cpu:1}
 * with half the cores each and run concurrently. Time per invocation; images/s = {@value #IMAGES} / time.
 *
 * <p>Run: {@code java -jar embeddings-bench/target/benchmarks.jar DeviceScheduling}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 8)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
public class DeviceSchedulingBenchmark {
    static final int IMAGES = 32;

    @Param({"1", "2"})
    public int devices;

    private BgeTextEncoder first;
    private BgeTextEncoder second;
    private Path library;
    private final AtomicInteger invocation = new AtomicInteger();
    private EmbeddedEmbeddingStore store;
    private BulkEmbeddingPipeline pipeline;

    @Setup(Level.Trial)
    public void load() {
        Device a = devices == 1 ? Device.CPU : Device.cpu(0);
        Device b = devices == 1 ? Device.CPU : Device.cpu(1);
        first = BgeTextEncoder.builder(TestModels.bgeSmall())
                .options(OnnxOptions.builder().device(a).cpuPartitions(devices).build()).build();
        second = BgeTextEncoder.builder(TestModels.bgeSmall())
                .options(OnnxOptions.builder().device(b).cpuPartitions(devices).build()).build();
        library = TestPaths.targetDir("bench-device-scheduling");
        for (int i = 0; i < IMAGES; i++) {
            Path file = library.resolve("img-" + i + ".png");
            if (!Files.exists(file)) {
                SdTestImages.a1111(file, 8, 4_000 + i, "portrait of a knight in ornate armour, variant " + i
                        + ", volumetric light, intricate, highly detailed, artstation", "lowres, blurry");
            }
        }
    }

    @Setup(Level.Invocation)
    public void freshStore() {
        Path dir = TestPaths.targetDir("bench-device-scheduling-store/" + devices + "-" + invocation.incrementAndGet());
        try {
            Files.deleteIfExists(dir.resolve(EmbeddedEmbeddingStore.FILE_NAME));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store = EmbeddedEmbeddingStore.builder().directory(dir).slot(SlotSpec.of("prompt_a", first.info()))
                .slot(SlotSpec.of("prompt_b", second.info())).build();
        pipeline = BulkEmbeddingPipeline.builder(store).textSlot("prompt_a", first).textSlot("prompt_b", second)
                .batchSize(8).batchesInFlight(2).build();
    }

    @Benchmark
    public PipelineSummary indexLibrary() {
        PipelineSummary summary = pipeline.run(library);
        if (summary.indexed() != IMAGES) {
            throw new IllegalStateException("Indexed " + summary.indexed() + " of " + IMAGES);
        }
        return summary;
    }

    @TearDown(Level.Invocation)
    public void closeStore() {
        pipeline.close();
        store.close();
    }

    @TearDown(Level.Trial)
    public void close() {
        first.close();
        second.close();
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(DeviceSchedulingBenchmark.class.getSimpleName()).build()).run();
    }
}
