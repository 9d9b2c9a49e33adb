package dev.sdembed.bench;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.sdembed.testing.SdPrompts;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The baseline: LangChain4j's in-process bge-small {@code embedAll} on the same 256 prompts. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx4g"})
public class LangChain4jBgeBenchmark {
    private BgeSmallEnV15EmbeddingModel model;
    private List<TextSegment> segments;

    @Setup(Level.Trial)
    public void load() {
        model = new BgeSmallEnV15EmbeddingModel();
        segments = SdPrompts.generated(BgeThroughputBenchmark.PROMPTS, 2024).stream().map(TextSegment::from).toList();
    }

    @Benchmark
    @OperationsPerInvocation(BgeThroughputBenchmark.PROMPTS)
    public Object embedAll() {
        return model.embedAll(segments).content();
    }
}
