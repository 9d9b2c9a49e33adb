package dev.sdembed.onnx.internal.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a BERT-family export (Hugging Face {@code BertModel} through {@code torch.onnx}) so ONNX Runtime runs
 * its fused CPU kernels: each layer's self-attention (Q/K/V projections, head reshapes, scaled QKᵀ, additive mask,
 * softmax, ·V, head merge) becomes one {@code com.microsoft.Attention}, and each residual Add followed by a
 * decomposed LayerNorm becomes {@code com.microsoft.SkipLayerNormalization}. ONNX Runtime's own optimiser leaves
 * these exports unfused (it does not match the opset-11 shape arithmetic around the reshapes).
 *
 * <p>The rewrite is all-or-nothing for attention: either every {@code Softmax} is the core of a matched attention
 * block, or the model is returned unchanged with the reason. The arithmetic is the same (one GEMM over the
 * concatenated Q|K|V weights instead of three), so outputs agree to float rounding.
 */
public final class BertAttentionFusion {
    static final String MS_DOMAIN = "com.microsoft";
    private static final String MASK_INDEX = "sdembed_fused/mask_index";

    private BertAttentionFusion() {
    }

    /**
     * What {@link #fuse(ModelProto)} did.
     *
     * @param model            the rewritten model, or the input when nothing was fused
     * @param attentionLayers  attention blocks replaced by {@code Attention} nodes
     * @param skipLayerNorms   residual Add + LayerNorm pairs replaced by {@code SkipLayerNormalization}
     * @param notFusedReason   why the attention was left alone, or null when it was fused
     */
    public record Outcome(ModelProto model, int attentionLayers, int skipLayerNorms, String notFusedReason) {
        public boolean fused() {
            return notFusedReason == null;
        }
    }

    /** The matched pieces of one self-attention block. */
    private record AttentionBlock(NodeProto softmax, NodeProto output, String input, String maskInput,
                                  TensorProto[] weights, TensorProto[] biases, int heads, float scale) {
    }

    public static Outcome fuse(ModelProto model) {
        if (model.getGraph().getInitializerList().stream().anyMatch(t -> t.getExternalDataCount() > 0)) {
            return unchanged(model, "its weights are stored as external data");
        }
        OnnxGraph graph = new OnnxGraph(model.getGraph());
        List<AttentionBlock> blocks = new ArrayList<>();
        try {
            for (NodeProto n : graph.nodes()) {
                if (n.getOpType().equals("Softmax")) {
                    blocks.add(matchAttention(graph, n));
                }
            }
        } catch (PatternMismatch e) {
            return unchanged(model, "attention does not match the BERT pattern: " + e.getMessage());
        }
        if (blocks.isEmpty()) {
            return unchanged(model, "the graph has no Softmax, so no self-attention to fuse");
        }
        String mask = blocks.get(0).maskInput();
        if (blocks.stream().anyMatch(b -> !b.maskInput().equals(mask))) {
            return unchanged(model, "the attention layers read different masks");
        }
        graph.prepend(NodeProto.newBuilder().setOpType("Cast").setName("sdembed_fused/mask_cast")
                .addInput(mask).addOutput(MASK_INDEX)
                .addAttribute(intAttribute("to", TensorProto.DataType.INT32_VALUE)).build());
        for (int i = 0; i < blocks.size(); i++) {
            replaceAttention(graph, blocks.get(i), i);
        }
        int skipLayerNorms = fuseSkipLayerNorms(graph);
        GraphProto rewritten = graph.build();
        String dangling = OnnxGraph.danglingInput(rewritten);
        if (dangling != null) {
            return unchanged(model, "the rewrite would leave '" + dangling + "' without a producer");
        }
        return new Outcome(withGraph(model, rewritten), blocks.size(), skipLayerNorms, null);
    }

    private static Outcome unchanged(ModelProto model, String reason) {
        return new Outcome(model, 0, 0, reason);
    }

