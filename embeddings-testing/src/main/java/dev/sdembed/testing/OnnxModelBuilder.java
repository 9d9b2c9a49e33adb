package dev.sdembed.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Builds an ONNX model (opset 17, IR version 8) from nodes, seeded random initializers and typed inputs/outputs
 * with symbolic dimensions such as {@code "batch"}, and writes the ModelProto bytes: enough for tests to generate
 * models with real exports' signatures at any size, from a few kilobytes to ViT-L/14 scale.
 *
 * <pre>{@code
 * new OnnxModelBuilder("tiny")
 *     .input("x", OnnxModelBuilder.FLOAT, "batch", 4)
 *     .randomInitializer("w", random, 0.5f, 4, 8)
 *     .node("MatMul", List.of("x", "w"), List.of("y"))
 *     .output("y", OnnxModelBuilder.FLOAT, "batch", 8)
 *     .write(dir.resolve("model.onnx"));
 * }</pre>
 */
public final class OnnxModelBuilder {
    /** ONNX TensorProto.DataType values. */
    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int BOOL = 9;
    public static final int OPSET = 17;
    public static final int IR_VERSION = 8;

    private final String name;
    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<ProtoWriter> initializers = new ArrayList<>();
    private final List<ProtoWriter> inputs = new ArrayList<>();
    private final List<ProtoWriter> outputs = new ArrayList<>();
    private int nodeCount;

    public OnnxModelBuilder(String name) {
        this.name = name;
    }

    /** A node attribute; build with the static factories. */
    public static final class Attr {
        private final ProtoWriter proto;

        private Attr(ProtoWriter proto) {
            this.proto = proto;
        }

        public static Attr i(String name, long value) {
            return new Attr(new ProtoWriter().string(1, name).varint(3, value).varint(20, 2));
        }

        public static Attr f(String name, float value) {
            return new Attr(new ProtoWriter().string(1, name).fixed32(2, value).varint(20, 1));
        }

        public static Attr s(String name, String value) {
            return new Attr(new ProtoWriter().string(1, name).string(4, value).varint(20, 3));
        }

        public static Attr ints(String name, long... values) {
            ProtoWriter p = new ProtoWriter().string(1, name);
            for (long v : values) {
                p.varint(8, v);
            }
            return new Attr(p.varint(20, 7));
        }
    }

    /**
     * A graph input; each dimension is a fixed size (Integer or Long) or a symbolic name (String, e.g. "batch").
     */
    public OnnxModelBuilder input(String name, int elemType, Object... dims) {
        inputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    public OnnxModelBuilder output(String name, int elemType, Object... dims) {
        outputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    /**
     * An initializer whose data lives in {@code location} beside the model (ONNX external data, as exports of
     * models over 2 GB write it); the caller writes that file, or leaves it out to test its absence.
     */
    public OnnxModelBuilder externalInitializer(String name, int dataType, String location, long... dims) {
        initializers.add(new ProtoWriter().packedVarints(1, dims).varint(2, dataType).string(8, name)
                .message(13, new ProtoWriter().string(1, "location").string(2, location))
                .varint(14, 1));
        return this;
    }

    public OnnxModelBuilder floatInitializer(String name, float[] data, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(data);
        initializers.add(tensor(name, FLOAT, raw.array(), dims));
        return this;
    }

    public OnnxModelBuilder int64Initializer(String name, long[] data, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(data);
        initializers.add(tensor(name, INT64, raw.array(), dims));
        return this;
    }

    /** Weights drawn uniformly from [-scale, scale) by {@code random}: reproducible for a given seed. */
    public OnnxModelBuilder randomInitializer(String name, Random random, float scale, long... dims) {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        float[] data = new float[Math.toIntExact(count)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (random.nextFloat() * 2 - 1) * scale;
        }
        return floatInitializer(name, data, dims);
    }

    public OnnxModelBuilder node(String opType, List<String> nodeInputs, List<String> nodeOutputs, Attr... attributes) {
        ProtoWriter node = new ProtoWriter();
        nodeInputs.forEach(in -> node.string(1, in));
        nodeOutputs.forEach(out -> node.string(2, out));
        node.string(3, opType.toLowerCase(java.util.Locale.ROOT) + "_" + nodeCount++);
        node.string(4, opType);
        for (Attr a : attributes) {
            node.message(5, a.proto);
        }
        nodes.add(node);
        return this;
    }

    /** The serialised ModelProto. */
    public byte[] toBytes() {
        ProtoWriter graph = new ProtoWriter();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, name);
        initializers.forEach(t -> graph.message(5, t));
        inputs.forEach(v -> graph.message(11, v));
        outputs.forEach(v -> graph.message(12, v));
        return new ProtoWriter()
                .varint(1, IR_VERSION)
                .string(2, "sdembed-tests")
                .string(3, "1")
                .message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, OPSET))
                .toByteArray();
    }

    /** Writes the model, creating parent folders; returns {@code file}. */
    public Path write(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static ProtoWriter tensor(String name, int dataType, byte[] raw, long... dims) {
        return new ProtoWriter().packedVarints(1, dims).varint(2, dataType).string(8, name).bytes(9, raw);
    }

    private static ProtoWriter valueInfo(String name, int elemType, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            ProtoWriter dim = new ProtoWriter();
            if (d instanceof String symbol) {
                dim.string(2, symbol);
            } else {
                dim.varint(1, ((Number) d).longValue());
            }
            shape.message(1, dim);
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
}
