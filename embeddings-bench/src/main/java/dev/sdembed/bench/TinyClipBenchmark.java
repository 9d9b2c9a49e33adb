package dev.sdembed.bench;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.image.ClipPreprocessor;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.PixelTensor;
import dev.sdembed.onnx.ClipTextEncoder;
import dev.sdembed.onnx.ClipVisionEncoder;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.onnx.clip.ClipTokenizerJson;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
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
 * The CLIP encoders' own cost around ONNX Runtime, on tiny generated towers with the real exports' signatures
 * (text: int64 [batch, 77] → [batch, 64] through a 49,408-row token table; vision: [batch, 3, 224, 224] → [batch, 64]
 * through a 14-pixel patch embedding, as ViT-H/14): one call per batch, so ops/s x batch = items/s. Real CLIP
 * weights are not obtainable here; these numbers show the per-item overhead (tokenising, framing, tensor copies,
 * normalising) that a real model's inference time adds to.
 *
 * <ul>
 *   <li>{@code textEmbedAll}: tokenise, frame and embed {@code batch} SD prompts.
 *   <li>{@code visionEmbedPixels}: embed {@code batch} preprocessed images (inference only).
 *   <li>{@code visionEmbedFiles}: decode + preprocess + embed 64 PNG files (512 x 384) in batches of {@code batch},
 *       decoding on 2 worker threads while the model runs: ops/s x 64 = images/s.
 * </ul>
 *
 * <p>Needs OpenAI's BPE file from {@code ../shared/fixtures/clip} (or {@code -Dsdembed.fixtures=DIR}). Run:
 * {@code java -jar embeddings-bench/target/benchmarks.jar TinyClip -f 1 -wi 2 -i 3 -w 2s -r 2s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx2g"})
public class TinyClipBenchmark {
    static final int FILES = 64;

    @Param({"1", "16", "64"})
    public int batch;

    private ClipTextEncoder text;
    private ClipVisionEncoder vision;
    private List<String> prompts;
    private List<PixelTensor> pixels;
    private List<Path> files;

    @Setup(Level.Trial)
    public void load() {
        Path bpe = ImagePreprocessBenchmark.fixtures().resolve("clip/bpe_simple_vocab_16e6.txt.gz");
        OnnxOptions options = OnnxOptions.builder().intraOpThreads(2).maxBatchSize(batch).build();
        Path tokenizer = ClipTokenizerJson.write(bpe, TestPaths.targetDir("bench-tokenizer"), ClipModelDirectories.PAD_ZERO);
        Path textDir = ClipModelDirectories.text("bench-text", tokenizer,
                f -> ClipTestModels.hfTextWithProjection(f, new TextSpec(64, 64, 49_408, true, 1)), null);
        Path visionDir = ClipModelDirectories.vision("bench-vision", f -> ClipTestModels.hfVisionWithProjection(f,
                new VisionSpec(224, 14, 64, 64, 2)), null, null);
        text = ClipTextEncoder.builder(textDir).options(options).build();
        vision = ClipVisionEncoder.builder(visionDir).options(options).preprocessThreads(2).build();
        prompts = SdPrompts.generated(batch, 2024);
        files = new ArrayList<>();
        Path images = TestPaths.targetDir("bench-images");
        for (int i = 0; i < FILES; i++) {
            files.add(TestImageFiles.pattern(images.resolve("image-" + i + ".png"), 512, 384, i, "png"));
        }
        ClipPreprocessor preprocessor = ClipPreprocessor.of(vision.preprocessing());
        pixels = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            pixels.add(preprocessor.preprocess(ImageDecoder.defaults().decode(files.get(i % FILES))));
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        text.close();
        vision.close();
    }

    @Benchmark
    public List<Embedding> textEmbedAll() {
        return text.embedAll(prompts);
    }

    @Benchmark
    public List<Embedding> visionEmbedPixels() {
        return vision.embedPixels(pixels);
    }

    @Benchmark
    public List<ImageEmbeddingResult> visionEmbedFiles() {
        return vision.embedEach(files);
    }

    /** For debugging in an IDE: runs in this JVM. */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(TinyClipBenchmark.class.getSimpleName()).forks(0).build()).run();
    }
}
