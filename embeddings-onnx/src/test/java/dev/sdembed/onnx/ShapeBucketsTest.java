package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.SdPrompts;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Batch and sequence buckets on the real bge-small: same embeddings, and the session only sees bucketed shapes. */
class ShapeBucketsTest {
    private static final Pattern SHAPE = Pattern.compile("(\\w+)\\[(\\d+), (\\d+)]");

    @Test
    void bucketedBatchesEmbedAsUnbucketedOnesAndOnlyBucketedShapesReachTheSession() {
        List<String> texts = new ArrayList<>(SdPrompts.generated(21, 5));
        texts.add(SdPrompts.veryLong(600));
        texts.add("a cat");
        texts.add("");
        OnnxOptions plain = OnnxOptions.builder().intraOpThreads(2).maxBatchSize(16).tokenBudget(4096).build();
        OnnxOptions bucketed = plain.toBuilder().batchBuckets(List.of(4, 8, 16))
                .sequenceBuckets(List.of(16, 32, 64, 128)).build();
        try (BgeTextEncoder reference = BgeTextEncoder.builder(TestModels.bgeSmall()).options(plain).build();
             BgeTextEncoder withBuckets = BgeTextEncoder.builder(TestModels.bgeSmall()).options(bucketed).build()) {
            List<Embedding> expected = reference.embedAll(texts);
            List<Embedding> actual = withBuckets.embedAll(texts);
            List<Embedding> single = withBuckets.embedAll(List.of(texts.get(3)));

            for (int i = 0; i < texts.size(); i++) {
                assertThat(actual.get(i).maxAbsDifference(expected.get(i))).as("text %d", i)
                        .isLessThanOrEqualTo(1e-5f);
            }
            assertThat(single.get(0).maxAbsDifference(expected.get(3))).isLessThanOrEqualTo(1e-5f);

            Set<String> shapes = withBuckets.inputShapes();
            assertThat(shapes).isNotEmpty().allSatisfy(shape -> {
                Matcher m = SHAPE.matcher(shape);
                assertThat(m.matches()).as(shape).isTrue();
                assertThat(Integer.parseInt(m.group(2))).as("rows of " + shape).isIn(4, 8, 16);
                assertThat(Integer.parseInt(m.group(3))).as("tokens of " + shape).isIn(16, 32, 64, 128, 512);
            });
            assertThat(reference.inputShapes()).as("without buckets, batches have other shapes")
                    .anySatisfy(shape -> {
                        Matcher m = SHAPE.matcher(shape);
                        assertThat(m.matches()).isTrue();
                        assertThat(Integer.parseInt(m.group(3))).isNotIn(16, 32, 64, 128, 512);
                    });
        }
    }

    @Test
    void aMaxBatchSizeBetweenBucketsCapsBatchesAtTheBucketBelowIt() {
        OnnxOptions options = OnnxOptions.builder().intraOpThreads(2).maxBatchSize(10)
                .batchBuckets(List.of(4, 8, 16)).build();
        try (BgeTextEncoder encoder = BgeTextEncoder.builder(TestModels.bgeSmall()).options(options).build()) {
            encoder.embedAll(SdPrompts.generated(20, 9));

            assertThat(encoder.inputShapes()).allSatisfy(shape -> {
                Matcher m = SHAPE.matcher(shape);
                assertThat(m.matches()).isTrue();
                assertThat(Integer.parseInt(m.group(2))).as("rows of " + shape).isIn(4, 8);
            });
        }
    }
}
