package dev.sdembed.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import dev.sdembed.EncodingException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.onnx.internal.OnnxSession;
import dev.sdembed.onnx.internal.OnnxSession.TensorSpec;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Choosing and reading the {@code [batch, D]} embedding output of the CLIP towers. */
final class EmbeddingOutputs {

    private EmbeddingOutputs() {
    }

    /**
     * The embedding output of a CLIP tower: the manifest's {@code output}, else Hugging Face's projected output
     * ({@code projectedName}), else — only with {@code allow_unprojected} — a bare export's {@code pooler_output},
     * else the single {@code [batch, D]} output.
     *
     * @param bareExport   the Hugging Face class without projection, e.g. {@code CLIPTextModel}
     * @param counterpart  what the joint space compares with, e.g. {@code image}
     */
    static TensorSpec choose(Map<String, TensorSpec> outputs, ModelDirectory dir, String projectedName,
                             String bareExport, String counterpart) {
        ModelManifest manifest = dir.manifest();
        TensorSpec chosen;
        if (manifest.output() != null) {
            chosen = outputs.get(manifest.output());
            if (chosen == null) {
                throw new ModelLoadException("Model " + dir.modelFile() + " has no output '" + manifest.output()
                        + "' named by " + ModelManifest.FILE_NAME + " (outputs: " + outputs.keySet() + ")");
            }
        } else if (outputs.containsKey(projectedName)) {
            chosen = outputs.get(projectedName);
        } else if (outputs.containsKey("pooler_output")) {
            if (!Boolean.TRUE.equals(manifest.allowUnprojected())) {
                String modality = counterpart.equals("image") ? "text" : "image";
                throw new ModelLoadException("Model " + dir.modelFile() + " is a bare " + bareExport + " export"
                        + " (outputs: " + outputs.keySet() + "): its pooled output is not projected into the joint"
                        + " text-image space, so it cannot be compared with " + counterpart + " embeddings. Export "
                        + bareExport + "WithProjection (output " + projectedName + "), or set \"allow_unprojected\":"
                        + " true in " + ModelManifest.FILE_NAME + " to use it for " + modality + "-to-" + modality
                        + " similarity only.");
            }
            chosen = outputs.get("pooler_output");
        } else {
            chosen = singleEmbeddingOutput(outputs, dir, projectedName);
        }
        requireEmbeddingShape(chosen, dir);
        return chosen;
    }

    /** Fails when the manifest declares a dimension other than the one the model has. */
    static void requireManifestDimension(ModelDirectory dir, TensorSpec output, long dimension) {
        Integer declared = dir.manifest().dimension();
        if (declared != null && declared != dimension) {
            throw new ModelLoadException("Manifest " + dir.path().resolve(ModelManifest.FILE_NAME)
                    + " declares dimension " + declared + " but output '" + output.name() + "' of "
                    + dir.modelFile() + " has " + dimension + " " + output.shapeText()
                    + ". Fix the manifest or use the model it describes.");
        }
    }

    /**
     * Whether an output's element type can hold an embedding: float32, or float16 as the fp16 exports of Immich
     * return it (read back as float32 by {@link #rows}).
     */
    static boolean isFloat(OnnxJavaType type) {
        return type == OnnxJavaType.FLOAT || type == OnnxJavaType.FLOAT16;
    }

    /** The one float {@code [batch, D]} output of an export that does not use Hugging Face's output names. */
    private static TensorSpec singleEmbeddingOutput(Map<String, TensorSpec> outputs, ModelDirectory dir,
                                                    String hfName) {
        List<TensorSpec> rank2 = outputs.values().stream()
                .filter(t -> isFloat(t.type()) && t.rank() == 2).toList();
        if (rank2.size() == 1) {
            return rank2.get(0);
        }
        throw new ModelLoadException("Model " + dir.modelFile() + " has " + (rank2.isEmpty() ? "no" : rank2.size())
                + " float [batch, dim] outputs (outputs: " + describe(outputs) + "); expected " + hfName
                + " or a single [batch, dim] output. Name the embedding output in " + ModelManifest.FILE_NAME
                + " as \"output\".");
    }

    private static void requireEmbeddingShape(TensorSpec output, ModelDirectory dir) {
        if (!isFloat(output.type()) || output.rank() != 2) {
            throw new ModelLoadException("Model " + dir.modelFile() + " output '" + output.name() + "' is "
                    + output.type() + " " + output.shapeText() + "; an embedding output is float32 or float16"
                    + " [batch, dim]");
        }
    }

    /** The {@code rows} vectors of a {@code [rows, D]} float32 or float16 result, as float32. */
    static List<float[]> rows(OnnxTensor tensor, int rows, OnnxSession session) {
        long[] shape = tensor.getInfo().getShape();
        if (shape.length != 2 || shape[0] != rows) {
            throw new EncodingException("Encoder '" + session.encoderName() + "' returned shape "
                    + java.util.Arrays.toString(shape) + " for a batch of " + rows + "; expected [" + rows + ", dim]",
                    null);
        }
        int dim = (int) shape[1];
        FloatBuffer buffer = tensor.getFloatBuffer();
        List<float[]> vectors = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            float[] v = new float[dim];
            buffer.get(r * dim, v);
            vectors.add(v);
        }
        return vectors;
    }

    /** {@code name type[shape]} of each tensor, comma-separated. */
    static String describe(Map<String, TensorSpec> specs) {
        List<String> parts = new ArrayList<>();
        for (TensorSpec t : specs.values()) {
            parts.add(t.name() + " " + t.type().name().toLowerCase(java.util.Locale.ROOT) + t.shapeText());
        }
        return String.join(", ", parts);
    }
}
