package dev.sdembed.testing;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * How much two embeddings of the same texts (their vectors, L2-normalised) agree on which texts are near which: for
 * precision trade-offs.
 */
public final class Rankings {
    private Rankings() {
    }

    /**
     * For each of the first {@code queries} texts, the share of its {@code k} nearest other texts under
     * {@code reference} that are also among its {@code k} nearest under {@code other}; the mean over the queries.
     */
    public static double topKAgreement(List<float[]> reference, List<float[]> other, int queries, int k) {
        int n = Math.min(queries, reference.size());
        double agreement = 0;
        for (int q = 0; q < n; q++) {
            Set<Integer> top = nearest(reference, q, k);
            top.retainAll(nearest(other, q, k));
            agreement += top.size() / (double) k;
        }
        return agreement / n;
    }

    /** The dot product of two vectors: the cosine of L2-normalised embeddings. */
    public static double cosine(float[] a, float[] b) {
        double s = 0;
        for (int d = 0; d < a.length; d++) {
            s += a[d] * b[d];
        }
        return s;
    }

    private static Set<Integer> nearest(List<float[]> all, int query, int k) {
        PriorityQueue<double[]> top = new PriorityQueue<>(Comparator.comparingDouble(x -> x[0]));
        for (int i = 0; i < all.size(); i++) {
            if (i != query) {
                top.add(new double[] {cosine(all.get(i), all.get(query)), i});
                if (top.size() > k) {
                    top.poll();
                }
            }
        }
        Set<Integer> ids = new HashSet<>();
        top.forEach(x -> ids.add((int) x[1]));
        return ids;
    }
}
