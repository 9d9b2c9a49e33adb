package dev.sdembed.testing;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/** Unit vectors shaped like embeddings, and exact search over them, for store tests and benchmarks. */
public final class TestVectors {
    private TestVectors() {
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
        Clustered source = new Clustered(dimension, clusters, spread, seed);
        float[][] out = new float[count][];
        for (int i = 0; i < count; i++) {
            out[i] = source.next();
        }
        return out;
    }

    /**
     * {@link #clustered} one vector at a time, for libraries too large to hold: the same seed gives the same
     * vectors in the same order as {@code clustered}. {@link #withMembers} draws other members of the same clusters
     * (held-out queries, generated before a library that is streamed).
     */
    public static final class Clustered {
        private final float[][] centers;
        private final double sigma;
        private final Random random;

        public Clustered(int dimension, int clusters, double spread, long seed) {
            random = new Random(seed);
            centers = new float[clusters][];
            for (int c = 0; c < clusters; c++) {
                centers[c] = unitVector(random, dimension);
            }
            sigma = spread / Math.sqrt(dimension);
        }

        private Clustered(Clustered same, long memberSeed) {
            centers = same.centers;
            sigma = same.sigma;
            random = new Random(memberSeed);
        }

        /** The same clusters, their members drawn from {@code memberSeed}. */
        public Clustered withMembers(long memberSeed) {
            return new Clustered(this, memberSeed);
        }

        public float[] next() {
            // Squaring a uniform draw gives a few large topics and many small ones, as prompt libraries have.
            int c = (int) (Math.pow(random.nextDouble(), 2) * centers.length);
            return near(centers[c], sigma, random);
        }
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


    public static float[] copy(float[] v) {
        return Arrays.copyOf(v, v.length);
    }
}
