package dev.sdembed.onnx.internal.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mutable view of an ONNX graph for pattern rewrites: who produces and who consumes each tensor, constant values
 * (initializers and {@code Constant} nodes), in-place node replacement and dead-node removal. Node order stays
 * topological as long as a replacement only reads tensors produced before the node it replaces.
 */
final class OnnxGraph {
    private final GraphProto original;
    private final List<NodeProto> nodes;
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Set<String> graphInputs = new HashSet<>();
    private final Set<String> reshaped = new HashSet<>();

    OnnxGraph(GraphProto graph) {
        this.original = graph;
        this.nodes = new ArrayList<>(graph.getNodeList());
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (ValueInfoProto v : graph.getInputList()) {
            graphInputs.add(v.getName());
        }
        index();
    }

    private void index() {
        producers.clear();
        consumers.clear();
        for (NodeProto n : nodes) {
            for (String out : n.getOutputList()) {
                producers.put(out, n);
            }
            for (String in : n.getInputList()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
    }

    List<NodeProto> nodes() {
        return List.copyOf(nodes);
    }

    boolean isGraphInput(String tensor) {
        return graphInputs.contains(tensor) && !initializers.containsKey(tensor);
    }

    /** The node producing {@code tensor} if it is an {@code opType}, else a mismatch naming what was found. */
    NodeProto producer(String tensor, String opType) throws PatternMismatch {
        NodeProto p = producers.get(tensor);
        if (p == null || !p.getOpType().equals(opType)) {
            throw new PatternMismatch("'" + tensor + "' is produced by " + (p == null ? "no node" : p.getOpType())
                    + ", expected " + opType);
        }
        return p;
    }

    NodeProto producerOrNull(String tensor) {
        return producers.get(tensor);
    }

    List<NodeProto> consumers(String tensor) {
        return consumers.getOrDefault(tensor, List.of());
    }

    /** The only consumer of {@code tensor}, which must be an {@code opType}. */
    NodeProto soleConsumer(String tensor, String opType) throws PatternMismatch {
        List<NodeProto> c = consumers(tensor);
        if (c.size() != 1 || !c.get(0).getOpType().equals(opType)) {
            throw new PatternMismatch("'" + tensor + "' is read by " + c.stream().map(NodeProto::getOpType).toList()
                    + ", expected one " + opType);
        }
        return c.get(0);
    }

    /**
     * The only consumer of {@code tensor} other than {@code Shape} nodes (which in opset-11 exports feed the
     * reshapes being replaced), which must be an {@code opType}.
     */
    NodeProto soleConsumerBesidesShapes(String tensor, String opType) throws PatternMismatch {
        List<NodeProto> c = consumers(tensor).stream().filter(n -> !n.getOpType().equals("Shape")).toList();
        if (c.size() != 1 || !c.get(0).getOpType().equals(opType)) {
            throw new PatternMismatch("'" + tensor + "' is read by " + c.stream().map(NodeProto::getOpType).toList()
                    + ", expected one " + opType);
        }
        return c.get(0);
    }

    TensorProto initializer(String name) {
        return initializers.get(name);
    }

    /** The value of {@code tensor} when it is an initializer or the output of a {@code Constant} node, else null. */
    TensorProto constant(String tensor) {
        TensorProto t = initializers.get(tensor);
        if (t != null) {
            return t;
        }
        NodeProto p = producers.get(tensor);
        if (p != null && p.getOpType().equals("Constant")) {
            for (AttributeProto a : p.getAttributeList()) {
                if (a.getName().equals("value") && a.hasT()) {
                    return a.getT();
                }
            }
        }
        return null;
    }

    /** The single float value of a scalar (or one-element) float constant, or NaN when it is not one. */
    float scalarFloat(String tensor) {
        TensorProto t = constant(tensor);
        if (t == null || t.getDataType() != TensorProto.DataType.FLOAT_VALUE || elementCount(t) != 1) {
            return Float.NaN;
        }
        return floats(t)[0];
    }

    /** The values of an int64 constant, or null when {@code tensor} is not one. */
    long[] int64s(String tensor) {
        TensorProto t = constant(tensor);
        if (t == null || t.getDataType() != TensorProto.DataType.INT64_VALUE) {
            return null;
        }
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] out = new long[b.remaining() / Long.BYTES];
            b.asLongBuffer().get(out);
            return out;
        }
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }

