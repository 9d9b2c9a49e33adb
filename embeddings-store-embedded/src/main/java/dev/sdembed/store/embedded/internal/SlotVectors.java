package dev.sdembed.store.embedded.internal;

import dev.sdembed.hash.ContentHash;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * One slot's current-fingerprint vectors in memory, for search. Stale vectors are never here: they are not searchable
 * until re-embedded. Not thread-safe; the store serialises access.
 *
 * <p>Two forms. <b>Exact</b>: every vector as float32 (4 bytes per dimension), scored exactly; the reference, and what
 * a slot holds while it is small. <b>Quantised</b> ({@link Int8Codes}): from {@code quantiseFrom} vectors on (the
 * vectors then held are converted once), each vector as 8-bit codes plus a scale (about 1.05 bytes per dimension at
 * 1024 dimensions with the hashes and their index), scored approximately; the search then re-ranks the best
 * candidates by their exact scores, computed from the float32 vectors in the store's file. Hashes and rows are
 * kept in a {@link RowIndex}.
 */
public final class SlotVectors {
    /** Rows scored per parallel task: large enough that task overhead stays far below the arithmetic. */
    private static final int CHUNK = 4096;

    private final int dimension;
    private final int quantiseFrom;
    private final RowIndex index;
    private float[] data;
    private Int8Codes codes;

    /** An exact slot: float32 vectors only. */
    public SlotVectors(int dimension) {
        this(dimension, Integer.MAX_VALUE, 1024);
    }

    /**
     * @param quantiseFrom the number of vectors from which they are held quantised ({@link Integer#MAX_VALUE}: never)
     * @param capacity     vectors to make room for at once (the slot's row count when loading it)
     */
    public SlotVectors(int dimension, int quantiseFrom, int capacity) {
        this.dimension = dimension;
        this.quantiseFrom = quantiseFrom;
        int rows = Math.max(1, capacity);
        this.index = new RowIndex(rows);
        if (rows >= quantiseFrom) {
            codes = new Int8Codes(dimension, rows);
        } else {
            data = new float[Math.min(rows, quantiseFrom) * dimension];
        }
    }

    public int size() {
        return index.size();
    }

    public int dimension() {
        return dimension;
    }

    public ContentHash hash(int row) {
        return index.hash(row);
    }

    /** Whether {@link #scores} are exact; when not, they are approximate and {@link #vector} has nothing. */
    public boolean exact() {
        return codes == null;
    }

    /** Adds or replaces the vector of {@code hash}. */
    public void put(ContentHash hash, float[] vector) {
        int row = index.rowOrAdd(hash);
        if (codes == null && index.size() >= quantiseFrom) {
            quantiseHeldVectors();
        }
        if (codes != null) {
            codes.set(row, vector);
            return;
        }
        if ((row + 1) * dimension > data.length) {
            data = Arrays.copyOf(data, Math.max((row + 1) * dimension, data.length * 2));
        }
        System.arraycopy(vector, 0, data, row * dimension, dimension);
    }

    private void quantiseHeldVectors() {
        Int8Codes quantised = new Int8Codes(dimension, index.size());
        int held = index.size() - 1;
        for (int row = 0; row < held; row++) {
            quantised.set(row, Arrays.copyOfRange(data, row * dimension, (row + 1) * dimension));
        }
        codes = quantised;
        data = null;
    }

    /** The vector of {@code hash}, or null when it has no current-fingerprint vector or the slot is quantised. */
    public float[] vector(ContentHash hash) {
        int row = index.row(hash);
        return row < 0 || codes != null ? null : Arrays.copyOfRange(data, row * dimension, (row + 1) * dimension);
    }

    /** The row of {@code hash}, or -1. */
    public int row(ContentHash hash) {
        return index.row(hash);
    }

    /**
     * The inner product of {@code query} with every row, computed on the common pool: exact, or approximate
     * (within {@link #errorBound}) for a quantised slot.
     */
    public float[] scores(float[] query) {
        int size = index.size();
        float[] scores = new float[size];
        if (codes != null) {
            codes.scores(codes.quantise(query), size, scores);
            return scores;
        }
        int chunks = (size + CHUNK - 1) / CHUNK;
        IntStream.range(0, chunks).parallel().forEach(c -> {
            int end = Math.min(size, (c + 1) * CHUNK);
            for (int r = c * CHUNK; r < end; r++) {
                scores[r] = dot(data, r * dimension, query, dimension);
            }
        });
        return scores;
    }

    /** How far an approximate score of {@code query} may be from the exact one: 0 for an exact slot. */
    public double errorBound(float[] query) {
        return codes == null ? 0 : codes.errorBound(codes.quantise(query));
    }

    /** Bytes of heap the vectors, hashes and index take: what the slot costs beyond the objects' few headers. */
    public long heapBytes() {
        return index.heapBytes() + (codes != null ? codes.heapBytes() : 16 + 4L * data.length);
    }

    /**
     * The exact inner product of {@code v} (from offset {@code off}) with {@code q}, summed as every exact score of
     * the store is, so an exact slot and a re-ranked candidate score a vector alike to the last bit.
     */
    public static float dot(float[] v, int off, float[] q, int dimension) {
        // Four accumulators let the JIT overlap the multiply-adds instead of waiting on one running sum.
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int j = 0;
        for (; j + 3 < dimension; j += 4) {
            s0 += v[off + j] * q[j];
            s1 += v[off + j + 1] * q[j + 1];
            s2 += v[off + j + 2] * q[j + 2];
            s3 += v[off + j + 3] * q[j + 3];
        }
        for (; j < dimension; j++) {
            s0 += v[off + j] * q[j];
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
