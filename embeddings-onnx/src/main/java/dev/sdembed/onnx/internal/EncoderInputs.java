package dev.sdembed.onnx.internal;

import dev.sdembed.InvalidInputException;

/** Input checks and output normalisation shared by the ONNX encoders. */
public final class EncoderInputs {

    private EncoderInputs() {
    }

    /** {@code text}, or the error naming its position when it is null. */
    public static String requireText(String text, int index, int count) {
        if (text == null) {
            throw new InvalidInputException("Text at index " + index + " of " + count + " is null");
        }
        return text;
    }

    /** {@code v} scaled to unit length; a zero vector is returned as is. */
    public static float[] l2Normalize(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        double norm = Math.sqrt(sum);
        if (norm == 0) {
            return v;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / norm);
        }
        return out;
    }
}
