package dev.sdembed.onnx.internal.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Cuts the work after the last self-attention of an {@link BertAttentionFusion attention-fused} encoder down to the
 * first token, for encoders that CLS-pool: the last layer's keys and values still come from every token, but its
 * attention output projection, residual layer norms and feed-forward block only run for the token that is pooled.
 * Everything after the last attention is position-wise (each token's row is computed from that row alone), so the
 * first row comes out the same as before; the saved GEMMs are about 9 twelfths of one layer. The output keeps its
 * rank with a sequence axis of 1.
 *
 * <p>Nothing is changed unless every node between the last {@code Attention} and the output is one of the known
 * position-wise operations and the only tensors entering that part are the attention's output, its input (the
 * residual) and constants.
 */
public final class ClsTokenPruning {
    private static final String CLS_INDEX = "sdembed_fused/cls_index";
    /** Operations that compute each token's row from that row alone (with constants or weights). */
    private static final Set<String> ROW_WISE = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Erf", "Tanh",
            "Relu", "Sigmoid", "Cast", "Identity", "Gelu", "FastGelu", "BiasGelu", "SkipLayerNormalization",
            "LayerNormalization", "ReduceMean", "MatMul");

    private ClsTokenPruning() {
    }

    /**
     * What {@link #prune} did.
     *
     * @param model           the rewritten model, or the input when nothing was pruned
     * @param rowWiseNodes    nodes after the last attention now run on the first token only
     * @param notPrunedReason why the model was left alone, or null when it was pruned
     */
    public record Outcome(ModelProto model, int rowWiseNodes, String notPrunedReason) {
        public boolean pruned() {
            return notPrunedReason == null;
        }
    }

    /** Prunes the part of {@code model} after its last {@code Attention} that feeds {@code output}. */
    public static Outcome prune(ModelProto model, String output) {
        GraphProto original = model.getGraph();
        ValueInfoProto outputInfo = original.getOutputList().stream().filter(v -> v.getName().equals(output))
                .findFirst().orElse(null);
        if (outputInfo == null || outputInfo.getType().getTensorType().getShape().getDimCount() != 3) {
            return unchanged(model, "it has no rank-3 output '" + output + "'");
        }
        OnnxGraph g = new OnnxGraph(original);
        NodeProto attention = null;
        for (NodeProto n : g.nodes()) {
            if (n.getOpType().equals("Attention") && n.getDomain().equals(BertAttentionFusion.MS_DOMAIN)) {
                attention = n;
            }
        }
        if (attention == null) {
            return unchanged(model, "it has no fused attention");
        }
        String attended = attention.getOutput(0);
        String residual = attention.getInput(0);
        Set<NodeProto> tail = between(g, attended, output);
        if (tail.isEmpty()) {
            return unchanged(model, "the output does not depend on the last attention");
        }
        Set<String> tailTensors = new HashSet<>();
        tail.forEach(n -> tailTensors.addAll(n.getOutputList()));
        for (NodeProto n : tail) {
            String why = notRowWise(g, n, tailTensors, attended, residual);
            if (why != null) {
                return unchanged(model, why);
            }
            for (String out : n.getOutputList()) {
                if (!out.equals(output) && !tail.containsAll(g.consumers(out))) {
                    return unchanged(model, "'" + out + "' is also read outside the part leading to the output");
                }
            }
        }
        if (!g.consumers(output).isEmpty()) {
            return unchanged(model, "the output '" + output + "' is also read inside the graph");
        }
        g.addInitializer(TensorProto.newBuilder().setName(CLS_INDEX).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(1).addInt64Data(0).build());
        String attendedFirst = firstRow(g, attention, attended, "attention");
        String residualFirst = firstRow(g, attention, residual, "residual");
        for (NodeProto n : tail) {
            NodeProto.Builder rewired = n.toBuilder();
            for (int i = 0; i < n.getInputCount(); i++) {
                if (n.getInput(i).equals(attended)) {
                    rewired.setInput(i, attendedFirst);
                } else if (n.getInput(i).equals(residual)) {
                    rewired.setInput(i, residualFirst);
                }
            }
            g.replace(n, rewired.build());
        }
        g.forgetShapes(tailTensors);
        GraphProto.Builder rewritten = g.build().toBuilder();
        for (int i = 0; i < rewritten.getOutputCount(); i++) {
            if (rewritten.getOutput(i).getName().equals(output)) {
                ValueInfoProto.Builder v = rewritten.getOutput(i).toBuilder();
                v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                        .setDim(1, TensorShapeProto.Dimension.newBuilder().setDimValue(1));
                rewritten.setOutput(i, v);
            }
        }
        return new Outcome(model.toBuilder().setGraph(rewritten).build(), tail.size(), null);
    }

    private static Outcome unchanged(ModelProto model, String reason) {
        return new Outcome(model, 0, reason);
    }

    /** Nodes downstream of {@code from} and upstream of {@code to}, in graph order. */
    private static Set<NodeProto> between(OnnxGraph g, String from, String to) {
        Set<String> upstream = new HashSet<>();
        Deque<String> pending = new ArrayDeque<>(List.of(to));
        while (!pending.isEmpty()) {
            String tensor = pending.pop();
            NodeProto p = g.producerOrNull(tensor);
            if (upstream.add(tensor) && p != null) {
                pending.addAll(p.getInputList());
            }
        }
        Set<String> downstream = new HashSet<>(List.of(from));
        Set<NodeProto> between = new LinkedHashSet<>();
        for (NodeProto n : g.nodes()) {
            if (n.getInputList().stream().anyMatch(downstream::contains)) {
                downstream.addAll(n.getOutputList());
                if (n.getOutputList().stream().anyMatch(upstream::contains)) {
                    between.add(n);
                }
            }
        }
        return between;
    }

    /** Why {@code n} may not run on the first row alone, or null when it may. */
    private static String notRowWise(OnnxGraph g, NodeProto n, Set<String> tailTensors, String attended,
                                     String residual) {
        if (!ROW_WISE.contains(n.getOpType())) {
            return n.getOpType() + " " + n.getName() + " after the last attention is not known to work row by row";
        }
        if (n.getOpType().equals("ReduceMean") && !(OnnxGraph.onLastAxis(n, "axes", false)
                && OnnxGraph.intAttribute(n, "keepdims", 1) == 1)) {
            return "ReduceMean " + n.getName() + " does not reduce the last axis alone, keeping it";
        }
        if (n.getOpType().equals("LayerNormalization") && !OnnxGraph.onLastAxis(n, "axis", true)) {
            return "LayerNormalization " + n.getName() + " does not normalise the last axis only";
        }
        Predicate<String> activation = in -> tailTensors.contains(in) || in.equals(attended)
                || in.equals(residual);
        if (n.getOpType().equals("MatMul")) {
            // An activation times a (k, n) weight stays row by row; a product of two activations could mix tokens.
            TensorProto weight = g.constant(n.getInput(1));
            return activation.test(n.getInput(0)) && weight != null && weight.getDimsCount() == 2 ? null
                    : "MatMul " + n.getName() + " does not multiply an activation by a (k, n) weight";
        }
        for (String in : n.getInputList()) {
            if (in.isEmpty() || activation.test(in)) {
                continue;
            }
            TensorProto constant = g.constant(in);
            if (constant == null || constant.getDimsCount() > 1) {
                return n.getOpType() + " " + n.getName() + " reads '" + in + "', which is neither a constant"
                        + " along the last axis nor computed after the last attention";
            }
        }
        return null;
    }

    /** Adds {@code Gather(tensor, [0], axis 1)} right after {@code attention} and returns its output. */
    private static String firstRow(OnnxGraph g, NodeProto attention, String tensor, String what) {
        String first = "sdembed_fused/cls_" + what;
        g.insertAfter(attention, NodeProto.newBuilder().setOpType("Gather").setName(first)
                .addInput(tensor).addInput(CLS_INDEX).addOutput(first)
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                        .setI(1))
                .build());
        return first;
    }
}
