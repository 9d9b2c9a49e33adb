package dev.sdembed.bench.realistic;

import dev.sdembed.bench.realistic.RealisticArch.Modality;
import dev.sdembed.bench.realistic.RealisticModels.Spec;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.image.ClipPreprocessor;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.PixelTensor;
import dev.sdembed.onnx.ClipVisionEncoder;
import dev.sdembed.onnx.LongPromptPolicy;
import dev.sdembed.onnx.OnnxEncoders;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.testing.TestImageFiles;
import dev.sdembed.testing.SdPrompts;
import dev.sdembed.testing.TestPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * CPU throughput of the real-size CLIP towers ({@link RealisticModels}: random weights, real shapes and operators)
 * through the SDK's encoders, 2 intra-op threads. One op embeds {@code batch} items, so ops/s × batch = images/s or
 * texts/s; {@link GpuProjection} turns the JSON result into GFLOP/s and the GPU projection.
 *
 * <ul>
 *   <li>Vision: {@link ClipVisionEncoder#embedPixels} over pre-made 224 × 224 pixel tensors, so the figure is the
 *       model (plus the tensor copy and normalisation), not JPEG/PNG decoding, which runs on other threads in a
 *       bulk run ({@code ImagePreprocessBenchmark} measures that).
 *   <li>Text: {@code embedAll} over SD-style prompts (tokenising included: microseconds against the model's
 *       100 ms to seconds per batch).
 * </ul>
 *
 * <p>Settings fit a 2-core machine: ViT-H/14 takes seconds per image, so one short warm-up iteration (the first
 * run allocates ORT's buffers) and two measured ones. Models are generated on first use (≈ 7 GB for all five, about
 * a minute) and cached under {@code embeddings-bench/target/realistic-models/}. Text models need OpenAI's BPE file
 * from {@code ../shared/fixtures/clip} (or {@code -Dsdembed.fixtures=DIR}). Run:
 * {@code java -jar embeddings-bench/target/benchmarks.jar RealisticModel -rf json -rff realistic.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 2, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
public class RealisticModelBenchmark {
    @Param({"vit-b-32", "vit-l-14", "vit-h-14", "clip-l-text", "bigg-text"})
    public String arch;

    /** 1 and 4, not larger: a ViT-H/14 batch of 8 takes about a minute per call here (override with -p batch=...). */
    @Param({"1", "4"})
    public int batch;

    private ClipVisionEncoder vision;
    private TextEncoder text;
    private List<PixelTensor> pixels;
    private List<String> prompts;

    @Setup(Level.Trial)
    public void load() {
        RealisticArch a = RealisticArch.fromId(arch);
        Path dir = RealisticModels.directory(Spec.of(a), bpe());
        OnnxOptions options = OnnxOptions.builder().intraOpThreads(2).maxBatchSize(batch).build();
        if (a.modality() == Modality.VISION) {
            vision = ClipVisionEncoder.builder(dir).options(options).preprocessThreads(1).build();
            ClipPreprocessor preprocessor = ClipPreprocessor.of(vision.preprocessing());
            Path images = TestPaths.targetDir("bench-images");
            pixels = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                Path file = TestImageFiles.pattern(images.resolve("realistic-" + i + ".png"), 512, 384, i, "png");
                pixels.add(preprocessor.preprocess(ImageDecoder.defaults().decode(file)));
            }
        } else {
            text = OnnxEncoders.text(dir, options, LongPromptPolicy.TRUNCATE);
            prompts = SdPrompts.generated(batch, 2024);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        if (vision != null) {
            vision.close();
        }
        if (text != null) {
            text.close();
        }
    }

    @Benchmark
    public List<Embedding> embed() {
        return vision != null ? vision.embedPixels(pixels) : text.embedAll(prompts);
    }

    /** OpenAI's BPE vocabulary from the shared fixtures (text models only). */
    static Path bpe() {
        String configured = System.getProperty("sdembed.fixtures");
        Path fixtures = configured != null ? Path.of(configured)
                : TestPaths.repoRoot().resolveSibling("shared").resolve("fixtures");
        return fixtures.resolve("clip").resolve("bpe_simple_vocab_16e6.txt.gz");
    }

    /** For debugging in an IDE: runs in this JVM. */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(RealisticModelBenchmark.class.getSimpleName()).forks(0).build()).run();
    }
}
