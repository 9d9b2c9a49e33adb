package dev.sdembed.testing;

import static dev.sdembed.testing.OnnxModelBuilder.FLOAT;
import static dev.sdembed.testing.OnnxModelBuilder.FLOAT16;
import static dev.sdembed.testing.OnnxModelBuilder.INT32;
import static dev.sdembed.testing.OnnxModelBuilder.INT64;
import static dev.sdembed.testing.OnnxModelBuilder.UINT8;

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
        if (fixedSize) {
            b.input(input, FLOAT, "batch", 3, spec.size(), spec.size());
        } else {
            b.input(input, FLOAT, "batch", 3, "height", "width");
        }
        return visionLayers(b, spec, input);
    }

    /** The tower's layers from a float {@code [batch, 3, S, S]} tensor to {@code pooled} [batch, W]. */
    private static OnnxModelBuilder visionLayers(OnnxModelBuilder b, VisionSpec spec, String pixels) {
        Random random = new Random(spec.seed());
        // Patch embedding as in ViT: a convolution with kernel = stride = patch size.
        b.randomInitializer("patch_embed", random, 0.2f, spec.width(), 3, spec.patch(), spec.patch());
        b.node("Conv", List.of(pixels, "patch_embed"), List.of("patches"),
                Attr.ints("kernel_shape", spec.patch(), spec.patch()), Attr.ints("strides", spec.patch(), spec.patch()));
        b.node("Tanh", List.of("patches"), List.of("activated"));
        if (b.opset() < 18) {
            b.node("ReduceMean", List.of("activated"), List.of("pooled"), Attr.ints("axes", 2, 3),
                    Attr.i("keepdims", 0));
        } else {
            // From opset 18 on the axes are an input.
            b.int64Initializer("spatial_axes", new long[] {2, 3}, 2);
            b.node("ReduceMean", List.of("activated", "spatial_axes"), List.of("pooled"), Attr.i("keepdims", 0));
        }
        return b;
    }

    /**
     * The generations of Immich's OpenCLIP exports ({@code machine-learning/export} of immich-app/immich): input and
     * output names, element types, batch axis and opset as each exporter wrote them. Every generation's graph returns
     * L2-normalised embeddings ({@code encode_text(..., normalize=True)}).
     *
     * @param textInput     int32 {@code [batch, 77]} token ids
     * @param imageInput    the pixels: float {@code [batch, 3, S, S]}, or uint8 {@code [batch, S, S, 3]} when
     *                      {@code uint8Pixels}
     * @param dynamicBatch  a symbolic batch axis; else the batch is fixed at 1
     * @param uint8Pixels   resized and cropped RGB bytes, scaled and normalised inside the graph
     * @param fp16Outputs   the embeddings come out as float16
     */
    public enum ImmichGeneration {
        /** torch.onnx opset 17 with {@code dynamic_axes} on the batch. */
        OPSET_17(17, "text", "text_embedding", "image", "image_embedding", true, false, false),
        /** opset 19, {@code dynamic_axes} commented out: batch 1, both outputs named {@code embedding}. */
        OPSET_19_BATCH_1(19, "text", "embedding", "image", "embedding", false, false, false),
        /** opset 23, dynamic batch, uint8 NHWC pixels normalised inside the graph. */
        OPSET_23_UINT8(23, "text", "embedding", "image", "embedding", true, true, false),
        /** The opset 23 fp16 variant: as {@link #OPSET_23_UINT8}, its embeddings float16. */
        OPSET_23_FP16(23, "text", "embedding", "image", "embedding", true, true, true);

        public final int opset;
        public final String textInput;
        public final String textOutput;
        public final String imageInput;
        public final String imageOutput;
        public final boolean dynamicBatch;
        public final boolean uint8Pixels;
        public final boolean fp16Outputs;

        ImmichGeneration(int opset, String textInput, String textOutput, String imageInput, String imageOutput,
                         boolean dynamicBatch, boolean uint8Pixels, boolean fp16Outputs) {
            this.opset = opset;
            this.textInput = textInput;
            this.textOutput = textOutput;
            this.imageInput = imageInput;
            this.imageOutput = imageOutput;
            this.dynamicBatch = dynamicBatch;
            this.uint8Pixels = uint8Pixels;
            this.fp16Outputs = fp16Outputs;
        }

        private Object batch() {
            return dynamicBatch ? "batch_size" : 1;
        }
    }

    /**
     * Immich's text tower of {@code generation}: int32 ids, the same tower and projection weights as
     * {@link #openClipText} with the same spec, the embedding L2-normalised in the graph; weights where
     * {@code weights} says.
     */
    public static Path immichText(Path file, TextSpec spec, ImmichGeneration generation,
                                  OnnxModelBuilder.ExternalData weights) {
        OnnxModelBuilder b = new OnnxModelBuilder("immich_textual").opset(generation.opset).externalData(weights);
        b.input(generation.textInput, INT32, generation.batch(), CONTEXT);
        b.node("Cast", List.of(generation.textInput), List.of("ids"), Attr.i("to", INT64));
        textTower(b, "ids", null, spec, "hidden", "pooled");
        b.randomInitializer("text_projection", new Random(spec.seed() + 1), 0.5f, spec.width(), spec.dim());
        b.node("MatMul", List.of("pooled", "text_projection"), List.of("projected"));
        normalisedOutput(b, "projected", spec.dim(), generation, generation.textOutput);
        return b.write(file);
    }

    /**
     * Immich's vision tower of {@code generation}: the same tower and projection weights as {@link #openClipVision}
     * with the same spec; for the uint8 generations the graph first scales the bytes by 1/255 and normalises them
     * with {@code mean} and {@code std}, as those exports do; the embedding L2-normalised in the graph.
     */
    public static Path immichVision(Path file, VisionSpec spec, ImmichGeneration generation, float[] mean,
                                    float[] std, OnnxModelBuilder.ExternalData weights) {
        OnnxModelBuilder b = new OnnxModelBuilder("immich_visual").opset(generation.opset).externalData(weights);
        String pixels = generation.imageInput;
        if (generation.uint8Pixels) {
            b.input(generation.imageInput, UINT8, generation.batch(), spec.size(), spec.size(), 3);
            b.node("Cast", List.of(generation.imageInput), List.of("rgb"), Attr.i("to", FLOAT));
            b.node("Transpose", List.of("rgb"), List.of("planes"), Attr.ints("perm", 0, 3, 1, 2));
            b.floatInitializer("byte_scale", new float[] {255f});
            b.node("Div", List.of("planes", "byte_scale"), List.of("scaled"));
            b.floatInitializer("mean", mean.clone(), 1, 3, 1, 1);
            b.floatInitializer("std", std.clone(), 1, 3, 1, 1);
            b.node("Sub", List.of("scaled", "mean"), List.of("centred"));
            b.node("Div", List.of("centred", "std"), List.of("normalised"));
            pixels = "normalised";
        } else {
            b.input(generation.imageInput, FLOAT, generation.batch(), 3, spec.size(), spec.size());
        }
        visionLayers(b, spec, pixels);
        b.randomInitializer("visual_projection", new Random(spec.seed() + 1), 0.5f, spec.width(), spec.dim());
        b.node("MatMul", List.of("pooled", "visual_projection"), List.of("projected"));
        normalisedOutput(b, "projected", spec.dim(), generation, generation.imageOutput);
        return b.write(file);
    }

    /**
     * optimum's ONNX export of Stable Diffusion XL's {@code text_encoder_2} (OpenCLIP ViT-bigG/14 as
     * {@code CLIPTextModelWithProjection}, exported with its hidden states): {@code input_ids} of {@code idType}
     * {@code [batch_size, sequence_length]} → {@code text_embeds} (dimension left symbolic, as optimum names that
     * axis), {@code last_hidden_state} and {@code hidden_states.0}; weights in {@code model.onnx_data}. Same tower and
     * projection weights as {@link #openClipText} with the same spec.
     */
    public static Path sdxlTextEncoder2(Path file, TextSpec spec, int idType) {
        OnnxModelBuilder b = new OnnxModelBuilder("text_encoder_2").externalData("model.onnx_data");
        b.input("input_ids", idType, "batch_size", "sequence_length");
        String ids = "input_ids";
        if (idType != INT64) {
            b.node("Cast", List.of("input_ids"), List.of("ids"), Attr.i("to", INT64));
            ids = "ids";
        }
        textTower(b, ids, null, spec, "last_hidden_state", "pooled");
        b.randomInitializer("text_projection", new Random(spec.seed() + 1), 0.5f, spec.width(), spec.dim());
        b.node("MatMul", List.of("pooled", "text_projection"), List.of("text_embeds"));
        b.node("Identity", List.of("embedded"), List.of("hidden_states.0"));
        b.output("text_embeds", FLOAT, "batch_size", "projection_dim");
        b.output("last_hidden_state", FLOAT, "batch_size", "sequence_length", spec.width());
        b.output("hidden_states.0", FLOAT, "batch_size", "sequence_length", spec.width());
        return b.write(file);
    }

    /** {@code x / sqrt(sum(x^2))} over the last axis, as float16 for the fp16 generation, as output {@code name}. */
    private static void normalisedOutput(OnnxModelBuilder b, String x, int dim, ImmichGeneration generation,
                                         String name) {
        float[] ones = new float[dim];
        java.util.Arrays.fill(ones, 1f);
        b.floatInitializer("norm_ones", ones, dim, 1);
        b.node("Mul", List.of(x, x), List.of("squares"));
        b.node("MatMul", List.of("squares", "norm_ones"), List.of("sum_of_squares"));
        b.node("Sqrt", List.of("sum_of_squares"), List.of("norm"));
        String normalised = generation.fp16Outputs ? "normalised_embedding" : name;
        b.node("Div", List.of(x, "norm"), List.of(normalised));
        if (generation.fp16Outputs) {
            b.node("Cast", List.of(normalised), List.of(name), Attr.i("to", FLOAT16));
        }
        b.output(name, generation.fp16Outputs ? FLOAT16 : FLOAT, generation.batch(), dim);
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
