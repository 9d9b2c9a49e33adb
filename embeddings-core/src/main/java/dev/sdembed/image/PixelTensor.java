package dev.sdembed.image;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A preprocessed image as a model input: float32, C order {@code [channels, height, width]} (Hugging Face's
 * {@code pixel_values} for one image). A value: the data is copied in and out; {@link #copyTo(FloatBuffer)} fills a
 * batch tensor without an intermediate copy.
 */
public final class PixelTensor {
    private final int channels;
    private final int height;
    private final int width;
    private final float[] data;

    private PixelTensor(int channels, int height, int width, float[] data) {
        Checks.positive("Tensor channels", channels);
        Checks.positive("Tensor height", height);
        Checks.positive("Tensor width", width);
        if (data == null || data.length != (long) channels * height * width) {
            throw new InvalidInputException("A [" + channels + ", " + height + ", " + width + "] tensor needs "
                    + (long) channels * height * width + " values; got " + (data == null ? "null" : data.length));
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.data = data;
    }

    /** Copies {@code data} (C order). */
    public static PixelTensor of(int channels, int height, int width, float[] data) {
        return new PixelTensor(channels, height, width, data == null ? null : data.clone());
    }

    /** Takes ownership of {@code data}: for producers in this package. */
    static PixelTensor wrap(int channels, int height, int width, float[] data) {
        return new PixelTensor(channels, height, width, data);
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** {@code [channels, height, width]}. */
    public long[] shape() {
        return new long[] {channels, height, width};
    }

    /** Number of values. */
    public int size() {
        return data.length;
    }

    /** A copy of the values in C order. */
    public float[] data() {
        return data.clone();
    }

    public float get(int channel, int y, int x) {
        if (channel < 0 || channel >= channels || y < 0 || y >= height || x < 0 || x >= width) {
            throw new IndexOutOfBoundsException("(" + channel + ", " + y + ", " + x + ") is outside [" + channels
                    + ", " + height + ", " + width + "]");
        }
        return data[(channel * height + y) * width + x];
    }

    /** Puts all values into {@code target} at its position (advancing it), e.g. one slot of a batch tensor. */
    public void copyTo(FloatBuffer target) {
        target.put(data);
    }

    /** The values as float32 little-endian bytes, C order: the layout of a raw {@code .f32} tensor file. */
    public byte[] toLittleEndianBytes() {
        ByteBuffer bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        return bytes.array();
    }

    /** Writes {@link #toLittleEndianBytes()} to {@code out}. */
    public void writeLittleEndian(OutputStream out) throws IOException {
        out.write(toLittleEndianBytes());
    }

    /** Largest absolute difference to a tensor of the same shape. */
    public double maxAbsDifference(PixelTensor other) {
        if (!Arrays.equals(shape(), other.shape())) {
            throw new InvalidInputException("Tensor shapes differ: " + Arrays.toString(shape()) + " vs "
                    + Arrays.toString(other.shape()));
        }
        double max = 0;
        for (int i = 0; i < data.length; i++) {
            max = Math.max(max, Math.abs(data[i] - other.data[i]));
        }
        return max;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PixelTensor t && t.channels == channels && t.height == height && t.width == width
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * channels + height) + width) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "PixelTensor[" + channels + ", " + height + ", " + width + "]";
    }
}
