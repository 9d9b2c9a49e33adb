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

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
