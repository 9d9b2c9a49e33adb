package dev.sdembed.testing;

import static dev.sdembed.testing.OnnxModelBuilder.FLOAT;
import static dev.sdembed.testing.OnnxModelBuilder.INT64;

import dev.sdembed.testing.OnnxModelBuilder.Attr;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Random-weight ONNX models with the input/output signatures of real CLIP exports (CLIP weights cannot be had
 * here). Text models behave like CLIP where it matters for tests: the output is the hidden state at the
 * {@code <|endoftext|>} position, found as CLIP finds it ({@code argmax(input_ids)}, the end token having the
 * largest id), after a causal cumulative sum, so it depends on every token up to the end token and on nothing after
 * it. All weights are seeded: the same spec gives the same model.
 */
public final class ClipTestModels {
    public static final int CONTEXT = 77;

    private ClipTestModels() {
    }

    /**
     * @param width      hidden width W (CLIP ViT-L/14: 768)
     * @param dim        projection (embedding) dimension D
     * @param vocabRows  rows of the token table; ids are taken modulo this (49408 for a full table)
     */
    public record TextSpec(int width, int dim, int vocabRows, boolean attentionMask, long seed) {
        /** A tiny model: W = 16, D = 8, 97 table rows, with attention_mask. */
        public static TextSpec tiny() {
            return new TextSpec(16, 8, 97, true, 42);
        }

        public TextSpec withDim(int d) {
            return new TextSpec(width, d, vocabRows, attentionMask, seed);
        }

        public TextSpec withoutAttentionMask() {
            return new TextSpec(width, dim, vocabRows, false, seed);
        }

        public TextSpec withSeed(long s) {
            return new TextSpec(width, dim, vocabRows, attentionMask, s);
        }
    }

    /** @param patch patch size P (S must be a multiple of it) */
    public record VisionSpec(int size, int patch, int width, int dim, long seed) {
        /** S = 224, P = 32, W = 16, D = 8. */
        public static VisionSpec tiny() {
            return new VisionSpec(224, 32, 16, 8, 7);
        }

        public VisionSpec withSize(int s) {
            return new VisionSpec(s, patch, width, dim, seed);
        }

        public VisionSpec withDim(int d) {
            return new VisionSpec(size, patch, width, d, seed);
        }
    }

    /**
     * Hugging Face {@code CLIPTextModelWithProjection}: {@code input_ids} int64 [batch, 77] (and
     * {@code attention_mask}) → {@code text_embeds} float [batch, D] and {@code last_hidden_state} [batch, 77, W].
     */
    public static Path hfTextWithProjection(Path file, TextSpec spec) {
        OnnxModelBuilder b = hfTextTower("clip_text_with_projection", spec, "pooled");
        b.randomInitializer("text_projection", new Random(spec.seed() + 1), 0.5f, spec.width(), spec.dim());
        b.node("MatMul", List.of("pooled", "text_projection"), List.of("text_embeds"));
        b.output("text_embeds", FLOAT, "batch", spec.dim());
        b.output("last_hidden_state", FLOAT, "batch", CONTEXT, spec.width());
        return b.write(file);
    }

    /** A bare Hugging Face {@code CLIPTextModel}: {@code last_hidden_state} and {@code pooler_output}, no projection. */
    public static Path hfTextWithoutProjection(Path file, TextSpec spec) {
        OnnxModelBuilder b = hfTextTower("clip_text_model", spec, "pooler_output");
        b.output("last_hidden_state", FLOAT, "batch", CONTEXT, spec.width());
        b.output("pooler_output", FLOAT, "batch", spec.width());
        return b.write(file);
    }

