package dev.sdembed.onnx.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts a request into batches by token budget: items sorted by length, so each batch pads to a similar length,
 * and a batch closes before {@code size × longest} exceeds the budget or the batch reaches the size cap. Returns
 * index groups into the caller's list, so results can be put back in input order.
 */
public final class TokenBudgetBatcher {

    private TokenBudgetBatcher() {
    }

    /**
     * @param lengths      token count of each item (after truncation)
     * @param tokenBudget  the most {@code batchSize × paddedLength} one batch may hold
     * @param maxBatchSize the most items one batch may hold
     * @return batches of item indices; every index appears exactly once; within a batch ascending by length
     */
    public static List<int[]> batches(int[] lengths, int tokenBudget, int maxBatchSize) {
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // Stable sort: equal lengths keep input order, so the batching of a request is deterministic.
        Arrays.sort(order, Comparator.comparingInt(i -> lengths[i]));
        List<int[]> batches = new ArrayList<>();
        int start = 0;
        while (start < order.length) {
            int end = start + 1;
            while (end < order.length && end - start < maxBatchSize
                    && (long) (end - start + 1) * lengths[order[end]] <= tokenBudget) {
                end++;
            }
            int[] batch = new int[end - start];
            for (int i = start; i < end; i++) {
                batch[i - start] = order[i];
            }
            batches.add(batch);
            start = end;
        }
        return batches;
    }
}
