package dev.sdembed.onnx.internal;

import java.util.List;

/**
 * Fixed sizes an axis is padded up to, so a session sees a handful of shapes instead of one per batch (shape-keyed
 * work such as cuDNN's algorithm search then runs once per bucket). No buckets: every size stays as it is.
 */
public final class ShapeBuckets {
    private static final ShapeBuckets NONE = new ShapeBuckets(new int[0]);

    private final int[] sizes;

    private ShapeBuckets(int[] sizes) {
        this.sizes = sizes;
    }

    /**
     * {@code sizes} (strictly ascending), those above {@code limit} dropped and {@code limit} added as the last
     * bucket, so that every size up to the limit has one. No sizes: no buckets.
     */
    public static ShapeBuckets upTo(List<Integer> sizes, int limit) {
        if (sizes.isEmpty()) {
            return NONE;
        }
        int[] kept = sizes.stream().mapToInt(Integer::intValue).filter(s -> s < limit).toArray();
        int[] out = java.util.Arrays.copyOf(kept, kept.length + 1);
        out[kept.length] = limit;
        return new ShapeBuckets(out);
    }

    /**
     * Batch buckets for an encoder taking at most {@code maxBatchSize} rows per inference: the largest configured
     * bucket within it (else the smallest bucket) becomes the cap, so every batch is padded to a bucket.
     */
    public static ShapeBuckets forBatches(List<Integer> sizes, int maxBatchSize) {
        if (sizes.isEmpty()) {
            return NONE;
        }
        int largestWithin = sizes.get(0);
        for (int size : sizes) {
            largestWithin = size <= maxBatchSize ? size : largestWithin;
        }
        return upTo(sizes, largestWithin);
    }

    /**
     * The one batch size a graph with a fixed batch axis takes: every batch is padded to {@code size}, and none may
     * be larger.
     */
    public static ShapeBuckets fixed(int size) {
        return new ShapeBuckets(new int[] {size});
    }

    /**
     * The batch buckets of a graph input whose batch axis is {@code batchAxis}: exactly that size when the graph fixes
     * it (positive), else {@link #forBatches}.
     */
    public static ShapeBuckets forBatchAxis(long batchAxis, List<Integer> sizes, int maxBatchSize) {
        return batchAxis > 0 ? fixed(Math.toIntExact(batchAxis)) : forBatches(sizes, maxBatchSize);
    }

    /** The smallest bucket that holds {@code size}; {@code size} itself when there are no buckets or none holds it. */
    public int roundUp(int size) {
        for (int bucket : sizes) {
            if (bucket >= size) {
                return bucket;
            }
        }
        return size;
    }

    /** The largest bucket, or {@code fallback} when there are none. */
    public int largest(int fallback) {
        return sizes.length == 0 ? fallback : sizes[sizes.length - 1];
    }
}
