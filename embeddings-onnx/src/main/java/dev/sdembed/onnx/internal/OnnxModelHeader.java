package dev.sdembed.onnx.internal;

import dev.sdembed.ModelLoadException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What {@code model.onnx} declares about itself, read from its protobuf without loading it into a session: the IR
 * version, the operator sets it imports and the external-data files its initializers reference. Streams the file
 * and skips tensor payloads, so a 1.3 GB single-file model costs a read, not 1.3 GB of heap.
 *
 * @param irVersion     ModelProto.ir_version
 * @param opsets        domain ("" for the default ai.onnx domain) to version
 * @param externalFiles locations named by initializers stored outside the file, relative to the model's folder
 */
public record OnnxModelHeader(long irVersion, Map<String, Long> opsets, Set<String> externalFiles) {

    // ModelProto / GraphProto / TensorProto / StringStringEntryProto field numbers from onnx.proto3.
    private static final int MODEL_IR_VERSION = 1;
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int TENSOR_EXTERNAL_DATA = 13;
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;

    public OnnxModelHeader {
        opsets = Map.copyOf(opsets);
        externalFiles = Set.copyOf(externalFiles);
    }

    /** The default-domain opset, or -1 when the model imports none. */
    public long defaultOpset() {
        Long v = opsets.get("");
        if (v == null) {
            v = opsets.get("ai.onnx");
        }
        return v == null ? -1 : v;
    }

    public static OnnxModelHeader read(Path modelFile) {
        try (InputStream raw = Files.newInputStream(modelFile)) {
            Reader in = new Reader(new BufferedInputStream(raw, 1 << 16));
            long ir = 0;
            Map<String, Long> opsets = new LinkedHashMap<>();
            Set<String> external = new LinkedHashSet<>();
            for (long tag; (tag = in.tagOrEnd()) >= 0; ) {
                int field = (int) (tag >>> 3);
                int wire = (int) (tag & 7);
                if (field == MODEL_IR_VERSION && wire == 0) {
                    ir = in.varint();
                } else if (field == MODEL_OPSET_IMPORT && wire == 2) {
                    readOpset(in.bytes(), opsets);
                } else if (field == MODEL_GRAPH && wire == 2) {
                    readGraph(in, in.varint(), external);
                } else {
                    in.skip(wire);
                }
            }
            return new OnnxModelHeader(ir, opsets, external);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("Cannot read " + modelFile + " as an ONNX model: " + e.getMessage(), e);
        }
    }

    private static void readOpset(byte[] message, Map<String, Long> opsets) throws IOException {
        Reader in = new Reader(new java.io.ByteArrayInputStream(message));
        String domain = "";
        long version = -1;
        for (long tag; (tag = in.tagOrEnd()) >= 0; ) {
            int field = (int) (tag >>> 3);
            if (field == OPSET_DOMAIN && (tag & 7) == 2) {
                domain = new String(in.bytes(), StandardCharsets.UTF_8);
            } else if (field == OPSET_VERSION && (tag & 7) == 0) {
                version = in.varint();
            } else {
                in.skip((int) (tag & 7));
            }
        }
        opsets.put(domain, version);
    }

    /** Walks the graph's initializers, skipping everything else, including the (large) raw tensor data. */
    private static void readGraph(Reader in, long length, Set<String> external) throws IOException {
        long end = in.position + length;
        while (in.position < end) {
            long tag = in.varint();
            int wire = (int) (tag & 7);
            if ((tag >>> 3) == GRAPH_INITIALIZER && wire == 2) {
                long tensorEnd = in.position + in.varint();
                while (in.position < tensorEnd) {
                    long t = in.varint();
                    if ((t >>> 3) == TENSOR_EXTERNAL_DATA && (t & 7) == 2) {
                        readExternalEntry(in.bytes(), external);
                    } else {
                        in.skip((int) (t & 7));
                    }
                }
            } else {
                in.skip(wire);
            }
        }
    }

    private static void readExternalEntry(byte[] message, Set<String> external) throws IOException {
        Reader in = new Reader(new java.io.ByteArrayInputStream(message));
        String key = null;
        String value = null;
        for (long tag; (tag = in.tagOrEnd()) >= 0; ) {
            long field = tag >>> 3;
            if ((tag & 7) != 2) {
                in.skip((int) (tag & 7));
            } else if (field == ENTRY_KEY) {
                key = new String(in.bytes(), StandardCharsets.UTF_8);
            } else if (field == ENTRY_VALUE) {
                value = new String(in.bytes(), StandardCharsets.UTF_8);
            } else {
                in.skip(2);
            }
        }
        if ("location".equals(key) && value != null) {
            external.add(value);
        }
    }

    /** Protobuf wire-format reading over a stream, tracking the position so nested messages can be bounded. */
    private static final class Reader {
        private final InputStream in;
        long position;

        Reader(InputStream in) {
            this.in = in;
        }

        long tagOrEnd() throws IOException {
            in.mark(1);
            if (in.read() < 0) {
                return -1;
            }
            in.reset();
            return varint();
        }

        long varint() throws IOException {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = read();
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IOException("malformed varint at byte " + position);
        }

        byte[] bytes() throws IOException {
            long n = varint();
            if (n > Integer.MAX_VALUE - 8) {
                throw new IOException("field of " + n + " bytes at byte " + position);
            }
            byte[] b = in.readNBytes((int) n);
            if (b.length != n) {
                throw new EOFException("truncated at byte " + position);
            }
            position += n;
            return b;
        }

        void skip(int wireType) throws IOException {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> skipBytes(8);
                case 2 -> skipBytes(varint());
                case 5 -> skipBytes(4);
                default -> throw new IOException("unsupported wire type " + wireType + " at byte " + position);
            }
        }

        private void skipBytes(long n) throws IOException {
            long left = n;
            while (left > 0) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException("truncated at byte " + position);
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
            position += n;
        }

        private int read() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("truncated at byte " + position);
            }
            position++;
            return b;
        }
    }
}
