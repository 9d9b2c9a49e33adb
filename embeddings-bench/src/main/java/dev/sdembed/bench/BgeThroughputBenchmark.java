package dev.sdembed.bench;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.SdPrompts;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Texts/s of sdembed's BGE encoder on bge-small-en-v1.5 (fp32) over 256 Stable Diffusion prompts, by largest batch
 * size. Batches are cut from length-sorted prompts under a token budget. Compare with
 * {@link LangChain4jBgeBenchmark} in the same run ({@link BgeComparison} prints the ratio).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 8)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx4g"})
public class BgeThroughputBenchmark {
    static final int PROMPTS = 256;

    @Param({"1", "8", "32", "64"})
    public int batchSize;

    /**
     * {@code sequential}: one batch at a time using all cores; {@code parallel}: one intra-op thread per batch and as
     * many batches at once as there are cores.
     */
    @Param({"sequential", "parallel"})
    public String layout;

    /**
     * {@code on}: the graph with each layer's attention fused into ONNX Runtime's {@code Attention} kernel and the
     * last layer after its attention run for the CLS token only (the default, {@link
     * OnnxOptions.Builder#attentionFusion}); {@code off}: the graph as exported.
     */
    @Param({"on", "off"})
    public String fusion;

    private BgeTextEncoder encoder;
    private ExecutorService executor;
    private List<String> prompts;

    @Setup(Level.Trial)
    public void load() {
        prompts = SdPrompts.generated(PROMPTS, 2024);
        int cores = Runtime.getRuntime().availableProcessors();
        boolean parallel = layout.equals("parallel");
        BgeTextEncoder.Builder builder = BgeTextEncoder.builder(TestModels.bgeSmall())
                .options(OnnxOptions.builder().intraOpThreads(parallel ? 1 : cores).interOpThreads(1)
                        .maxBatchSize(batchSize).tokenBudget(1 << 20).attentionFusion(fusion.equals("on")).build());
        if (parallel) {
            executor = Executors.newFixedThreadPool(cores);
            builder.batchExecutor(executor);
        }
        encoder = builder.build();
    }

    @TearDown(Level.Trial)
    public void close() {
        encoder.close();
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Benchmark
    @OperationsPerInvocation(PROMPTS)
    public List<Embedding> embedAll() {
        return encoder.embedAll(prompts);
    }
}
