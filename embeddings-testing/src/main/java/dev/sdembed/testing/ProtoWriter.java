package dev.sdembed.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few protobuf wire-format primitives an ONNX model needs: varints (wire type 0), fixed 32-bit (5) and
 * length-delimited fields (2: strings, bytes, nested messages, packed arrays). Writing by hand keeps protobuf and
 * the ONNX Python tools out of the build. Public so that embeddings-bench can stream multi-gigabyte tensors with
 * length prefixes it writes itself ({@link #tag}, {@link #rawVarint}, {@link #varintSize}).
 */
public final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public ProtoWriter varint(int field, long value) {
        tag(field, 0);
        rawVarint(value);
        return this;
    }

    public ProtoWriter fixed32(int field, float value) {
        tag(field, 5);
        int bits = Float.floatToIntBits(value);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i) & 0xff);
        }
        return this;
    }

    public ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    public ProtoWriter bytes(int field, byte[] value) {
        tag(field, 2);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    public ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.toByteArray());
    }

    /** A packed repeated int64 field. */
    public ProtoWriter packedVarints(int field, long[] values) {
        ProtoWriter packed = new ProtoWriter();
        for (long v : values) {
            packed.rawVarint(v);
        }
        return bytes(field, packed.toByteArray());
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    /** A field's key alone; the caller writes the value (for a length-delimited field, its length first). */
    public ProtoWriter tag(int field, int wireType) {
        return rawVarint((long) field << 3 | wireType);
    }

    /** A varint without a key, e.g. the length of a length-delimited field whose bytes are written elsewhere. */
    public ProtoWriter rawVarint(long value) {
        // Negative int64 values take ten bytes, as protobuf encodes them.
        while ((value & ~0x7fL) != 0) {
            out.write((int) (value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
        return this;
    }

    /** How many bytes {@link #rawVarint} writes for {@code value}. */
    public static int varintSize(long value) {
        int n = 1;
        while ((value & ~0x7fL) != 0) {
            value >>>= 7;
            n++;
        }
        return n;
    }
}