    /** Hugging Face's text inputs ({@code input_ids}, optionally {@code attention_mask}) and the tower. */
    private static OnnxModelBuilder hfTextTower(String graphName, TextSpec spec, String pooledName) {
        OnnxModelBuilder b = new OnnxModelBuilder(graphName);
        b.input("input_ids", INT64, "batch", CONTEXT);
        if (spec.attentionMask()) {
            b.input("attention_mask", INT64, "batch", CONTEXT);
        }
        textTower(b, "input_ids", spec.attentionMask() ? "attention_mask" : null, spec, "last_hidden_state",
                pooledName);
        return b;
    }

    /** An OpenCLIP text export: one int64 token input [batch, 77] → one float embedding [batch, D]. */
    public static Path openClipText(Path file, TextSpec spec, String inputName, String outputName) {
        OnnxModelBuilder b = new OnnxModelBuilder("open_clip_text");
        b.input(inputName, INT64, "batch", CONTEXT);
        textTower(b, inputName, null, spec, "hidden", "pooled");
        b.randomInitializer("text_projection", new Random(spec.seed() + 1), 0.5f, spec.width(), spec.dim());
        b.node("MatMul", List.of("pooled", "text_projection"), List.of(outputName));
        b.output(outputName, FLOAT, "batch", spec.dim());
        return b.write(file);
    }

    /** Hugging Face {@code CLIPVisionModelWithProjection}: {@code pixel_values} [batch, 3, S, S] → {@code image_embeds}. */
    public static Path hfVisionWithProjection(Path file, VisionSpec spec) {
        return vision(spec, "pixel_values", "image_embeds", "clip_vision_with_projection", true).write(file);
    }

    /** An OpenCLIP image export: one float input [batch, 3, S, S] → one float embedding [batch, D]. */
    public static Path openClipVision(Path file, VisionSpec spec, String inputName, String outputName) {
        return vision(spec, inputName, outputName, "open_clip_visual", true).write(file);
    }

    /**
     * An OpenCLIP image export whose input leaves height and width symbolic ([batch, 3, height, width]), so the size
     * must come from the model directory's files; any multiple of the patch size runs.
     */
    public static Path openClipVisionAnySize(Path file, VisionSpec spec, String inputName, String outputName) {
        return vision(spec, inputName, outputName, "open_clip_visual", false).write(file);
    }

    /**
     * A bare Hugging Face {@code CLIPVisionModel}: {@code pixel_values} → {@code last_hidden_state}
     * [batch, patches, W] and {@code pooler_output} [batch, W], no projection.
     */
    public static Path hfVisionWithoutProjection(Path file, VisionSpec spec) {
        OnnxModelBuilder b = visionTower(new OnnxModelBuilder("clip_vision_model"), spec, "pixel_values", true);
        b.node("Identity", List.of("pooled"), List.of("pooler_output"));
        b.int64Initializer("token_shape", new long[] {0, spec.width(), -1}, 3);
        b.node("Reshape", List.of("activated", "token_shape"), List.of("tokens_by_width"));
        b.node("Transpose", List.of("tokens_by_width"), List.of("last_hidden_state"), Attr.ints("perm", 0, 2, 1));
        int patches = (spec.size() / spec.patch()) * (spec.size() / spec.patch());
        b.output("last_hidden_state", FLOAT, "batch", patches, spec.width());
        b.output("pooler_output", FLOAT, "batch", spec.width());
        return b.write(file);
    }

    private static OnnxModelBuilder vision(VisionSpec spec, String input, String output, String graphName,
                                           boolean fixedSize) {
        OnnxModelBuilder b = visionTower(new OnnxModelBuilder(graphName), spec, input, fixedSize);
        b.randomInitializer("visual_projection", new Random(spec.seed() + 1), 0.5f, spec.width(), spec.dim());
        b.node("MatMul", List.of("pooled", "visual_projection"), List.of(output));
        b.output(output, FLOAT, "batch", spec.dim());
        return b;
    }

