package dev.sdembed.testing;

import java.io.ByteArrayOutputStream;
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
 * Builds an ONNX model (opset 17, IR version 8, unless {@link #opset(int)} says otherwise) from nodes, seeded random
 * initializers and typed inputs/outputs with symbolic dimensions such as {@code "batch"}, and writes the ModelProto
 * bytes: enough for tests to generate models with real exports' signatures at any size, from a few kilobytes to
 * ViT-L/14 scale. {@link #externalData} moves the float weights out of {@code model.onnx}, into one data file or one
 * file per tensor, as large exports keep them.
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
    public static final int UINT8 = 2;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int BOOL = 9;
    public static final int FLOAT16 = 10;
    public static final int OPSET = 17;
    public static final int IR_VERSION = 8;

    /** Where {@link #write} puts the float weights. */
    public enum ExternalData {
        /** Inside model.onnx (the default). */
        NONE,
        /** All in one file beside the model, {@code <model file name>.data}, each at its offset (torch.onnx's way). */
        ONE_FILE,
        /** One file per tensor, named after it ({@code onnx.save(..., all_tensors_to_one_file=False)}). */
        FILE_PER_TENSOR
    }

    /** An initializer: its bytes stay here until {@link #toBytes()} decides where they go. */
    private record Initializer(String name, int dataType, long[] dims, byte[] raw, String callerLocation) {
    }

    private final String name;
    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<Initializer> initializers = new ArrayList<>();
    private final List<ProtoWriter> inputs = new ArrayList<>();
    private final List<ProtoWriter> outputs = new ArrayList<>();
    private int nodeCount;
    private int opset = OPSET;
    private ExternalData externalData = ExternalData.NONE;
    private String dataFileName;
    /** The external files of the last {@link #toBytes()}, by name. */
    private final java.util.Map<String, byte[]> dataFiles = new java.util.LinkedHashMap<>();

    public OnnxModelBuilder(String name) {
        this.name = name;
    }

    /**
     * The default-domain opset the model imports, with the IR version that goes with it (17 → 8, 18/19 → 9, 20/21 →
     * 10, 22+ → 11). Default {@value #OPSET}. Operators whose inputs changed with the opset (e.g. ReduceMean's axes,
     * an input from 18 on) are the caller's to write accordingly.
     */
    public OnnxModelBuilder opset(int opset) {
        this.opset = opset;
        return this;
    }

    public int opset() {
        return opset;
    }

    private int irVersion() {
        return opset <= 17 ? IR_VERSION : opset <= 19 ? 9 : opset <= 21 ? 10 : 11;
    }

    /**
     * Moves float initializers of at least 16 elements out of the model at {@link #write}: into one file named
     * {@code <model file name>.data} or one file per tensor. Default {@link ExternalData#NONE}.
     */
    public OnnxModelBuilder externalData(ExternalData layout) {
        this.externalData = layout;
        this.dataFileName = null;
        return this;
    }

    /** {@link ExternalData#ONE_FILE} into {@code fileName}, e.g. optimum's {@code model.onnx_data}. */
    public OnnxModelBuilder externalData(String fileName) {
        this.externalData = ExternalData.ONE_FILE;
        this.dataFileName = fileName;
        return this;
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
        initializers.add(new Initializer(name, dataType, dims, null, location));
        return this;
    }

    public OnnxModelBuilder floatInitializer(String name, float[] data, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(data);
        initializers.add(new Initializer(name, FLOAT, dims, raw.array(), null));
        return this;
    }

    public OnnxModelBuilder int64Initializer(String name, long[] data, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(data);
        initializers.add(new Initializer(name, INT64, dims, raw.array(), null));
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

    /** The serialised ModelProto, its external weights (if any) in a file named {@code model.onnx.data}. */
    public byte[] toBytes() {
        return toBytes("model.onnx.data");
    }

    private byte[] toBytes(String oneFileName) {
        dataFiles.clear();
        ByteArrayOutputStream oneFile = new ByteArrayOutputStream();
        ProtoWriter graph = new ProtoWriter();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, name);
        for (Initializer t : initializers) {
            ProtoWriter tensor = new ProtoWriter().packedVarints(1, t.dims()).varint(2, t.dataType())
                    .string(8, t.name());
            if (t.callerLocation() != null) {
                tensor.message(13, entry("location", t.callerLocation())).varint(14, 1);
            } else if (externalData == ExternalData.NONE || t.dataType() != FLOAT || t.raw().length < 64) {
                tensor.bytes(9, t.raw());
            } else if (externalData == ExternalData.ONE_FILE) {
                tensor.message(13, entry("location", oneFileName))
                        .message(13, entry("offset", Long.toString(oneFile.size())))
                        .message(13, entry("length", Integer.toString(t.raw().length)))
                        .varint(14, 1);
                oneFile.writeBytes(t.raw());
            } else {
                String file = t.name().replaceAll("[^A-Za-z0-9_]", "_") + "_attr__value";
                tensor.message(13, entry("location", file)).varint(14, 1);
                dataFiles.put(file, t.raw());
            }
            graph.message(5, tensor);
        }
        if (oneFile.size() > 0) {
            dataFiles.put(oneFileName, oneFile.toByteArray());
        }
        inputs.forEach(v -> graph.message(11, v));
        outputs.forEach(v -> graph.message(12, v));
        return new ProtoWriter()
                .varint(1, irVersion())
                .string(2, "sdembed-tests")
                .string(3, "1")
                .message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, opset))
                .toByteArray();
    }

    /** Writes the model and its external weight files beside it, creating parent folders; returns {@code file}. */
    public Path write(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Files.write(file, toBytes(dataFileName != null ? dataFileName : file.getFileName() + ".data"));
            for (java.util.Map.Entry<String, byte[]> data : dataFiles.entrySet()) {
                Files.write(dir.resolve(data.getKey()), data.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** The names of the external weight files the last {@link #write} wrote beside the model. */
    public List<String> dataFiles() {
        return List.copyOf(dataFiles.keySet());
    }

    private static ProtoWriter entry(String key, String value) {
        return new ProtoWriter().string(1, key).string(2, value);
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
