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

    /** The one float {@code [batch, D]} output of an export that does not use Hugging Face's output names. */
    static TensorSpec singleEmbeddingOutput(Map<String, TensorSpec> outputs, ModelDirectory dir, String hfName) {
        List<TensorSpec> rank2 = outputs.values().stream()
                .filter(t -> t.type() == OnnxJavaType.FLOAT && t.rank() == 2).toList();
        if (rank2.size() == 1) {
            return rank2.get(0);
        }
        throw new ModelLoadException("Model " + dir.modelFile() + " has " + (rank2.isEmpty() ? "no" : rank2.size())
                + " float [batch, dim] outputs (outputs: " + describe(outputs) + "); expected " + hfName
                + " or a single [batch, dim] output. Name the embedding output in " + ModelManifest.FILE_NAME
                + " as \"output\".");
    }

    static void requireEmbeddingShape(TensorSpec output, ModelDirectory dir) {
        if (output.type() != OnnxJavaType.FLOAT || output.rank() != 2) {
            throw new ModelLoadException("Model " + dir.modelFile() + " output '" + output.name() + "' is "
                    + output.type() + " " + output.shapeText() + "; an embedding output is float [batch, dim]");
        }
    }

    /** The {@code rows} vectors of a {@code [rows, D]} result. */
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
