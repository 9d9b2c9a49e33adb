package dev.sdembed.bench;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.testing.Rankings;
import dev.sdembed.testing.SdPrompts;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * BGE at {@code precision: int8} against float32 (issue 21, target 4: kept only with a top-10 agreement on SD prompts
 * of at least 0.95 and at least 1.5 x the speed): bge-small loaded both ways, as the bulk pipeline loads it (attention
 * fused, model cache of its own under target/), over 400 generated SD prompts ({@code SdPrompts}, a seed other than
 * the calibration prompts'). Agreement: for each of the first 200 prompts, the share of its 10 nearest other prompts
 * that both precisions find. Speed: {@code embedAll} of 64 prompts, the two alternating, best of 3 rounds after one.
 *
 * <pre>java -cp benchmarks.jar dev.sdembed.bench.BgeInt8Main</pre>
 *
 * Writes {@code int8.md} into the bench report folder.
 */
public final class BgeInt8Main {
    private static final int EVALUATION_PROMPTS = 400;
    private static final int QUERIES = 200;

    private BgeInt8Main() {
    }

    public static void main(String[] args) throws Exception {
        Path cache = TestPaths.targetDir("bench-int8-cache");
        List<String> corpus = List.copyOf(new LinkedHashSet<>(SdPrompts.generated(EVALUATION_PROMPTS, 12345)));
        try (BgeTextEncoder fp32 = load(OnnxOptions.Precision.FP32, cache);
             BgeTextEncoder int8 = load(OnnxOptions.Precision.INT8, cache)) {
            List<Embedding> a = fp32.embedAll(corpus);
            List<Embedding> b = int8.embedAll(corpus);
            double cosineSum = 0;
            double cosineMin = 1;
            for (int i = 0; i < corpus.size(); i++) {
                double c = Rankings.cosine(a.get(i).vector(), b.get(i).vector());
                cosineSum += c;
                cosineMin = Math.min(cosineMin, c);
            }
            int queries = Math.min(QUERIES, corpus.size());
            double agreement = Rankings.topKAgreement(a.stream().map(Embedding::vector).toList(),
                    b.stream().map(Embedding::vector).toList(), queries, 10);
            List<String> batch = corpus.subList(0, 64);
            double bestFp32 = Double.MAX_VALUE;
            double bestInt8 = Double.MAX_VALUE;
            for (int round = 0; round < 4; round++) {
                double f = time(fp32, batch);
                double i = time(int8, batch);
                if (round > 0) {
                    bestFp32 = Math.min(bestFp32, f);
                    bestInt8 = Math.min(bestInt8, i);
                }
            }
            String md = String.format(Locale.ROOT, """
                    # BGE int8 (issue 21, target 4)

                    bge-small at `precision: int8` (static int8 rewrite of the fused graph, SmoothQuant; see
                    `OnnxOptions.Precision`) against float32, both as the bulk pipeline loads them, on %d generated
                    SD prompts (%d CPU cores):

                    | measure | value | target |
                    |---|---:|---:|
                    | top-10 agreement with float32 (%d queries) | %.4f | >= 0.95 |
                    | cosine(float32, int8), mean / min | %.5f / %.5f | |
                    | 64 prompts, float32 / int8 ms | %.1f / %.1f | |
                    | speed-up | %.2f x | >= 1.5 x |
                    """, corpus.size(), Runtime.getRuntime().availableProcessors(), queries, agreement,
                    cosineSum / corpus.size(), cosineMin, bestFp32, bestInt8, bestFp32 / bestInt8);
            System.out.print(md);
            String out = System.getProperty("sdembed.bench.out");
            if (out != null && !out.isBlank()) {
                Files.createDirectories(Path.of(out));
                Files.writeString(Path.of(out, "int8.md"), md);
            }
        }
    }

    private static BgeTextEncoder load(OnnxOptions.Precision precision, Path cache) {
        return BgeTextEncoder.builder(TestModels.bgeSmall())
                .options(OnnxOptions.builder().precision(precision).modelCache(cache).build()).build();
    }

    private static double time(BgeTextEncoder encoder, List<String> batch) {
        long t0 = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            encoder.embedAll(batch);
        }
        return (System.nanoTime() - t0) / 4e6;
    }
}
