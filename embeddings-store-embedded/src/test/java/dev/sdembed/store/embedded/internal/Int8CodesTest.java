package dev.sdembed.store.embedded.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.testing.TestVectors;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The quantised scan against exact inner products: within the error bound, whatever the dimension's padding. */
class Int8CodesTest {

    @Test
    void approximateScoresStayWithinTheBoundOfTheExactOnes() {
        for (int d : new int[] {1024, 384, 37, 1, 3}) {
            int n = 3000;
            float[][] data = TestVectors.clustered(n + 20, d, 50, 2.0, d);
            Int8Codes codes = new Int8Codes(d, 10);
            for (int i = 0; i < n; i++) {
                codes.set(i, data[i]);
            }
            double worst = 0;
            for (int q = 0; q < 20; q++) {
                float[] query = data[n + q];
                Int8Codes.Query quantised = codes.quantise(query);
                float[] scores = new float[n];
                codes.scores(quantised, n, scores);
                double bound = codes.errorBound(quantised);
                for (int i = 0; i < n; i++) {
                    double error = Math.abs(scores[i] - TestVectors.dot(data[i], query));
                    assertThat(error).as("d=%d row %d", d, i).isLessThanOrEqualTo(bound + 1e-6);
                    worst = Math.max(worst, error);
                }
            }
            if (d == 1024) {
                // Far tighter in practice than the bound: what lets a few candidates carry the exact top 10.
                assertThat(worst).isLessThan(0.01);
            }
        }
    }

    @Test
    void extremeComponentsAndAZeroQueryAreScoredWithoutOverflow() {
        int d = 4096;
        float[] spike = new float[d];
        spike[7] = 1;
        float[] flat = new float[d];
        java.util.Arrays.fill(flat, (float) (1 / Math.sqrt(d)));
        float[] negative = flat.clone();
        for (int j = 0; j < d; j++) {
            negative[j] = -negative[j];
        }
        Int8Codes codes = new Int8Codes(d, 3);
        codes.set(0, spike);
        codes.set(1, flat);
        codes.set(2, negative);
        float[] scores = new float[3];
        codes.scores(codes.quantise(flat), 3, scores);
        assertThat((double) scores[0]).isCloseTo(1 / Math.sqrt(d), org.assertj.core.data.Offset.offset(1e-3));
        assertThat((double) scores[1]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
        assertThat((double) scores[2]).isCloseTo(-1.0, org.assertj.core.data.Offset.offset(1e-3));
        codes.scores(codes.quantise(new float[d]), 3, scores);
        assertThat(scores).containsExactly(0f, 0f, 0f);
    }

    @Test
    void rowsGrowAcrossBlocksAndKeepTheirCodes() {
        int d = 64;
        Random random = new Random(5);
        Int8Codes codes = new Int8Codes(d, 1);
        int n = codes.blockRows() * 2 + 17;
        float[][] data = new float[n][];
        for (int i = 0; i < n; i++) {
            data[i] = TestVectors.unitVector(random, d);
            codes.set(i, data[i]);
        }
        // Replacing a row's vector re-quantises that row only.
        codes.set(3, data[n - 1]);
        float[] scores = new float[n];
        codes.scores(codes.quantise(data[n - 1]), n, scores);
        assertThat((double) scores[3]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat((double) scores[n - 1]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat((double) scores[n - 2]).isCloseTo(TestVectors.dot(data[n - 2], data[n - 1]),
                org.assertj.core.data.Offset.offset(0.01));
    }

    /**
     * G1 gives an array of half a region or more whole regions of its own, so 4 MB blocks took 6 MB of heap: every
     * block stays below 1 MB with its header, ordinary with regions of 2 MB or more and filling a 1 MB region.
     */
    @Test
    void everyBlockOfCodesIsUnderOneMegabyte() {
        for (int d : new int[] {384, 1024, 4096}) {
            Int8Codes codes = new Int8Codes(d, 10_000);
            float[] v = TestVectors.unitVector(new Random(d), d);
            for (int i = 0; i < 10_000; i++) {
                codes.set(i, v);
            }
            assertThat(codes.largestBlockBytes() + 16).isLessThan(1 << 20);
            assertThat(codes.largestBlockBytes()).isGreaterThan((1 << 20) - 4L * d);
        }
    }
}
