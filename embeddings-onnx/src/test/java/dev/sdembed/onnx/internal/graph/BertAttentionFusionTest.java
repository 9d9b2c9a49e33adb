package dev.sdembed.onnx.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.onnx.internal.OnnxSession;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The graph rewrite itself, on the real bge-small export and on graphs it must leave alone. */
class BertAttentionFusionTest {
    private static final OnnxSession.BertModel BERT = new OnnxSession.BertModel(true, null);
    private static ModelProto bgeSmall;

    @BeforeAll
    static void parse() throws IOException {
        bgeSmall = FusedModels.read(TestModels.bgeSmall().resolve("model.onnx"));
    }

    @Test
    void fusesEveryAttentionAndResidualLayerNormOfBgeSmall() {
        BertAttentionFusion.Outcome outcome = BertAttentionFusion.fuse(bgeSmall);

        assertThat(outcome.notFusedReason()).isNull();
        assertThat(outcome.attentionLayers()).isEqualTo(12);
        assertThat(outcome.skipLayerNorms()).as("after attention and after the feed-forward, per layer").isEqualTo(24);
        GraphProto graph = outcome.model().getGraph();
        Map<String, Long> ops = opCounts(graph);
        assertThat(ops).containsEntry("Attention", 12L).containsEntry("SkipLayerNormalization", 24L)
                .doesNotContainKeys("Softmax", "Transpose", "Reshape");
        assertThat(graph.getNodeList()).filteredOn(n -> n.getOpType().equals("Attention"))
                .allSatisfy(n -> {
                    assertThat(n.getDomain()).isEqualTo("com.microsoft");
                    assertThat(intAttr(n, "num_heads")).isEqualTo(12);
                });
        assertThat(outcome.model().getOpsetImportList()).anyMatch(o -> o.getDomain().equals("com.microsoft"));
        assertThat(OnnxGraph.danglingInput(graph)).isNull();
        assertThat(graph.getInitializerList()).as("separate Q/K/V weights dropped")
                .noneMatch(t -> t.getName().contains("attention.self.query"))
                .anyMatch(t -> t.getName().endsWith("/qkv_weight") && t.getDimsList().equals(java.util.List.of(384L, 1152L)));
        assertThat(graph.getOutputList()).isEqualTo(bgeSmall.getGraph().getOutputList());
    }

    @Test
    void leavesTheModelUnchangedWhenOneLayerDoesNotMatch() {
        GraphProto.Builder graph = bgeSmall.getGraph().toBuilder();
        int softmaxAt = -1;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (graph.getNode(i).getOpType().equals("Softmax") && graph.getNode(i).getName().contains("layer.5/")) {
                softmaxAt = i;
            }
        }
        NodeProto softmax = graph.getNode(softmaxAt);
        graph.setNode(softmaxAt, softmax.toBuilder().clearAttribute().addAttribute(AttributeProto.newBuilder()
                .setName("axis").setType(AttributeProto.AttributeType.INT).setI(2)).build());
        ModelProto altered = bgeSmall.toBuilder().setGraph(graph).build();

        BertAttentionFusion.Outcome outcome = BertAttentionFusion.fuse(altered);

        assertThat(outcome.fused()).isFalse();
        assertThat(outcome.model()).isSameAs(altered);
        assertThat(outcome.attentionLayers()).isZero();
        assertThat(outcome.notFusedReason()).contains(softmax.getName()).contains("axis 2");
    }

    @Test
    void graphWithoutSelfAttentionLoadsAsExported(@TempDir Path dir) throws IOException {
        Path tiny = ClipTestModels.hfTextWithoutProjection(dir.resolve("model.onnx"), TextSpec.tiny());

        assertThat(BertAttentionFusion.fuse(FusedModels.read(tiny)).notFusedReason()).contains("no Softmax");
        assertThat(FusedModels.bertFused("tiny", tiny, null)).isNull();
        try (OnnxSession session = OnnxSession.open("tiny", tiny, OnnxOptions.defaults(), BERT)) {
            assertThat(session.attentionFused()).isFalse();
            assertThat(session.inputs()).containsKey("input_ids");
        }
    }

    @Test
    void fileThatIsNotAnOnnxProtobufIsLeftToTheUsualLoadError(@TempDir Path dir) throws IOException {
        Path notOnnx = Files.writeString(dir.resolve("model.onnx"), "not a protobuf at all");

        assertThat(FusedModels.bertFused("broken", notOnnx, null)).isNull();
    }

    @Test
    void bgeSessionRunsTheFusedGraphUnlessSwitchedOff() {
        Path model = TestModels.bgeSmall().resolve("model.onnx");
        assertThat(OnnxOptions.defaults().attentionFusion()).isTrue();
        try (OnnxSession on = OnnxSession.open("bge", model, OnnxOptions.defaults(), BERT);
             OnnxSession off = OnnxSession.open("bge", model,
                     OnnxOptions.builder().attentionFusion(false).build(), BERT);
             OnnxSession notBert = OnnxSession.open("bge", model, OnnxOptions.defaults())) {
            assertThat(on.attentionFused()).isTrue();
            assertThat(off.attentionFused()).isFalse();
            assertThat(notBert.attentionFused()).as("only BERT-family encoders ask for it").isFalse();
            assertThat(on.inputs().keySet()).isEqualTo(off.inputs().keySet());
            assertThat(on.outputs().keySet()).isEqualTo(off.outputs().keySet());
        }
    }

    private static Map<String, Long> opCounts(GraphProto graph) {
        return graph.getNodeList().stream().collect(Collectors.groupingBy(NodeProto::getOpType, Collectors.counting()));
    }

    private static long intAttr(NodeProto node, String name) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst()
                .map(AttributeProto::getI).orElse(-1L);
    }
}
