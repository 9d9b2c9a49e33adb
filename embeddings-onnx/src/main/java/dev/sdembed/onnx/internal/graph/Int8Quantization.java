package dev.sdembed.onnx.internal.graph;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.sdembed.ModelLoadException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The static int8 rewrite of a fused, CLS-pruned BERT graph ({@link FusedModels#bertFused}), for
 * {@code OnnxOptions.Precision.INT8}. In every layer but the first and the last, the fused {@code Attention} becomes
 * ONNX Runtime's {@code QAttention} (its QKV projection an int8 product) and every MatMul with constant weights (the
 * attention's output projection, the two feed-forward products) becomes {@code MatMulIntegerToFloat}, each fed by a
 * {@code QuantizeLinear} of its input whose scale and zero point calibration fixed (so an embedding never depends on
 * the batch it is in), over int8 weights with one scale per output column. Before that, SmoothQuant divides each
 * input channel by {@code s_j = max|x_j|^a / max|w_j|^(1-a)} (a {@value #ALPHA}, {@value #ATTENTION_ALPHA} for the
 * attention's input) and multiplies the weights' row j by it: BERT's activations carry a few outlier channels, on
 * which one per-tensor scale would otherwise spend its 256 levels. The first layer stays float32 (the ranking was most
 * sensitive to it), and the last, which after its attention runs on the CLS token alone.
 *
 * <p>Measured on bge-small, 2 cores with AVX-512 VNNI ({@code BgeInt8Main}, 400 generated SD prompts): plain min/max
 * calibration kept 89 % of each prompt's 10 nearest prompts; clipping the range at a percentile fewer (79 % at
 * 99.99 %); SmoothQuant on the MatMuls only 95 % at 1.47 x the speed; with QAttention in every layer 94 % at 1.80 x;
 * as here, 95 % at 1.64 x.
 */
public final class Int8Quantization {
    private static final Logger LOG = LoggerFactory.getLogger(Int8Quantization.class);
    /**
     * Names what the rewrite computes, in the weights' int8 fingerprint: change it with anything that changes the
     * embeddings it gives (alpha, the calibration prompts, which MatMuls), so a store never mixes the two.
     */
    public static final String VERSION = "int8-static-smoothquant-0.75-0.6-qattention-first-last-fp32-cal150-1";
    /** SmoothQuant's alpha for the inputs of the feed-forward and output projections. */
    static final double ALPHA = 0.75;
    /** And for the attention's input (the QKV projection): measured best of 0.5, 0.6, 0.75 and 0.9. */
    static final double ATTENTION_ALPHA = 0.6;
    static final String CALIBRATION_PROMPTS = "int8-calibration-prompts.txt";

    private final ModelProto fused;
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final List<NodeProto> matMuls = new ArrayList<>();
    /** Per MatMul input: per channel (its last axis) the least and the greatest value seen while calibrating. */
    private final Map<String, float[][]> channels = new HashMap<>();

    private Int8Quantization(ModelProto fused) {
        this.fused = fused;
        GraphProto g = fused.getGraph();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        int lastLayer = -1;
        for (NodeProto n : g.getNodeList()) {
            lastLayer = Math.max(lastLayer, layer(n.getOutput(0)));
        }
        for (NodeProto n : g.getNodeList()) {
            TensorProto w = n.getInputCount() >= 2 ? initializers.get(n.getInput(1)) : null;
            boolean matMul = n.getOpType().equals("MatMul") && n.getDomain().isEmpty();
            boolean attention = n.getOpType().equals("Attention") && n.getDomain().equals("com.microsoft");
            int layer = layer(n.getOutput(0));
            if ((matMul || attention) && w != null && w.getDimsCount() == 2
                    && w.getDataType() == TensorProto.DataType.FLOAT_VALUE && layer > 0 && layer != lastLayer) {
                matMuls.add(n);
            }
        }
    }

    /** The calibration prompts shipped with sdembed: 150 SD prompts, one per line. */
    public static List<String> calibrationPrompts() {
        try (InputStream in = Int8Quantization.class.getResourceAsStream(CALIBRATION_PROMPTS)) {
            if (in == null) {
                throw new IllegalStateException(CALIBRATION_PROMPTS + " is missing from sdembed's onnx jar");
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The int8 rewrite of {@code fusedModel}, calibrated by running it over {@code calibration}: one sequence of token
     * ids each (special tokens included), run one at a time so no padding enters the ranges.
     *
     * @throws ModelLoadException when the graph has no MatMul to quantise, or ONNX Runtime refuses it
     */
    public static byte[] quantize(String encoderName, byte[] fusedModel, List<long[]> calibration) {
        long started = System.nanoTime();
        Int8Quantization q;
        try {
            q = new Int8Quantization(ModelProto.parseFrom(fusedModel));
        } catch (InvalidProtocolBufferException e) {
            throw new ModelLoadException("Encoder '" + encoderName + "': cannot read its fused graph to quantise it: "
                    + e.getMessage(), e);
        }
        if (q.matMuls.isEmpty()) {
            throw new ModelLoadException("Encoder '" + encoderName + "': its graph has no float32 MatMul with constant"
                    + " weights to quantise; precision int8 needs a BERT graph sdembed fuses (bge)");
        }
        try {
            q.calibrate(calibration);
        } catch (OrtException e) {
            throw new ModelLoadException("Encoder '" + encoderName + "': calibrating the int8 graph failed: "
                    + e.getMessage(), e);
        }
        byte[] model = q.rewrite();
        LOG.info("Encoder '{}': quantised {} MatMuls to int8 over {} calibration prompts in {} ms", encoderName,
                q.matMuls.size(), calibration.size(), (System.nanoTime() - started) / 1_000_000);
        return model;
    }

    /** The encoder layer a tensor belongs to, from its name ({@code /encoder/layer.3/...}), or -1. */
    private static int layer(String tensor) {
        int at = tensor.indexOf("/layer.");
        if (at < 0) {
            return -1;
        }
        int end = at + 7;
        while (end < tensor.length() && Character.isDigit(tensor.charAt(end))) {
            end++;
        }
        return end == at + 7 ? -1 : Integer.parseInt(tensor.substring(at + 7, end));
    }

    private void calibrate(List<long[]> calibration) throws OrtException {
        GraphProto.Builder g = fused.getGraph().toBuilder();
        Set<String> outputs = new HashSet<>();
        for (NodeProto n : matMuls) {
            if (outputs.add(n.getInput(0))) {
                g.addOutput(ValueInfoProto.newBuilder().setName(n.getInput(0)).setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            try (OrtSession session = env.createSession(fused.toBuilder().setGraph(g).build().toByteArray(), options)) {
                Set<String> inputs = session.getInputNames();
                for (long[] ids : calibration) {
                    Map<String, OnnxTensor> feeds = new HashMap<>();
                    try {
                        long[] ones = new long[ids.length];
                        Arrays.fill(ones, 1);
                        feeds.put("input_ids", OnnxTensor.createTensor(env, new long[][] {ids}));
                        if (inputs.contains("attention_mask")) {
                            feeds.put("attention_mask", OnnxTensor.createTensor(env, new long[][] {ones}));
                        }
                        if (inputs.contains("token_type_ids")) {
                            feeds.put("token_type_ids", OnnxTensor.createTensor(env, new long[1][ids.length]));
                        }
                        try (OrtSession.Result r = session.run(feeds, outputs)) {
                            for (String name : outputs) {
                                record(name, (OnnxTensor) r.get(name).orElseThrow());
                            }
                        }
                    } finally {
                        feeds.values().forEach(OnnxTensor::close);
                    }
                }
            }
        }
    }

    private void record(String name, OnnxTensor t) throws OrtException {
        long[] shape = t.getInfo().getShape();
        int k = (int) shape[shape.length - 1];
        float[][] c = channels.computeIfAbsent(name, x -> {
            float[][] fresh = new float[2][k];
            Arrays.fill(fresh[0], Float.MAX_VALUE);
            Arrays.fill(fresh[1], -Float.MAX_VALUE);
            return fresh;
        });
        FloatBuffer values = t.getFloatBuffer();
        for (int i = 0; i < values.limit(); i++) {
            float v = values.get(i);
            int j = i % k;
            c[0][j] = Math.min(c[0][j], v);
            c[1][j] = Math.max(c[1][j], v);
        }
    }

    private byte[] rewrite() {
        GraphProto g = fused.getGraph();
        GraphProto.Builder out = g.toBuilder().clearNode().clearInitializer();
        Set<String> replaced = new HashSet<>();
        List<TensorProto> added = new ArrayList<>();
        Set<NodeProto> targets = new HashSet<>(matMuls);
        for (NodeProto n : g.getNodeList()) {
            if (!targets.contains(n)) {
                out.addNode(n);
                continue;
            }
            TensorProto weights = initializers.get(n.getInput(1));
            replaced.add(weights.getName());
            quantizeProduct(n, weights, out, added);
        }
        for (TensorProto t : g.getInitializerList()) {
            if (!replaced.contains(t.getName())) {
                out.addInitializer(t);
            }
        }
        out.addAllInitializer(added);
        ModelProto.Builder m = fused.toBuilder().setGraph(out);
        if (m.getOpsetImportList().stream().noneMatch(o -> o.getDomain().equals("com.microsoft"))) {
            m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1));
        }
        return m.build().toByteArray();
    }

    private void quantizeProduct(NodeProto n, TensorProto weights, GraphProto.Builder out, List<TensorProto> added) {
        String input = n.getInput(0);
        String p = n.getOutput(0) + "_int8";
        int k = (int) weights.getDims(0);
        int cols = (int) weights.getDims(1);
        float[] w = OnnxGraph.floats(weights);
        float[][] c = channels.get(input);
        float[] inverse = new float[k];
        float lo = 0;
        float hi = 0;
        for (int j = 0; j < k; j++) {
            double x = Math.max(Math.abs(c[0][j]), Math.abs(c[1][j]));
            double wMax = 0;
            for (int col = 0; col < cols; col++) {
                wMax = Math.max(wMax, Math.abs(w[j * cols + col]));
            }
            double a = n.getOpType().equals("Attention") ? ATTENTION_ALPHA : ALPHA;
            double s = Math.max(1e-5, Math.pow(Math.max(x, 1e-5), a) / Math.pow(Math.max(wMax, 1e-5), 1 - a));
            inverse[j] = (float) (1 / s);
            for (int col = 0; col < cols; col++) {
                w[j * cols + col] *= (float) s;
            }
            lo = Math.min(lo, c[0][j] * inverse[j]);
            hi = Math.max(hi, c[1][j] * inverse[j]);
        }
        float inputScale = Math.max((hi - lo) / 255f, 1e-8f);
        int inputZero = Math.max(0, Math.min(255, Math.round(-lo / inputScale)));
        float[] columnScales = new float[cols];
        for (int col = 0; col < cols; col++) {
            float max = 0;
            for (int j = 0; j < k; j++) {
                max = Math.max(max, Math.abs(w[j * cols + col]));
            }
            columnScales[col] = max == 0 ? 1e-8f : max / 127f;
        }
        byte[] q = new byte[k * cols];
        for (int j = 0; j < k; j++) {
            for (int col = 0; col < cols; col++) {
                q[j * cols + col] = (byte) Math.max(-127, Math.min(127, Math.round(w[j * cols + col]
                        / columnScales[col])));
            }
        }
        added.add(OnnxGraph.floatTensor(p + "_smooth", inverse, k));
        added.add(OnnxGraph.floatTensor(p + "_input_scale", new float[] {inputScale}));
        added.add(bytes(p + "_input_zero", TensorProto.DataType.UINT8_VALUE, new byte[] {(byte) inputZero}));
        added.add(bytes(p + "_weights", TensorProto.DataType.INT8_VALUE, q, k, cols));
        added.add(OnnxGraph.floatTensor(p + "_weight_scales", columnScales, cols));
        added.add(bytes(p + "_weight_zeros", TensorProto.DataType.INT8_VALUE, new byte[cols], cols));
        // The smoothing as its own Mul: a per-channel QuantizeLinear would fold it in, but the exports' opset (11) has
        // none, and ONNX Runtime's (com.microsoft, axis -1) ran 4 x slower than the whole float32 graph.
        out.addNode(NodeProto.newBuilder().setName(p + "_smooth").setOpType("Mul").addInput(input)
                .addInput(p + "_smooth").addOutput(p + "_smoothed"));
        out.addNode(NodeProto.newBuilder().setName(p + "_quantise").setOpType("QuantizeLinear")
                .addInput(p + "_smoothed").addInput(p + "_input_scale").addInput(p + "_input_zero")
                .addOutput(p + "_quantised"));
        if (n.getOpType().equals("Attention")) {
            // QAttention: the fused attention with its QKV projection as an int8 product; the rest as it was.
            out.addNode(NodeProto.newBuilder().setName(p + "_attention").setOpType("QAttention")
                    .setDomain("com.microsoft").addInput(p + "_quantised").addInput(p + "_weights")
                    .addInput(n.getInput(2)).addInput(p + "_input_scale").addInput(p + "_weight_scales")
                    .addInput(n.getInputCount() > 3 ? n.getInput(3) : "").addInput(p + "_input_zero")
                    .addInput(p + "_weight_zeros").addAllAttribute(n.getAttributeList())
                    .addAllOutput(n.getOutputList()));
            return;
        }
        out.addNode(NodeProto.newBuilder().setName(p + "_matmul").setOpType("MatMulIntegerToFloat")
                .setDomain("com.microsoft").addInput(p + "_quantised").addInput(p + "_weights")
                .addInput(p + "_input_scale").addInput(p + "_weight_scales").addInput(p + "_input_zero")
                .addInput(p + "_weight_zeros").addOutput(n.getOutput(0)));
    }

    private static TensorProto bytes(String name, int type, byte[] values, long... dims) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type)
                .setRawData(ByteString.copyFrom(values));
        for (long d : dims) {
            b.addDims(d);
        }
        return b.build();
    }
}
