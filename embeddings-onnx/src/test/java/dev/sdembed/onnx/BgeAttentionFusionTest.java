package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.SdPrompts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The BGE encoder with its attention fused (the default) against the same encoder running the graph as exported, on
 * the real bge-small weights and the prompts of {@link BgeTextEncoderParityTest}.
 */
class BgeAttentionFusionTest {
    private static BgeTextEncoder fused;
    private static BgeTextEncoder unfused;

    @BeforeAll
    static void load() {
        OnnxOptions options = OnnxOptions.builder().intraOpThreads(2).build();
        fused = BgeTextEncoder.builder(TestModels.bgeSmall()).options(options).build();
        unfused = BgeTextEncoder.builder(TestModels.bgeSmall())
                .options(options.toBuilder().attentionFusion(false).build()).build();
    }

    @AfterAll
    static void close() {
        fused.close();
        unfused.close();
    }

    @Test
    void fusedGraphEmbedsLikeTheExportedOne() {
        List<String> prompts = new ArrayList<>(SdPrompts.EDGE_CASES);
        prompts.addAll(SdPrompts.generated(8, 42));
        prompts.add(SdPrompts.veryLong(700));
        assertThat(prompts).hasSizeGreaterThanOrEqualTo(30);

        List<Embedding> a = fused.embedAll(prompts);
        List<Embedding> b = unfused.embedAll(prompts);

        double worstCosine = 1;
        double worstAbs = 0;
        for (int i = 0; i < prompts.size(); i++) {
            worstCosine = Math.min(worstCosine, a.get(i).cosine(b.get(i)));
            worstAbs = Math.max(worstAbs, a.get(i).maxAbsDifference(b.get(i)));
        }
        System.out.printf("fused vs unfused over %d prompts: min cosine %.9f, max abs diff %.3g%n", prompts.size(),
                worstCosine, worstAbs);
        assertThat(worstCosine).isGreaterThanOrEqualTo(0.9999);
        assertThat(worstAbs).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void switchChoosesTheGraph() {
        assertThat(fused.attentionFused()).isTrue();
        assertThat(fused.clsPruned()).as("CLS pooling reads the first token only").isTrue();
        assertThat(unfused.attentionFused()).isFalse();
        assertThat(unfused.clsPruned()).isFalse();
    }

    @Test
    void meanPoolingKeepsEveryTokenOfTheFusedGraph() {
        OnnxOptions options = OnnxOptions.builder().intraOpThreads(2).build();
        List<String> prompts = List.of("a castle on a hill, (masterpiece:1.2), golden hour",
                "portrait of a fox in a forest, detailed fur, <lora:foxy:0.7>");
        try (BgeTextEncoder fusedMean = BgeTextEncoder.builder(TestModels.bgeSmall()).options(options)
                .pooling(BgeTextEncoder.Pooling.MEAN).build();
             BgeTextEncoder unfusedMean = BgeTextEncoder.builder(TestModels.bgeSmall())
                     .options(options.toBuilder().attentionFusion(false).build())
                     .pooling(BgeTextEncoder.Pooling.MEAN).build()) {
            assertThat(fusedMean.attentionFused()).isTrue();
            assertThat(fusedMean.clsPruned()).isFalse();
            List<Embedding> a = fusedMean.embedAll(prompts);
            List<Embedding> b = unfusedMean.embedAll(prompts);
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(a.get(i).maxAbsDifference(b.get(i))).as(prompts.get(i)).isLessThanOrEqualTo(1e-4);
                assertThat(a.get(i).cosine(fused.embed(prompts.get(i)))).as("differs from CLS pooling")
                        .isLessThan(0.99);
            }
        }
    }

    @Test
    void aHeapTooSmallForTheRewriteLoadsTheGraphAsExported() throws Exception {
        // bge-small is 133 MB; its rewrite needs ~400 MB of heap, which a 300 MB JVM does not have.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(java, "-Xmx300m", "-cp", classpath, "-Dai.djl.offline=true",
                SessionSmokeMain.class.getName(), TestModels.bgeSmall().toString(), "-").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as("exit code; output:%n%s", output).isZero();
        assertThat(output).contains("OK dim=384").contains("fused=false")
                .containsPattern("runs .*model.onnx unfused: rewriting its 12\\d MB graph needs about 3\\d\\d MB of heap, "
                        + "\\d+ MB free \\(raise -Xmx to fuse it\\)");
    }

    @Test
    void fingerprintIsTheExportedFilesEitherWay() {
        assertThat(fused.info().fingerprint()).isEqualTo(unfused.info().fingerprint());
    }
}