    /** Patch embedding, tanh, mean over the patches: {@code pooled} [batch, W]. */
    private static OnnxModelBuilder visionTower(OnnxModelBuilder b, VisionSpec spec, String input, boolean fixedSize) {
        Random random = new Random(spec.seed());
        if (fixedSize) {
            b.input(input, FLOAT, "batch", 3, spec.size(), spec.size());
        } else {
            b.input(input, FLOAT, "batch", 3, "height", "width");
        }
        // Patch embedding as in ViT: a convolution with kernel = stride = patch size.
        b.randomInitializer("patch_embed", random, 0.2f, spec.width(), 3, spec.patch(), spec.patch());
        b.node("Conv", List.of(input, "patch_embed"), List.of("patches"),
                Attr.ints("kernel_shape", spec.patch(), spec.patch()), Attr.ints("strides", spec.patch(), spec.patch()));
        b.node("Tanh", List.of("patches"), List.of("activated"));
        b.node("ReduceMean", List.of("activated"), List.of("pooled"), Attr.ints("axes", 2, 3), Attr.i("keepdims", 0));
        return b;
    }

    /**
     * Token table lookup, position embedding, a non-linear layer, masking, a causal cumulative sum along the
     * sequence, then the row at argmax(input_ids) as {@code pooledName} [batch, W].
     */
    private static void textTower(OnnxModelBuilder b, String ids, String mask, TextSpec spec, String hiddenName,
                                  String pooledName) {
        Random random = new Random(spec.seed());
        int w = spec.width();
        b.int64Initializer("vocab_rows", new long[] {spec.vocabRows()});
        b.node("Mod", List.of(ids, "vocab_rows"), List.of("table_ids"));
        b.randomInitializer("token_embedding", random, 1f, spec.vocabRows(), w);
        b.node("Gather", List.of("token_embedding", "table_ids"), List.of("tokens"), Attr.i("axis", 0));
        b.randomInitializer("position_embedding", random, 0.1f, CONTEXT, w);
        b.node("Add", List.of("tokens", "position_embedding"), List.of("embedded"));
        b.randomInitializer("layer", random, 0.5f, w, w);
        b.node("MatMul", List.of("embedded", "layer"), List.of("mixed"));
        b.node("Tanh", List.of("mixed"), List.of("activated"));
        String beforeSum = "activated";
        if (mask != null) {
            b.int64Initializer("axis_2", new long[] {2}, 1);
            b.node("Cast", List.of(mask), List.of("mask_float"), Attr.i("to", FLOAT));
            b.node("Unsqueeze", List.of("mask_float", "axis_2"), List.of("mask_3d"));
            b.node("Mul", List.of("activated", "mask_3d"), List.of("masked"));
            beforeSum = "masked";
        }
        b.int64Initializer("sequence_axis", new long[] {1}, 1);
        b.int64Initializer("cumsum_axis", new long[] {1});
        b.node("CumSum", List.of(beforeSum, "cumsum_axis"), List.of(hiddenName));
        // CLIP pools at argmax(input_ids): <|endoftext|> (49407) is the largest id, and argmax takes its first
        // occurrence, so padding with the end token is harmless.
        b.node("ArgMax", List.of(ids), List.of("eot_position"), Attr.i("axis", 1), Attr.i("keepdims", 1));
        long[] positions = new long[CONTEXT];
        for (int i = 0; i < CONTEXT; i++) {
            positions[i] = i;
        }
        b.int64Initializer("positions", positions, CONTEXT);
        b.node("Equal", List.of("positions", "eot_position"), List.of("is_eot"));
        b.node("Cast", List.of("is_eot"), List.of("eot_one_hot"), Attr.i("to", FLOAT));
        b.node("Unsqueeze", List.of("eot_one_hot", "sequence_axis"), List.of("eot_selector"));
        b.node("MatMul", List.of("eot_selector", hiddenName), List.of("pooled_3d"));
        b.node("Squeeze", List.of("pooled_3d", "sequence_axis"), List.of(pooledName));
    }
}
