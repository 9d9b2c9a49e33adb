package dev.sdembed.encoder;

import dev.sdembed.InvalidInputException;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * An embedding vector. A true value: the array is copied in and out, equality is by content.
 * Components must be finite.
 */
public record Embedding(float[] vector) {

    public Embedding {
        if (vector == null) {
            throw new InvalidInputException("Embedding vector is null");
        }
        if (vector.length == 0) {
            throw new InvalidInputException("Embedding vector is empty");
        }
        vector = vector.clone();
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                throw new InvalidInputException("Embedding component " + i + " of " + vector.length
                        + " is " + vector[i] + "; expected a finite number");
            }
        }
    }

    /** Copies {@code vector}; the returned array is the caller's. */
    public static Embedding of(float... vector) {
        return new Embedding(vector);
    }

    /** A copy of the components. */
    @Override
    public float[] vector() {
        return vector.clone();
    }

    public int dimension() {
        return vector.length;
    }

    /** Component {@code i}, without copying the array. */
    public float get(int i) {
        return vector[i];
    }

    /**
     * The components as a read-only view, without copying: for writers that stream many vectors to a database or
     * a file, where {@link #vector()}'s copy would double the bytes moved.
     */
    public FloatBuffer asReadOnlyBuffer() {
        return FloatBuffer.wrap(vector).asReadOnlyBuffer();
    }

    /** Dot product; for L2-normalised embeddings this is the cosine similarity. */
    public double dot(Embedding other) {
        requireSameDimension(other);
        double sum = 0;
        for (int i = 0; i < vector.length; i++) {
            sum += (double) vector[i] * other.vector[i];
        }
        return sum;
    }

    public double norm() {
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }

    /** Cosine similarity, whatever the norms. */
    public double cosine(Embedding other) {
        return dot(other) / (norm() * other.norm());
    }

    /** Largest absolute component-wise difference. */
    public double maxAbsDifference(Embedding other) {
        requireSameDimension(other);
        double max = 0;
        for (int i = 0; i < vector.length; i++) {
            max = Math.max(max, Math.abs(vector[i] - other.vector[i]));
        }
        return max;
    }

    /** This embedding scaled to unit length. */
    public Embedding normalized() {
        double norm = norm();
        if (norm == 0) {
            throw new InvalidInputException("Cannot normalise a zero vector of dimension " + vector.length);
        }
        float[] out = new float[vector.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (vector[i] / norm);
        }
        return new Embedding(out);
    }

    private void requireSameDimension(Embedding other) {
        if (other.vector.length != vector.length) {
            throw new InvalidInputException("Embedding dimensions differ: " + vector.length + " vs "
                    + other.vector.length);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Embedding e && Arrays.equals(vector, e.vector);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(vector);
    }

    @Override
    public String toString() {
        return "Embedding[dimension=" + vector.length + "]";
    }
}
