package dev.sdembed.store.embedded.internal;

import dev.sdembed.hash.ContentHash;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One slot's current-fingerprint vectors held in one float array, for exact (brute-force) inner-product search.
 * Stale vectors are never here: they are not searchable until re-embedded. Not thread-safe; the store serialises
 * access.
 */
public final class SlotVectors {
    /** Rows scored per parallel task: large enough that task overhead stays far below the arithmetic. */
    private static final int CHUNK = 4096;

    private final int dimension;
    private final Map<ContentHash, Integer> rowOf = new HashMap<>();
    private ContentHash[] hashes = new ContentHash[1024];
    private float[] data;
    private int size;

    public SlotVectors(int dimension) {
        this.dimension = dimension;
        this.data = new float[1024 * dimension];
    }

    public int size() {
        return size;
    }

    public ContentHash hash(int row) {
        return hashes[row];
    }

    /** Adds or replaces the vector of {@code hash}. */
    public void put(ContentHash hash, float[] vector) {
        Integer row = rowOf.get(hash);
        if (row == null) {
            if (size == hashes.length) {
                hashes = Arrays.copyOf(hashes, size * 2);
                data = Arrays.copyOf(data, size * 2 * dimension);
            }
            row = size++;
            hashes[row] = hash;
            rowOf.put(hash, row);
        }
        System.arraycopy(vector, 0, data, row * dimension, dimension);
    }

    /** The vector of {@code hash}, or null when it has no current-fingerprint vector. */
    public float[] vector(ContentHash hash) {
        Integer row = rowOf.get(hash);
        return row == null ? null : Arrays.copyOfRange(data, row * dimension, (row + 1) * dimension);
    }

    /** The row of {@code hash}, or -1. */
    public int row(ContentHash hash) {
        Integer row = rowOf.get(hash);
        return row == null ? -1 : row;
    }

    /** The inner product of {@code query} with every row, computed on the common pool. */
    public float[] scores(float[] query) {
        float[] scores = new float[size];
        int chunks = (size + CHUNK - 1) / CHUNK;
        IntStream.range(0, chunks).parallel().forEach(c -> {
            int end = Math.min(size, (c + 1) * CHUNK);
            for (int r = c * CHUNK; r < end; r++) {
                scores[r] = dot(r, query);
            }
        });
        return scores;
    }

    private float dot(int row, float[] q) {
        int off = row * dimension;
        // Four accumulators let the JIT overlap the multiply-adds instead of waiting on one running sum.
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int j = 0;
        for (; j + 3 < dimension; j += 4) {
            s0 += data[off + j] * q[j];
            s1 += data[off + j + 1] * q[j + 1];
            s2 += data[off + j + 2] * q[j + 2];
            s3 += data[off + j + 3] * q[j + 3];
        }
        for (; j < dimension; j++) {
            s0 += data[off + j] * q[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Row numbers of all scores, best first (ties by row). */
    public static int[] order(float[] scores) {
        long[] keys = new long[scores.length];
        for (int r = 0; r < scores.length; r++) {
            keys[r] = ((long) descendingKey(scores[r]) << 32) | r;
        }
        Arrays.sort(keys);
        int[] rows = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            rows[i] = (int) keys[i];
        }
        return rows;
    }

    /** The best {@code m} rows, best first, in O(n log m). */
    public static int[] top(float[] scores, int m) {
        if (m >= scores.length) {
            return order(scores);
        }
        // A min-heap of packed (key, row) where larger key = better score, so the root is the worst kept.
        long[] heap = new long[m];
        int n = 0;
        for (int r = 0; r < scores.length; r++) {
            long key = ((long) ascendingKey(scores[r]) << 32) | (0xFFFFFFFFL & ~r);
            if (n < m) {
                heap[n] = key;
                siftUp(heap, n++);
            } else if (key > heap[0]) {
                heap[0] = key;
                siftDown(heap, n);
            }
        }
        Arrays.sort(heap, 0, n);
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = ~(int) heap[n - 1 - i];
        }
        return rows;
    }

    /** Maps a float to an int whose signed order is the float order (IEEE total order trick). */
    private static int ascendingKey(float f) {
        int bits = Float.floatToIntBits(f);
        return bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
    }

    /** A key whose ascending order is {@code f}'s descending order. */
    static int descendingKey(float f) {
        return -ascendingKey(f) - 1;
    }

    private static void siftUp(long[] heap, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (heap[parent] <= heap[i]) {
                return;
            }
            long t = heap[parent];
            heap[parent] = heap[i];
            heap[i] = t;
            i = parent;
        }
    }

    private static void siftDown(long[] heap, int n) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                return;
            }
            int smallest = l + 1 < n && heap[l + 1] < heap[l] ? l + 1 : l;
            if (heap[i] <= heap[smallest]) {
                return;
            }
            long t = heap[i];
            heap[i] = heap[smallest];
            heap[smallest] = t;
            i = smallest;
        }
    }
}