    /** The integer attribute {@code name} of {@code node}, or {@code fallback} when it has none. */
    static long intAttribute(NodeProto node, String name, long fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
    }

    /** Whether {@code n}'s axis attribute names the last axis alone ({@code byDefault} when it is absent). */
    static boolean onLastAxis(NodeProto n, String attribute, boolean byDefault) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(attribute)) {
                return a.getType() == AttributeProto.AttributeType.INT ? a.getI() == -1
                        : a.getIntsCount() == 1 && a.getInts(0) == -1;
            }
        }
        return byDefault;
    }

    static long elementCount(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    static float[] floats(TensorProto t) {
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / Float.BYTES];
            b.asFloatBuffer().get(out);
            return out;
        }
        float[] out = new float[t.getFloatDataCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getFloatData(i);
        }
        return out;
    }

    static TensorProto floatTensor(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    void addInitializer(TensorProto t) {
        initializers.put(t.getName(), t);
    }

    /** Replaces {@code old} by {@code replacement} at the same position. */
    void replace(NodeProto old, NodeProto replacement) {
        int at = nodes.indexOf(old);
        if (at < 0) {
            throw new IllegalStateException("node " + old.getName() + " is not in the graph");
        }
        nodes.set(at, replacement);
        index();
    }

    void prepend(NodeProto node) {
        nodes.add(0, node);
        index();
    }

    /** Inserts {@code node} right after {@code anchor}. */
    void insertAfter(NodeProto anchor, NodeProto node) {
        int at = nodes.indexOf(anchor);
        if (at < 0) {
            throw new IllegalStateException("node " + anchor.getName() + " is not in the graph");
        }
        nodes.add(at + 1, node);
        index();
    }

    /** Drops the recorded shapes of {@code tensors}, which a rewrite changed. */
    void forgetShapes(Set<String> tensors) {
        reshaped.addAll(tensors);
    }

    /**
     * The graph with the current nodes, less every node none of whose outputs reaches a graph output, less the
     * initializers and value infos nothing reads any more.
     */
    GraphProto build() {
        Set<String> live = new HashSet<>();
        Deque<String> pending = new ArrayDeque<>();
        for (ValueInfoProto out : original.getOutputList()) {
            pending.add(out.getName());
        }
        while (!pending.isEmpty()) {
            String tensor = pending.pop();
            if (!live.add(tensor)) {
                continue;
            }
            NodeProto p = producers.get(tensor);
            if (p != null) {
                for (String in : p.getInputList()) {
                    if (!in.isEmpty()) {
                        pending.add(in);
                    }
                }
            }
        }
        GraphProto.Builder g = original.toBuilder().clearNode().clearInitializer().clearValueInfo();
        for (NodeProto n : nodes) {
            if (n.getOutputList().stream().anyMatch(live::contains)) {
                g.addNode(n);
            }
        }
        for (TensorProto t : initializers.values()) {
            if (live.contains(t.getName())) {
                g.addInitializer(t);
            }
        }
        for (ValueInfoProto v : original.getValueInfoList()) {
            if (live.contains(v.getName()) && producers.containsKey(v.getName()) && !reshaped.contains(v.getName())) {
                g.addValueInfo(v);
            }
        }
        return g.build();
    }

    /** A node input of {@code graph} that nothing provides, or null when the graph is closed. */
    static String danglingInput(GraphProto graph) {
        Set<String> provided = new HashSet<>();
        graph.getInputList().forEach(v -> provided.add(v.getName()));
        graph.getInitializerList().forEach(t -> provided.add(t.getName()));
        for (NodeProto n : graph.getNodeList()) {
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !provided.contains(in)) {
                    return in;
                }
            }
            provided.addAll(n.getOutputList());
        }
        return null;
    }
}
