package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.onnx.internal.TokenBudgetBatcher;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TokenBudgetBatcherTest {

    @Test
    void everyItemAppearsOnceAndBatchesRespectBudgetAndSize() {
        Random random = new Random(1);
        int[] lengths = IntStream.range(0, 500).map(i -> 2 + random.nextInt(300)).toArray();
        List<int[]> batches = TokenBudgetBatcher.batches(lengths, 4096, 32);

        int[] seen = new int[lengths.length];
        for (int[] batch : batches) {
            int longest = Arrays.stream(batch).map(i -> lengths[i]).max().orElseThrow();
            assertThat(batch.length).isLessThanOrEqualTo(32);
            assertThat((long) batch.length * longest).isLessThanOrEqualTo(4096);
            for (int i : batch) {
                seen[i]++;
            }
        }
        assertThat(seen).containsOnly(1);
    }

    @Test
    void sortsByLengthSoPaddingStaysSmall() {
        int[] lengths = {300, 5, 290, 6, 7, 310};
        List<int[]> batches = TokenBudgetBatcher.batches(lengths, 1000, 64);
        assertThat(batches.get(0)).containsExactly(1, 3, 4);
        assertThat(batches.get(1)).containsExactly(2, 0, 5);
    }

    @Test
    void aSingleItemOverTheBudgetRunsAlone() {
        List<int[]> batches = TokenBudgetBatcher.batches(new int[] {10, 5000, 10}, 100, 64);
        assertThat(batches).hasSize(2);
        assertThat(batches.get(1)).containsExactly(1);
    }
}