    private static ModelProto withGraph(ModelProto model, GraphProto graph) {
        ModelProto.Builder b = model.toBuilder().setGraph(graph);
        if (model.getOpsetImportList().stream().noneMatch(o -> o.getDomain().equals(MS_DOMAIN))) {
            b.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1));
        }
        return b.build();
    }

    /**
     * From a Softmax back to the projections and forward to the merged heads: Softmax(Add(Div(MatMul(Q', K'ᵀ), c),
     * mask)) · V', where X' = Transpose(Reshape(Add(bias, MatMul(input, W)))) split into heads.
     */
    private static AttentionBlock matchAttention(OnnxGraph g, NodeProto softmax) throws PatternMismatch {
        long axis = OnnxGraph.intAttribute(softmax, "axis", -1);
        if (axis != 3 && axis != -1) {
            throw new PatternMismatch("Softmax " + softmax.getName() + " is over axis " + axis + ", not the keys");
        }
        NodeProto maskAdd = g.producer(softmax.getInput(0), "Add");
        NodeProto scaled = null;
        String maskTensor = null;
        for (int i = 0; i < 2 && scaled == null; i++) {
            NodeProto p = g.producerOrNull(maskAdd.getInput(i));
            if (p != null && (p.getOpType().equals("Div") || p.getOpType().equals("Mul"))
                    && !Float.isNaN(g.scalarFloat(p.getInput(1)))) {
                scaled = p;
                maskTensor = maskAdd.getInput(1 - i);
            }
        }
        if (scaled == null) {
            throw new PatternMismatch("the scores before Softmax " + softmax.getName()
                    + " are not a scaled product plus a mask");
        }
        float c = g.scalarFloat(scaled.getInput(1));
        float scale = scaled.getOpType().equals("Div") ? 1f / c : c;
        NodeProto scores = g.producer(scaled.getInput(0), "MatMul");
        NodeProto qHeads = heads(g, scores.getInput(0), 0, 2, 1, 3);
        NodeProto kHeads = heads(g, scores.getInput(1), 0, 2, 3, 1);
        NodeProto context = g.soleConsumer(softmax.getOutput(0), "MatMul");
        if (!context.getInput(0).equals(softmax.getOutput(0))) {
            throw new PatternMismatch("Softmax " + softmax.getName() + " is the right operand of its MatMul");
        }
        NodeProto vHeads = heads(g, context.getInput(1), 0, 2, 1, 3);
        NodeProto merge = g.soleConsumer(context.getOutput(0), "Transpose");
        checkPerm(merge, 0, 2, 1, 3);
        NodeProto output = g.soleConsumerBesidesShapes(merge.getOutput(0), "Reshape");

        int[] shape = headShape(g, qHeads);
        int heads = shape[0];
        int hidden = shape[0] * shape[1];
        NodeProto[] projections = {qHeads, kHeads, vHeads};
        TensorProto[] weights = new TensorProto[3];
        TensorProto[] biases = new TensorProto[3];
        String input = null;
        for (int i = 0; i < 3; i++) {
            if (!java.util.Arrays.equals(headShape(g, projections[i]), shape)) {
                throw new PatternMismatch("Q, K and V of " + softmax.getName() + " split into different heads");
            }
            NodeProto biasAdd = g.producer(projections[i].getInput(0), "Add");
            int biasAt = biasInput(g, biasAdd, hidden);
            NodeProto matMul = g.producer(biasAdd.getInput(1 - biasAt), "MatMul");
            TensorProto w = g.initializer(matMul.getInput(1));
            if (w == null || w.getDataType() != TensorProto.DataType.FLOAT_VALUE || w.getDimsCount() != 2
                    || w.getDims(1) != hidden) {
                throw new PatternMismatch("projection " + matMul.getName() + " has no (n, " + hidden
                        + ") float weight initializer");
            }
            if (input == null) {
                input = matMul.getInput(0);
            } else if (!input.equals(matMul.getInput(0)) || w.getDims(0) != weights[0].getDims(0)) {
                throw new PatternMismatch("Q, K and V of " + softmax.getName() + " project different inputs");
            }
            weights[i] = w;
            biases[i] = g.initializer(biasAdd.getInput(biasAt));
        }
        return new AttentionBlock(softmax, output, input, maskSource(g, maskTensor), weights, biases, heads, scale);
    }

    /** Transpose(perm)(Reshape(x, [batch, seq, heads, headSize])): returns the Reshape. */
    private static NodeProto heads(OnnxGraph g, String tensor, long... perm) throws PatternMismatch {
        NodeProto transpose = g.producer(tensor, "Transpose");
        checkPerm(transpose, perm);
        return g.producer(transpose.getInput(0), "Reshape");
    }

    private static void checkPerm(NodeProto transpose, long... perm) throws PatternMismatch {
        List<Long> actual = new ArrayList<>();
        for (AttributeProto a : transpose.getAttributeList()) {
            if (a.getName().equals("perm")) {
                actual.addAll(a.getIntsList());
            }
        }
        List<Long> expected = java.util.Arrays.stream(perm).boxed().toList();
        if (!actual.equals(expected)) {
            throw new PatternMismatch("Transpose " + transpose.getName() + " has perm " + actual + ", expected "
                    + expected);
        }
    }

    /**
     * {heads, headSize} of a head-splitting Reshape whose target shape is a constant or a Concat ending in two
     * constants (the batch and sequence axes are computed from the input's shape in opset-11 exports).
     */
    private static int[] headShape(OnnxGraph g, NodeProto reshape) throws PatternMismatch {
        long[] constant = g.int64s(reshape.getInput(1));
        long heads;
        long headSize;
        if (constant != null && constant.length == 4) {
            heads = constant[2];
            headSize = constant[3];
        } else {
            NodeProto concat = g.producer(reshape.getInput(1), "Concat");
            long[] h = concat.getInputCount() == 4 ? g.int64s(concat.getInput(2)) : null;
            long[] s = concat.getInputCount() == 4 ? g.int64s(concat.getInput(3)) : null;
            if (h == null || s == null || h.length != 1 || s.length != 1) {
                throw new PatternMismatch("Reshape " + reshape.getName() + " does not split into constant heads");
            }
            heads = h[0];
            headSize = s[0];
        }
        if (heads <= 0 || headSize <= 0) {
            throw new PatternMismatch("Reshape " + reshape.getName() + " splits into " + heads + " x " + headSize);
        }
        return new int[] {(int) heads, (int) headSize};
    }

    /** Which input (0 or 1) of {@code add} is a float bias initializer of {@code size} values. */
    private static int biasInput(OnnxGraph g, NodeProto add, long size) throws PatternMismatch {
        for (int i = 0; i < 2; i++) {
            TensorProto t = g.initializer(add.getInput(i));
            if (t != null && t.getDataType() == TensorProto.DataType.FLOAT_VALUE && t.getDimsCount() == 1
                    && t.getDims(0) == size) {
                return i;
            }
        }
        throw new PatternMismatch("Add " + add.getName() + " adds no bias of " + size + " values");
    }

    /**
     * The 2-D 0/1 graph input behind the additive mask (1 - Cast(Unsqueeze(Unsqueeze(mask)))) * large negative:
     * Attention's 2-D {@code mask_index} means exactly that, masked keys getting a large negative score.
     */
    private static String maskSource(OnnxGraph g, String tensor) throws PatternMismatch {
        NodeProto mul = g.producer(tensor, "Mul");
        int constantAt = Float.isNaN(g.scalarFloat(mul.getInput(1))) ? 0 : 1;
        float filler = g.scalarFloat(mul.getInput(constantAt));
        if (!(filler <= -1e4f)) {
            throw new PatternMismatch("the mask Mul " + mul.getName() + " scales by " + filler
                    + ", not a large negative number");
        }
        NodeProto sub = g.producer(mul.getInput(1 - constantAt), "Sub");
        if (g.scalarFloat(sub.getInput(0)) != 1f) {
            throw new PatternMismatch("the mask Sub " + sub.getName() + " is not 1 - mask");
        }
        String current = sub.getInput(1);
        for (int steps = 0; steps < 4 && !g.isGraphInput(current); steps++) {
            NodeProto p = g.producerOrNull(current);
            if (p == null || !(p.getOpType().equals("Cast") || p.getOpType().equals("Unsqueeze"))) {
                throw new PatternMismatch("the mask '" + current + "' is not an unsqueezed graph input");
            }
            current = p.getInput(0);
        }
        if (!g.isGraphInput(current)) {
            throw new PatternMismatch("the mask does not come from a graph input");
        }
        return current;
    }

    private static void replaceAttention(OnnxGraph g, AttentionBlock b, int layer) {
        int rows = (int) b.weights()[0].getDims(0);
        int hidden = (int) b.weights()[0].getDims(1);
        float[][] w = new float[3][];
        float[] bias = new float[3 * hidden];
        for (int i = 0; i < 3; i++) {
            w[i] = OnnxGraph.floats(b.weights()[i]);
            System.arraycopy(OnnxGraph.floats(b.biases()[i]), 0, bias, i * hidden, hidden);
        }
        // Attention's weight is (input, 3 * hidden): each row is the rows of Wq, Wk and Wv side by side.
        float[] qkv = new float[rows * 3 * hidden];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < 3; i++) {
                System.arraycopy(w[i], r * hidden, qkv, (r * 3 + i) * hidden, hidden);
            }
        }
        String prefix = "sdembed_fused/attention_" + layer;
        g.addInitializer(OnnxGraph.floatTensor(prefix + "/qkv_weight", qkv, rows, 3L * hidden));
        g.addInitializer(OnnxGraph.floatTensor(prefix + "/qkv_bias", bias, 3L * hidden));
        NodeProto attention = NodeProto.newBuilder().setOpType("Attention").setDomain(MS_DOMAIN).setName(prefix)
                .addInput(b.input()).addInput(prefix + "/qkv_weight").addInput(prefix + "/qkv_bias")
                .addInput(MASK_INDEX).addOutput(b.output().getOutput(0))
                .addAttribute(intAttribute("num_heads", b.heads()))
                .addAttribute(AttributeProto.newBuilder().setName("scale").setType(AttributeProto.AttributeType.FLOAT)
                        .setF(b.scale()))
                .build();
        g.replace(b.output(), attention);
    }

    /**
     * Add(Add(bias, MatMul(..)), skip) → ReduceMean → Sub → Pow 2 → ReduceMean → Add ε → Sqrt → Div → Mul γ → Add β
     * becomes SkipLayerNormalization(MatMul output, skip, γ, β, bias). Each match is independent; a residual the
     * graph reads elsewhere is left alone.
     */
    private static int fuseSkipLayerNorms(OnnxGraph g) {
        int fused = 0;
        for (NodeProto n : g.nodes()) {
            if (!n.getOpType().equals("Add")) {
                continue;
            }
            try {
                LayerNorm ln = layerNorm(g, n);
                g.replace(ln.end(), skipLayerNorm(g, n, ln));
                fused++;
            } catch (PatternMismatch notThisOne) {
                // Most Adds are not residuals; nothing to do.
            }
        }
        return fused;
    }

    private record LayerNorm(NodeProto end, String gamma, String beta, float epsilon) {
    }

    private static LayerNorm layerNorm(OnnxGraph g, NodeProto residual) throws PatternMismatch {
        String x = residual.getOutput(0);
        List<NodeProto> readers = g.consumers(x);
        if (readers.size() != 2) {
            throw new PatternMismatch("residual read " + readers.size() + " times");
        }
        NodeProto mean = firstOf(readers, "ReduceMean");
        NodeProto centred = firstOf(readers, "Sub");
        if (mean == null || centred == null || !centred.getInput(0).equals(x)
                || !centred.getInput(1).equals(mean.getOutput(0)) || !lastAxis(mean)) {
            throw new PatternMismatch("no mean subtraction");
        }
        List<NodeProto> centredReaders = g.consumers(centred.getOutput(0));
        NodeProto pow = firstOf(centredReaders, "Pow");
        NodeProto div = firstOf(centredReaders, "Div");
        if (centredReaders.size() != 2 || pow == null || div == null || g.scalarFloat(pow.getInput(1)) != 2f) {
            throw new PatternMismatch("no variance");
        }
        NodeProto variance = g.soleConsumer(pow.getOutput(0), "ReduceMean");
        NodeProto plusEps = g.soleConsumer(variance.getOutput(0), "Add");
        float epsilon = g.scalarFloat(plusEps.getInput(1));
        NodeProto sqrt = g.soleConsumer(plusEps.getOutput(0), "Sqrt");
        if (!lastAxis(variance) || Float.isNaN(epsilon) || !div.getInput(1).equals(sqrt.getOutput(0))
                || !div.getInput(0).equals(centred.getOutput(0))) {
            throw new PatternMismatch("no normalisation");
        }
        NodeProto mul = g.soleConsumer(div.getOutput(0), "Mul");
        NodeProto add = g.soleConsumer(mul.getOutput(0), "Add");
        String gamma = otherInput(mul, div.getOutput(0));
        String beta = otherInput(add, mul.getOutput(0));
        if (g.initializer(gamma) == null || g.initializer(beta) == null) {
            throw new PatternMismatch("no affine initializers");
        }
        return new LayerNorm(add, gamma, beta, epsilon);
    }

    private static NodeProto skipLayerNorm(OnnxGraph g, NodeProto residual, LayerNorm ln) throws PatternMismatch {
        long hidden = g.initializer(ln.gamma()).getDims(0);
        for (int i = 0; i < 2; i++) {
            NodeProto dense = g.producerOrNull(residual.getInput(i));
            if (dense == null || !dense.getOpType().equals("Add") || g.consumers(dense.getOutput(0)).size() != 1) {
                continue;
            }
            int biasAt;
            NodeProto matMul;
            try {
                biasAt = biasInput(g, dense, hidden);
                matMul = g.producer(dense.getInput(1 - biasAt), "MatMul");
            } catch (PatternMismatch notDense) {
                continue;
            }
            return NodeProto.newBuilder().setOpType("SkipLayerNormalization").setDomain(MS_DOMAIN)
                    .setName("sdembed_fused/skip_layer_norm_" + residual.getName())
                    .addInput(matMul.getOutput(0)).addInput(residual.getInput(1 - i))
                    .addInput(ln.gamma()).addInput(ln.beta()).addInput(dense.getInput(biasAt))
                    .addOutput(ln.end().getOutput(0))
                    .addAttribute(AttributeProto.newBuilder().setName("epsilon")
                            .setType(AttributeProto.AttributeType.FLOAT).setF(ln.epsilon()))
                    .build();
        }
        throw new PatternMismatch("residual Add " + residual.getName() + " has no dense (MatMul + bias) operand");
    }

    private static NodeProto firstOf(List<NodeProto> nodes, String opType) {
        return nodes.stream().filter(n -> n.getOpType().equals(opType)).findFirst().orElse(null);
    }

    private static String otherInput(NodeProto binary, String known) throws PatternMismatch {
        if (binary.getInput(0).equals(known)) {
            return binary.getInput(1);
        }
        if (binary.getInput(1).equals(known)) {
            return binary.getInput(0);
        }
        throw new PatternMismatch(binary.getName() + " does not read " + known);
    }

    /** ReduceMean over the last axis only, keeping it (as LayerNorm's statistics are). */
    private static boolean lastAxis(NodeProto reduceMean) {
        return OnnxGraph.intAttribute(reduceMean, "keepdims", 1) == 1 && OnnxGraph.onLastAxis(reduceMean, "axes", false);
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }
}
