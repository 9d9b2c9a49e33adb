package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.Rankings;
import dev.sdembed.testing.SdPrompts;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link OnnxOptions.Precision#INT8} with real bge-small sessions: embeddings close to float32's (the ranking of SD
 * prompts mostly kept; the bench measures the target, 0.95 of each prompt's 10 nearest), independent of the batch
 * (static scales), a fingerprint of their own, the rewrite kept in the model cache and mapped by a query load, and a
 * clear refusal where int8 does not apply.
 */
class Int8PrecisionTest {
    private static final List<String> PROMPTS = SdPrompts.generated(200, 4242);
    private static Path cache;
    private static List<Embedding> fp32;
    private static List<Embedding> int8;
    private static String int8Fingerprint;

    @BeforeAll
    static void embedBoth() throws IOException {
        cache = TestPaths.emptyDir(TestPaths.targetDir("int8-cache"));
        try (BgeTextEncoder f = BgeTextEncoder.builder(TestModels.bgeSmall())
                .options(OnnxOptions.builder().modelCache(cache).build()).build()) {
            fp32 = f.embedAll(PROMPTS);
            assertThat(f.info().fingerprint()).isEqualTo(ModelDirectory.open(TestModels.bgeSmall()).fingerprint());
        }
        try (BgeTextEncoder q = int8(OnnxOptions.builder())) {
            int8 = q.embedAll(PROMPTS);
            int8Fingerprint = q.info().fingerprint();
            assertThat(q.info().dimension()).isEqualTo(384);
        }
    }

    @Test
    void embedsCloseToFloat32AndKeepsMostOfTheRanking() {
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertThat(Rankings.cosine(fp32.get(i).vector(), int8.get(i).vector())).as(PROMPTS.get(i))
                    .isGreaterThan(0.995);
        }
        assertThat(Rankings.topKAgreement(vectors(fp32), vectors(int8), PROMPTS.size(), 10)).isGreaterThan(0.9);
    }

    @Test
    void anEmbeddingDoesNotDependOnItsBatch() {
        try (BgeTextEncoder q = int8(OnnxOptions.builder())) {
            List<String> batch = List.of(PROMPTS.get(0), "a cat", PROMPTS.get(1), SdPrompts.veryLong(200));
            List<Embedding> together = q.embedAll(batch);
            for (int i = 0; i < batch.size(); i++) {
                assertThat(together.get(i).maxAbsDifference(q.embed(batch.get(i)))).as(batch.get(i))
                        .isLessThan(1e-5);
            }
        }
    }

    @Test
    void hasAFingerprintOfItsOwnAndIsKeptAndMappedByAQueryLoad() throws IOException {
        ModelDirectory dir = ModelDirectory.open(TestModels.bgeSmall());
        assertThat(int8Fingerprint).matches("[0-9a-f]{64}").isNotEqualTo(dir.fingerprint())
                .isEqualTo(dir.fingerprint(OnnxOptions.Precision.INT8, cache))
                .isEqualTo(dir.fingerprint(OnnxOptions.Precision.INT8));
        List<Path> kept;
        try (Stream<Path> s = Files.list(cache.resolve("int8"))) {
            kept = s.toList();
        }
        assertThat(kept).singleElement().satisfies(f -> assertThat(f.getFileName().toString()).endsWith("-cls.onnx"));
        FileTime written = Files.getLastModifiedTime(kept.get(0));

        try (BgeTextEncoder query = int8(OnnxOptions.builder().attentionFusion(false).mappedWeights(true))) {
            assertThat(query.weightsMappedFrom()).as("the kept int8 graph, mapped").isNotNull();
            List<Embedding> again = query.embedAll(PROMPTS.subList(0, 20));
            for (int i = 0; i < again.size(); i++) {
                assertThat(again.get(i).maxAbsDifference(int8.get(i))).isLessThan(1e-5);
            }
        }
        assertThat(Files.getLastModifiedTime(kept.get(0))).as("not made again").isEqualTo(written);
    }

    @Test
    void isRefusedForClipAndOnAGpu() {
        Path clip = ClipModelDirectories.vision("int8-clip", f -> ClipTestModels.hfVisionWithProjection(f,
                VisionSpec.tiny()), null, null);
        OnnxOptions int8 = OnnxOptions.builder().precision(OnnxOptions.Precision.INT8).build();
        assertThatThrownBy(() -> ClipVisionEncoder.builder(clip).options(int8).build())
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("cannot load at precision int8: it applies to BERT models (bge) only");
        assertThatThrownBy(() -> int8(OnnxOptions.builder().device(Device.parse("cuda:0"))))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("cannot run at precision int8 on cuda:0: the int8 graph is for the CPU");
    }

    private static BgeTextEncoder int8(OnnxOptions.Builder options) {
        return BgeTextEncoder.builder(TestModels.bgeSmall()).options(options.precision(OnnxOptions.Precision.INT8)
                .modelCache(cache).build()).build();
    }

    private static List<float[]> vectors(List<Embedding> embeddings) {
        return embeddings.stream().map(Embedding::vector).toList();
    }
}
