package dev.sdembed.onnx.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.onnx.internal.OnnxSession;
import dev.sdembed.testing.TestModels;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CLS-token pruning of the fused bge-small graph, and the graphs it must leave alone. */
class ClsTokenPruningTest {
    private static ModelProto fusedBge;

    @BeforeAll
    static void fuse() throws IOException {
        fusedBge = BertAttentionFusion.fuse(FusedModels.read(TestModels.bgeSmall().resolve("model.onnx"))).model();
    }

    @Test
    void runsTheLastLayerAfterItsAttentionOnTheFirstTokenOnly() {
        ClsTokenPruning.Outcome outcome = ClsTokenPruning.prune(fusedBge, "last_hidden_state");

        assertThat(outcome.notPrunedReason()).isNull();
        GraphProto graph = outcome.model().getGraph();
        assertThat(graph.getNodeList()).filteredOn(n -> n.getName().startsWith("sdembed_fused/cls_"))
                .allSatisfy(n -> assertThat(n.getOpType()).isEqualTo("Gather"))
                .extracting(n -> n.getInput(0))
                .as("the last attention's output and the residual it adds to")
                .containsExactlyInAnyOrder("/encoder/layer.10/output/LayerNorm/Add_1_output_0",
                        "/encoder/layer.11/attention/self/Reshape_3_output_0");
        // Output projection and its layer norm (2); the feed-forward's MatMul, bias Add, erf GELU (Div, Erf, Add, Mul,
        // Mul), second MatMul and layer norm (9).
        assertThat(outcome.rowWiseNodes()).isEqualTo(11);
        assertThat(graph.getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue()).isEqualTo(1);
        assertThat(OnnxGraph.danglingInput(graph)).isNull();
        assertThat(graph.getNodeCount()).isEqualTo(fusedBge.getGraph().getNodeCount() + 2);
    }

    @Test
    void prunedSessionGivesTheFirstTokenOfTheFullOne() throws OrtException {
        Path model = TestModels.bgeSmall().resolve("model.onnx");
        OnnxOptions options = OnnxOptions.builder().intraOpThreads(2).build();
        try (OnnxSession full = OnnxSession.open("full", model, options, new OnnxSession.BertModel(true, null));
             OnnxSession pruned = OnnxSession.open("pruned", model, options,
                     new OnnxSession.BertModel(true, "last_hidden_state"))) {
            assertThat(full.clsPruned()).isFalse();
            assertThat(pruned.clsPruned()).isTrue();
            assertThat(pruned.outputs().get("last_hidden_state").shape()).containsExactly(-1, 1, 384);

            // Three rows of different lengths padded to 40 tokens: [CLS] random word pieces [SEP], then padding.
            int rows = 3;
            int width = 40;
            int[] lengths = {40, 17, 3};
            long[] ids = new long[rows * width];
            long[] mask = new long[rows * width];
            Random random = new Random(7);
            for (int r = 0; r < rows; r++) {
                for (int t = 0; t < lengths[r]; t++) {
                    ids[r * width + t] = t == 0 ? 101 : t == lengths[r] - 1 ? 102 : 1000 + random.nextInt(28000);
                    mask[r * width + t] = 1;
                }
            }
            float[] a = run(full, ids, mask, rows, width);
            float[] b = run(pruned, ids, mask, rows, width);

            assertThat(b).hasSize(rows * 384);
            double worst = 0;
            for (int r = 0; r < rows; r++) {
                for (int d = 0; d < 384; d++) {
                    worst = Math.max(worst, Math.abs(a[r * width * 384 + d] - b[r * 384 + d]));
                }
            }
            System.out.printf("pruned vs full first token: max abs diff %.3g%n", worst);
            assertThat(worst).isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void leavesGraphsItCannotProveRowWiseAlone() throws IOException {
        assertThat(ClsTokenPruning.prune(fusedBge, "pooler_output").notPrunedReason())
                .contains("no rank-3 output 'pooler_output'");
        ModelProto exported = FusedModels.read(TestModels.bgeSmall().resolve("model.onnx"));
        assertThat(ClsTokenPruning.prune(exported, "last_hidden_state").notPrunedReason())
                .contains("no fused attention");

        // The feed-forward's first MatMul made to mix tokens: a Transpose in front of it.
        GraphProto.Builder graph = fusedBge.getGraph().toBuilder();
        int at = indexOf(graph, "/encoder/layer.11/intermediate/dense/MatMul");
        NodeProto matMul = graph.getNode(at);
        String swapped = "test/swapped_tokens";
        graph.setNode(at, matMul.toBuilder().setInput(0, swapped).build());
        graph.addNode(at, NodeProto.newBuilder().setOpType("Transpose").setName("test/transpose")
                .addInput(matMul.getInput(0)).addOutput(swapped)
                .addAttribute(AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS)
                        .addInts(1).addInts(0).addInts(2))
                .build());
        ModelProto mixing = fusedBge.toBuilder().setGraph(graph).build();

        ClsTokenPruning.Outcome outcome = ClsTokenPruning.prune(mixing, "last_hidden_state");

        assertThat(outcome.pruned()).isFalse();
        assertThat(outcome.model()).isSameAs(mixing);
        assertThat(outcome.notPrunedReason()).contains("Transpose test/transpose").contains("row by row");

        // A product of two activations instead of activation times weight.
        GraphProto.Builder product = fusedBge.getGraph().toBuilder();
        int second = indexOf(product, "/encoder/layer.11/output/dense/MatMul");
        NodeProto down = product.getNode(second);
        product.setNode(second, down.toBuilder().setInput(1, down.getInput(0)).build());
        assertThat(ClsTokenPruning.prune(fusedBge.toBuilder().setGraph(product).build(), "last_hidden_state")
                .notPrunedReason()).contains(down.getName()).contains("(k, n) weight");
    }

    @Test
    void anIntermediateTensorReadElsewhereKeepsEveryToken() {
        // A second output reading the feed-forward's activations needs them for every token.
        GraphProto.Builder graph = fusedBge.getGraph().toBuilder();
        NodeProto matMul = graph.getNode(indexOf(graph, "/encoder/layer.11/intermediate/dense/MatMul"));
        graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName("test/tap")
                .addInput(matMul.getOutput(0)).addOutput("test/tapped"));
        graph.addOutput(graph.getOutput(0).toBuilder().setName("test/tapped"));
        ModelProto tapped = fusedBge.toBuilder().setGraph(graph).build();

        ClsTokenPruning.Outcome outcome = ClsTokenPruning.prune(tapped, "last_hidden_state");

        assertThat(outcome.pruned()).isFalse();
        assertThat(outcome.notPrunedReason()).contains(matMul.getOutput(0)).contains("also read outside");
    }

    private static float[] run(OnnxSession session, long[] ids, long[] mask, int rows, int width)
            throws OrtException {
        OrtEnvironment env = session.environment();
        long[] shape = {rows, width};
        try (OnnxTensor idTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape);
             OrtSession.Result result = session.run(Map.of("input_ids", idTensor, "attention_mask", maskTensor,
                     "token_type_ids", types), Set.of("last_hidden_state"))) {
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] values = new float[out.remaining()];
            out.get(values);
            return values;
        }
    }

    private static int indexOf(GraphProto.Builder graph, String nodeName) {
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getName().equals(nodeName)) {
                return i;
            }
        }
        throw new AssertionError("no node " + nodeName);
    }
}
