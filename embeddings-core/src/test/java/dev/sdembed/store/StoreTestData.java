package dev.sdembed.store;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/** Vectors, records and exact search for store tests, shared by every store's tests through the test-jar. */
public final class StoreTestData {
    public static final Instant MODIFIED = Instant.parse("2024-05-01T12:00:00.123456Z");

    private StoreTestData() {
    }

    public static SlotSpec textSlot(String name, int dimension) {
        return new SlotSpec(name, Modality.TEXT, dimension, "test-text-encoder", "fp-" + name + "-1", null);
    }

    public static SlotSpec imageSlot(String name, int dimension) {
        return new SlotSpec(name, Modality.IMAGE, dimension, "test-image-encoder", "fp-" + name + "-1", null);
    }

    /** A unit vector drawn from {@code random}, uniformly on the sphere. */
    public static float[] unitVector(Random random, int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return normalise(v);
    }

    /** The unit vector for {@code seed}: the same seed always gives the same vector. */
    public static float[] unitVector(long seed, int dimension) {
        return unitVector(new Random(seed), dimension);
    }

    public static float[] normalise(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        double norm = Math.sqrt(sum);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }

    /** {@code base} moved by Gaussian noise of {@code sigma} per component, normalised again. */
    public static float[] near(float[] base, double sigma, Random random) {
        float[] v = base.clone();
        for (int i = 0; i < v.length; i++) {
            v[i] += (float) (random.nextGaussian() * sigma);
        }
        return normalise(v);
    }

    /**
     * Vectors shaped like real embeddings rather than uniform noise: {@code clusters} topics, each a random center,
     * with members spread around it (per-component noise {@code spread / sqrt(dimension)}, so the spread is
     * independent of the dimension), and clusters of unequal sizes.
     */
    public static float[][] clustered(int count, int dimension, int clusters, double spread, long seed) {
        Random random = new Random(seed);
        float[][] centers = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            centers[c] = unitVector(random, dimension);
        }
        double sigma = spread / Math.sqrt(dimension);
        float[][] out = new float[count][];
        for (int i = 0; i < count; i++) {
            // Squaring a uniform draw gives a few large topics and many small ones, as prompt libraries have.
            int c = (int) (Math.pow(random.nextDouble(), 2) * clusters);
            out[i] = near(centers[c], sigma, random);
        }
        return out;
    }

    /** Indexes of the exact top-k of {@code data} by inner product with {@code query}, best first. */
    public static int[] exactTopK(float[][] data, float[] query, int k) {
        return exactTopK(data, query, k, i -> true);
    }

    public static int[] exactTopK(float[][] data, float[] query, int k, IntPredicate allowed) {
        double[] score = new double[data.length];
        for (int i = 0; i < data.length; i++) {
            score[i] = dot(data[i], query);
        }
        return IntStream.range(0, data.length).filter(allowed).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -score[i]))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    public static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** A distinct fake image content for {@code key}: hashes are what matter to a store, not pixels. */
    public static ImageContent imageContent(String key) {
        return new ImageContent(ContentHash.ofBytes(("image:" + key).getBytes(StandardCharsets.UTF_8)), 512, 768,
                "png", 1000 + key.length());
    }

    /** An OK record at {@code path} referencing the given contents. */
    public static ImageRecord record(String path, ImageContent image, ContentHash prompt, ContentHash negative) {
        return ImageRecord.builder(path)
                .imageHash(image.hash())
                .promptHash(prompt)
                .negativeHash(negative)
                .generator("a1111")
                .modelName("sd_xl_base_1.0")
                .size(image.width(), image.height())
                .fileSize(image.byteSize())
                .modifiedAt(MODIFIED)
                .build();
    }

    public static Embedding embedding(float[] v) {
        return new Embedding(v);
    }

    public static List<String> paths(String prefix, int count) {
        List<String> paths = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            paths.add(prefix + String.format("%06d.png", i));
        }
        return paths;
    }

    public static float[] copy(float[] v) {
        return Arrays.copyOf(v, v.length);
    }
}
