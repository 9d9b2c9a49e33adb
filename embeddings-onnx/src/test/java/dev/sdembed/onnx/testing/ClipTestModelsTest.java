package dev.sdembed.onnx.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.OnnxModelBuilder;
import dev.sdembed.testing.TestPaths;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ONNX Runtime loads every generated model, sees the real exports' signatures, and the text models pool at eot. */
class ClipTestModelsTest {
    private static final long SOT = 49406;
    private static final long EOT = 49407;
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final Path dir = TestPaths.targetDir("clip-test-models");

    @Test
    void huggingFaceTextModelHasTheExportSignatureAndPoolsAtTheEndToken() throws OrtException {
        Path model = ClipTestModels.hfTextWithProjection(dir.resolve("hf-text/model.onnx"), TextSpec.tiny());
        try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions())) {
            assertSignature(session.getInputInfo(), Map.of("input_ids", "INT64[-1, 77]",
                    "attention_mask", "INT64[-1, 77]"));
            assertSignature(session.getOutputInfo(), Map.of("text_embeds", "FLOAT[-1, 8]",
                    "last_hidden_state", "FLOAT[-1, 77, 16]"));

            long[] prompt = ids(SOT, 320, 1125, 539, EOT);
            float[] base = embedText(session, true, prompt)[0];
            assertThat(base).hasSize(8);

            long[] afterEot = prompt.clone();
            afterEot[10] = 2368;
            assertThat(embedText(session, true, afterEot)[0]).as("a token after eot changes nothing")
                    .containsExactly(base);
            long[] beforeEot = prompt.clone();
            beforeEot[2] = 2368;
            assertThat(embedText(session, true, beforeEot)[0]).as("a token before eot matters")
                    .isNotEqualTo(base);

            // Padding with 0 (OpenCLIP) instead of eot: the same tokens up to eot, the same embedding.
            long[] zeroPadded = prompt.clone();
            Arrays.fill(zeroPadded, 5, 77, 0);
            assertThat(embedText(session, true, zeroPadded)[0]).containsExactly(base);

            float[][] batch = embedText(session, true, beforeEot, prompt, afterEot);
            assertThat(batch[1]).as("batch invariance").containsExactly(base);
        }
    }

    @Test
    void withoutAttentionMaskTheOnlyInputIsInputIds() throws OrtException {
        Path model = ClipTestModels.hfTextWithProjection(dir.resolve("hf-text-nomask/model.onnx"),
                TextSpec.tiny().withoutAttentionMask().withDim(32));
        try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions())) {
            assertSignature(session.getInputInfo(), Map.of("input_ids", "INT64[-1, 77]"));
            assertThat(embedText(session, false, ids(SOT, 1, 2, EOT))[0]).hasSize(32);
        }
    }

    @Test
    void bareTextModelHasNoProjection() throws OrtException {
        Path model = ClipTestModels.hfTextWithoutProjection(dir.resolve("hf-text-bare/model.onnx"), TextSpec.tiny());
        try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions())) {
            assertSignature(session.getOutputInfo(), Map.of("last_hidden_state", "FLOAT[-1, 77, 16]",
                    "pooler_output", "FLOAT[-1, 16]"));
        }
    }

    @Test
    void openClipTextHasOneTokenInputAndOneOutput() throws OrtException {
        Path model = ClipTestModels.openClipText(dir.resolve("openclip-text/model.onnx"), TextSpec.tiny().withDim(24),
                "text", "output");
        try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions())) {
            assertSignature(session.getInputInfo(), Map.of("text", "INT64[-1, 77]"));
            assertSignature(session.getOutputInfo(), Map.of("output", "FLOAT[-1, 24]"));
            long[] prompt = ids(SOT, 7, 8, 9, EOT);
            long[] tail = prompt.clone();
            tail[40] = 123;
            try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(prompt), new long[] {1, 77});
                 OnnxTensor b = OnnxTensor.createTensor(env, LongBuffer.wrap(tail), new long[] {1, 77});
                 OrtSession.Result ra = session.run(Map.of("text", a));
                 OrtSession.Result rb = session.run(Map.of("text", b))) {
                float[][] x = (float[][]) ra.get(0).getValue();
                float[][] y = (float[][]) rb.get(0).getValue();
                assertThat(x[0]).hasSize(24).containsExactly(y[0]);
            }
        }
    }

    @Test
    void visionModelsTakePixelValuesAtAnySize() throws OrtException {
        Path hf = ClipTestModels.hfVisionWithProjection(dir.resolve("hf-vision/model.onnx"), VisionSpec.tiny());
        Path big = ClipTestModels.openClipVision(dir.resolve("openclip-vision-336/model.onnx"),
                VisionSpec.tiny().withSize(336).withDim(64), "image", "output");
        try (OrtSession session = env.createSession(hf.toString(), new OrtSession.SessionOptions());
             OrtSession openClip = env.createSession(big.toString(), new OrtSession.SessionOptions())) {
            assertSignature(session.getInputInfo(), Map.of("pixel_values", "FLOAT[-1, 3, 224, 224]"));
            assertSignature(session.getOutputInfo(), Map.of("image_embeds", "FLOAT[-1, 8]"));
            assertSignature(openClip.getInputInfo(), Map.of("image", "FLOAT[-1, 3, 336, 336]"));
            assertSignature(openClip.getOutputInfo(), Map.of("output", "FLOAT[-1, 64]"));

            float[] pixels = new float[2 * 3 * 224 * 224];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) Math.sin(i * 0.001);
            }
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {2, 3, 224, 224});
                 OrtSession.Result r = session.run(Map.of("pixel_values", t))) {
                float[][] out = (float[][]) r.get(0).getValue();
                assertThat(out).hasNumberOfRows(2);
                assertThat(out[0]).hasSize(8).isNotEqualTo(out[1]);
            }
        }
    }

    @Test
    void sameSpecGivesTheSameModelBytes() {
        byte[] a = new OnnxModelBuilder("x").input("x", OnnxModelBuilder.FLOAT, "batch", 4)
                .randomInitializer("w", new java.util.Random(3), 1f, 4, 2)
                .node("MatMul", java.util.List.of("x", "w"), java.util.List.of("y"))
                .output("y", OnnxModelBuilder.FLOAT, "batch", 2).toBytes();
        byte[] b = new OnnxModelBuilder("x").input("x", OnnxModelBuilder.FLOAT, "batch", 4)
                .randomInitializer("w", new java.util.Random(3), 1f, 4, 2)
                .node("MatMul", java.util.List.of("x", "w"), java.util.List.of("y"))
                .output("y", OnnxModelBuilder.FLOAT, "batch", 2).toBytes();
        assertThat(a).isEqualTo(b);
    }

    private float[][] embedText(OrtSession session, boolean withMask, long[]... rows) throws OrtException {
        long[] flat = new long[rows.length * 77];
        long[] mask = new long[rows.length * 77];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * 77, 77);
            // Attend up to and including the first end token, as Hugging Face's tokenizer masks padding.
            for (int i = 0; i < 77; i++) {
                mask[r * 77 + i] = 1;
                if (rows[r][i] == EOT) {
                    break;
                }
            }
        }
        long[] shape = {rows.length, 77};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(flat), shape);
             OnnxTensor attention = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape)) {
            inputs.put("input_ids", ids);
            if (withMask) {
                inputs.put("attention_mask", attention);
            }
            try (OrtSession.Result result = session.run(inputs, java.util.Set.of("text_embeds"))) {
                return (float[][]) result.get(0).getValue();
            }
        }
    }

    /** [tokens..., then EOT padding to 77]. */
    private static long[] ids(long... tokens) {
        long[] ids = new long[77];
        Arrays.fill(ids, EOT);
        System.arraycopy(tokens, 0, ids, 0, tokens.length);
        return ids;
    }

    private static void assertSignature(Map<String, NodeInfo> actual, Map<String, String> expected)
            throws OrtException {
        Map<String, String> described = new LinkedHashMap<>();
        for (Map.Entry<String, NodeInfo> e : actual.entrySet()) {
            TensorInfo info = (TensorInfo) e.getValue().getInfo();
            described.put(e.getKey(), (info.type == OnnxJavaType.INT64 ? "INT64" : info.type.name())
                    + Arrays.toString(info.getShape()));
        }
        assertThat(described).containsExactlyInAnyOrderEntriesOf(expected);
    }
}
