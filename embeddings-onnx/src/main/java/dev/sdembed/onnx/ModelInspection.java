package dev.sdembed.onnx;

import ai.onnxruntime.OnnxJavaType;
import dev.sdembed.onnx.internal.OnnxSession;
import dev.sdembed.onnx.internal.OnnxSession.TensorSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a model directory holds, read from the graph without running it: inputs and outputs, the detected kind,
 * the embedding dimension (when the graph fixes it) and the fingerprint.
 *
 * @param dimension the embedding dimension, or -1 when the graph leaves it symbolic
 */
public record ModelInspection(Path directory, String name, ModelKind kind, int dimension, String fingerprint,
                              List<Tensor> inputs, List<Tensor> outputs) {

    /** A graph input or output: name, element type, shape with symbolic axes by name ({@code batch}) or "?". */
    public record Tensor(String name, String type, String shape) {
    }

    public ModelInspection {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * The kind of model in {@code modelDir}: the one its {@code sdembed.json} declares, read without opening the
     * graph, else detected by {@link #of}. Loading an encoder needs only this, and opening a session to inspect the
     * graph cost a one-shot query as much as the encoder's own session (380 ms for bge-small on 2 cores, seconds for
     * the large towers).
     */
    public static ModelKind kind(Path modelDir) {
        ModelDirectory dir = ModelDirectory.open(modelDir);
        String declared = dir.manifest().kind();
        return declared != null ? ModelKind.fromId(declared) : of(modelDir).kind();
    }

    /** Opens {@code modelDir}'s graph on the CPU (no tokenizer needed) and describes it. */
    public static ModelInspection of(Path modelDir) {
        ModelDirectory dir = ModelDirectory.open(modelDir);
        try (OnnxSession session = OnnxSession.open(dir.name(), dir.modelFile(),
                OnnxOptions.builder().intraOpThreads(1).build())) {
            ModelKind kind = dir.manifest().kind() != null ? ModelKind.fromId(dir.manifest().kind())
                    : detectKind(session.inputs(), session.outputs());
            return new ModelInspection(dir.path(), dir.name(), kind, dimension(kind, dir, session.outputs()),
                    dir.fingerprint(), tensors(session.inputs()), tensors(session.outputs()));
        }
    }

    /**
     * Detects the kind from input/output names and types, following the Hugging Face and OpenCLIP exports: also
     * Immich's (int32 token ids; uint8 {@code [batch, S, S, 3]} pixels; float16 embeddings).
     */
    static ModelKind detectKind(Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs) {
        if (outputs.containsKey("image_embeds") || inputs.containsKey("pixel_values")) {
            return ModelKind.CLIP_VISION;
        }
        if (outputs.containsKey("text_embeds")) {
            return ModelKind.CLIP_TEXT;
        }
        boolean tokenInput = inputs.values().stream().anyMatch(t -> t.type() == OnnxJavaType.INT64);
        boolean hasMask = inputs.containsKey("attention_mask");
        if (inputs.containsKey("input_ids") && hasMask && outputs.containsKey("last_hidden_state")
                && !outputs.containsKey("pooler_output")) {
            return ModelKind.BERT;
        }
        if (inputs.containsKey("input_ids") && outputs.containsKey("pooler_output")) {
            long seq = inputs.get("input_ids").shape().length == 2 ? inputs.get("input_ids").shape()[1] : -1;
            return seq == 77 || !hasMask ? ModelKind.CLIP_TEXT_UNPROJECTED : ModelKind.BERT;
        }
        if (inputs.size() == 1 && outputs.size() == 1) {
            TensorSpec in = inputs.values().iterator().next();
            TensorSpec out = outputs.values().iterator().next();
            boolean embedding = out.rank() == 2 && EmbeddingOutputs.isFloat(out.type());
            if (embedding && in.rank() == 2 && (in.type() == OnnxJavaType.INT64 || in.type() == OnnxJavaType.INT32)) {
                return ModelKind.CLIP_TEXT;
            }
            if (embedding && in.rank() == 4 && (in.type() == OnnxJavaType.FLOAT || in.type() == OnnxJavaType.UINT8)) {
                return ModelKind.CLIP_VISION;
            }
        }
        return tokenInput && outputs.containsKey("last_hidden_state") ? ModelKind.BERT : ModelKind.UNKNOWN;
    }

    private static int dimension(ModelKind kind, ModelDirectory dir, Map<String, TensorSpec> outputs) {
        String name = dir.manifest().output();
        if (name == null) {
            name = switch (kind) {
                case BERT -> "last_hidden_state";
                case CLIP_TEXT -> "text_embeds";
                case CLIP_VISION -> "image_embeds";
                case CLIP_TEXT_UNPROJECTED -> "pooler_output";
                case UNKNOWN -> null;
            };
        }
        TensorSpec spec = name == null ? null : outputs.get(name);
        if (spec == null && outputs.size() == 1) {
            spec = outputs.values().iterator().next();
        }
        return spec == null ? -1 : (int) spec.lastDimension();
    }

    private static List<Tensor> tensors(Map<String, TensorSpec> specs) {
        return specs.values().stream()
                .map(t -> new Tensor(t.name(), t.type().name().toLowerCase(java.util.Locale.ROOT), t.shapeText()))
                .toList();
    }
}
