package dev.sdembed.store.embedded.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.StoreTestData;
import dev.sdembed.testing.TestVectors;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The brute-force scoring and selection against a plain sort of exact inner products. */
class SlotVectorsTest {

    @Test
    void topAndOrderAgreeWithSortingExactScores() {
        int n = 10_000;
        int d = 37;
        Random random = new Random(3);
        float[][] data = new float[n][];
        SlotVectors vectors = new SlotVectors(d);
        for (int i = 0; i < n; i++) {
            data[i] = TestVectors.unitVector(random, d);
            vectors.put(ContentHash.ofText("c" + i), data[i]);
        }
        // Replacing a vector keeps one row per content.
        vectors.put(ContentHash.ofText("c5"), data[6]);
        data[5] = data[6];
        assertThat(vectors.size()).isEqualTo(n);

        float[] query = TestVectors.unitVector(random, d);
        float[] scores = vectors.scores(query);
        for (int i = 0; i < n; i++) {
            assertThat((double) scores[i]).isCloseTo(TestVectors.dot(data[i], query),
                    org.assertj.core.data.Offset.offset(1e-5));
        }
        int[] expected = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        assertThat(SlotVectors.order(scores)).containsExactly(expected);
        assertThat(SlotVectors.top(scores, 25)).containsExactly(java.util.Arrays.copyOf(expected, 25));
        // Rows 5 and 6 tie exactly: the lower row comes first.
        int at5 = indexOf(expected, 5);
        assertThat(expected[at5 + 1]).isEqualTo(6);
    }

    @Test
    void aSlotIsHeldExactUntilItReachesTheThresholdThenQuantisedWithTheSameRows() {
        int d = 48;
        Random random = new Random(8);
        SlotVectors vectors = new SlotVectors(d, 100, 1);
        float[][] data = new float[150][];
        for (int i = 0; i < 99; i++) {
            data[i] = TestVectors.unitVector(random, d);
            vectors.put(ContentHash.ofText("c" + i), data[i]);
        }
        assertThat(vectors.exact()).isTrue();
        assertThat(vectors.vector(ContentHash.ofText("c4"))).containsExactly(data[4]);
        assertThat(vectors.errorBound(data[0])).isZero();
        for (int i = 99; i < 150; i++) {
            data[i] = TestVectors.unitVector(random, d);
            vectors.put(ContentHash.ofText("c" + i), data[i]);
        }
        assertThat(vectors.exact()).isFalse();
        assertThat(vectors.vector(ContentHash.ofText("c4"))).isNull();
        assertThat(vectors.row(ContentHash.ofText("c4"))).isEqualTo(4);
        float[] query = TestVectors.unitVector(random, d);
        float[] scores = vectors.scores(query);
        double bound = vectors.errorBound(query);
        assertThat(bound).isPositive();
        for (int i = 0; i < 150; i++) {
            assertThat(Math.abs(scores[i] - TestVectors.dot(data[i], query))).isLessThanOrEqualTo(bound);
        }
    }

    /**
     * The budget of 1.2 bytes per dimension and vector (at 1024 dimensions) from the arrays the slot holds: loaded
     * with its row count known (the store counts the rows first), and grown one vector at a time as a writer's
     * commits grow it. At 384 dimensions the 48 bytes of hash, scale and index per vector weigh more.
     */
    @Test
    void aQuantisedSlotTakesAtMostOnePointTwoBytesPerDimensionAndVector() {
        for (int d : new int[] {1024, 384}) {
            int n = 3 * VectorCache.QUANTISE_FROM + 1000;
            SlotVectors loaded = new SlotVectors(d, VectorCache.QUANTISE_FROM, n);
            SlotVectors grown = new SlotVectors(d, VectorCache.QUANTISE_FROM, 1);
            float[] v = TestVectors.unitVector(new Random(d), d);
            double worstGrown = 0;
            for (int i = 0; i < n; i++) {
                ContentHash hash = ContentHash.ofText("c" + i);
                loaded.put(hash, v);
                grown.put(hash, v);
                if (!grown.exact() && i % 97 == 0) {
                    worstGrown = Math.max(worstGrown, (double) grown.heapBytes() / ((i + 1L) * d));
                }
            }
            double perLoaded = (double) loaded.heapBytes() / ((long) n * d);
            System.out.printf("%d-d: %.3f bytes per dimension and vector loaded, %.3f at worst while growing%n", d,
                    perLoaded, worstGrown);
            assertThat(perLoaded).isLessThanOrEqualTo(d == 1024 ? 1.06 : 1.14);
            assertThat(worstGrown).isLessThanOrEqualTo(d == 1024 ? 1.2 : 1.3);
            // An exact slot holds float32: four bytes per dimension and vector.
            SlotVectors exact = new SlotVectors(d, Integer.MAX_VALUE, n);
            for (int i = 0; i < n; i++) {
                exact.put(ContentHash.ofText("c" + i), v);
            }
            assertThat((double) exact.heapBytes() / ((long) n * d)).isGreaterThan(4.0);
        }
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
