package dev.sdembed.onnx;

import ai.onnxruntime.OnnxJavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.SdembedException;
import dev.sdembed.encoder.Encoder;
import dev.sdembed.image.ClipPreprocessConfig;
import dev.sdembed.io.JsonTrees;
import dev.sdembed.onnx.internal.OnnxModelHeader;
import dev.sdembed.onnx.internal.OnnxSession;
import dev.sdembed.onnx.internal.OnnxSession.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a model directory against what sdembed's encoders expect and reports every problem with its fix, instead
 * of stopping at the first like loading does. It is the contract the export scripts under {@code models/} must meet
 * ({@code sdembed models verify DIR}).
 *
 * <p>Checked: the files (model.onnx, external data the graph references, tokenizer.json for text models,
 * preprocessor_config.json for vision models), the opset, fp16 inputs, input/output names, element types, ranks and
 * fixed dims, the embedding dimension against the manifest, the tokenizer's special tokens and padding id, the
 * preprocessing fields, and finally that the matching encoder actually loads. The layouts of published CLIP exports
 * pass as they are: int32 token ids, a batch axis fixed at 1, uint8 {@code [batch, S, S, 3]} pixels normalised in the
 * graph, float16 embedding outputs, weights in one external file or one file per tensor (Immich's OpenCLIP exports,
 * optimum's Stable Diffusion XL text encoder).
 */
public final class ModelVerifier {

    /** The oldest default-domain opset accepted: what optimum and torch.onnx export transformers models with. */
    public static final int MIN_OPSET = 11;


    /**
     * One thing wrong with a model directory.
     *
     * @param check   which check found it ({@code files}, {@code opset}, {@code graph}, {@code dimension},
     *                {@code precision}, {@code tokenizer}, {@code preprocessing}, {@code load})
     * @param message what is wrong, naming the file and field
     * @param fix     what to do about it
     */
    public record Problem(String check, String message, String fix) {
    }

    /**
     * The outcome for one directory.
     *
     * @param kind      the detected or declared kind ({@link ModelKind#UNKNOWN} when the graph could not be read)
     * @param dimension the embedding dimension the graph fixes, or -1
     * @param opset     the default-domain opset, or -1 when unread
     */
    public record Report(Path directory, ModelKind kind, int dimension, long opset, List<Problem> problems) {
        public Report {
            problems = List.copyOf(problems);
        }

        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final Path requested;
    private final List<Problem> problems = new ArrayList<>();

    private ModelVerifier(Path requested) {
        this.requested = requested;
    }

    /** Verifies {@code dir}; never throws for a bad directory, every finding is in the report. */
    public static Report verify(Path dir) {
        return new ModelVerifier(dir).run();
    }

    private Report run() {
        ModelDirectory dir;
        try {
            dir = ModelDirectory.open(requested);
        } catch (SdembedException e) {
            add("files", e.getMessage(), "Export the model so that the folder holds model.onnx (and a valid "
                    + ModelManifest.FILE_NAME + " if any); see models/README.md.");
            return new Report(requested.toAbsolutePath().normalize(), ModelKind.UNKNOWN, -1, -1, problems);
        }
        long opset = checkHeader(dir);
        Map<String, TensorSpec> inputs;
        Map<String, TensorSpec> outputs;
        try (OnnxSession session = OnnxSession.open(dir.name(), dir.modelFile(),
                OnnxOptions.builder().intraOpThreads(1).build())) {
            inputs = session.inputs();
            outputs = session.outputs();
        } catch (SdembedException e) {
            add("graph", "ONNX Runtime cannot open " + dir.modelFile() + ": " + e.getMessage(),
                    "Re-export the model (opset " + MIN_OPSET + " or newer, all external-data files beside it).");
            return new Report(dir.path(), ModelKind.UNKNOWN, -1, opset, problems);
        }
        ModelKind kind;
        try {
            kind = dir.manifest().kind() != null ? ModelKind.fromId(dir.manifest().kind())
                    : ModelInspection.detectKind(inputs, outputs);
        } catch (SdembedException e) {
            add("graph", ModelManifest.FILE_NAME + ": " + e.getMessage(), "Set kind to bert, clip-text or clip-vision.");
            kind = ModelKind.UNKNOWN;
        }
        // Float16 outputs are read as float32; float16 inputs would need converting pixels the encoders do not do.
        checkPrecision(dir, inputs, "input");
        int dimension = -1;
        switch (kind) {
            case BERT -> {
                checkTokenInputs(dir, inputs, true, false);
                dimension = checkOutput(dir, outputs, "last_hidden_state", 3);
                checkTokenizer(dir, List.of("[CLS]", "[SEP]"), "[PAD]");
            }
            case CLIP_TEXT, CLIP_TEXT_UNPROJECTED -> {
                if (kind == ModelKind.CLIP_TEXT_UNPROJECTED && !Boolean.TRUE.equals(dir.manifest().allowUnprojected())) {
                    add("graph", dir.modelFile() + " is a bare CLIPTextModel: its pooled output is not in CLIP's "
                                    + "joint space, so text-to-image search would be meaningless",
                            "Export CLIPTextModelWithProjection (output text_embeds), or set \"allow_unprojected\": "
                                    + "true in " + ModelManifest.FILE_NAME + " if prompt-to-prompt search is all you need.");
                }
                checkTokenInputs(dir, inputs, false, true);
                dimension = checkOutput(dir, outputs,
                        kind == ModelKind.CLIP_TEXT ? "text_embeds" : "pooler_output", 2);
                checkTokenizer(dir, List.of("<|startoftext|>", "<|endoftext|>"), null);
            }
            case CLIP_VISION -> {
                long size = checkPixelInput(dir, inputs);
                dimension = checkOutput(dir, outputs, "image_embeds", 2);
                checkPreprocessing(dir, size);
            }
            case UNKNOWN -> add("graph", dir.modelFile() + " has inputs " + EmbeddingOutputs.describe(inputs)
                            + " and outputs " + EmbeddingOutputs.describe(outputs)
                            + ", which match no encoder sdembed has",
                    "Export a BERT-style encoder (input_ids, attention_mask → last_hidden_state), a CLIP text tower "
                            + "with projection (input_ids → text_embeds) or a CLIP vision tower with projection "
                            + "(pixel_values → image_embeds), or declare kind/inputs/output in "
                            + ModelManifest.FILE_NAME + ".");
        }
        checkDimension(dir, dimension);
        if (problems.isEmpty() && kind != ModelKind.UNKNOWN) {
            checkLoads(dir, kind);
        }
        return new Report(dir.path(), kind, dimension, opset, problems);
    }

    private long checkHeader(ModelDirectory dir) {
        OnnxModelHeader header;
        try {
            header = OnnxModelHeader.read(dir.modelFile());
        } catch (SdembedException e) {
            add("files", e.getMessage(), "Re-export model.onnx; the file is truncated or not an ONNX model.");
            return -1;
        }
        for (String location : header.externalFiles()) {
            Path file = dir.path().resolve(location).normalize();
            if (!file.startsWith(dir.path()) || !Files.isRegularFile(file)) {
                add("files", dir.modelFile() + " keeps weights in external-data file '" + location
                                + "', which is not in " + dir.path(),
                        "Copy the external-data file(s) written by the export next to model.onnx, keeping their names.");
            }
        }
        long opset = header.defaultOpset();
        if (opset < MIN_OPSET) {
            add("opset", dir.modelFile() + " imports default-domain opset " + (opset < 0 ? "(none)" : opset)
                    + "; sdembed expects " + MIN_OPSET + " or newer", "Re-export with opset 17, as models/export does (optimum-cli "
                    + "export onnx --opset 17, or torch.onnx.export(..., opset_version=17)).");
        }
        return opset;
    }

    private void checkPrecision(ModelDirectory dir, Map<String, TensorSpec> specs, String what) {
        for (TensorSpec spec : specs.values()) {
            if (spec.type() == OnnxJavaType.FLOAT16) {
                add("precision", dir.modelFile() + " " + what + " '" + spec.name() + "' is float16; sdembed feeds "
                                + "and reads float32 at the graph boundary",
                        "Keep fp16 weights but float32 inputs and outputs (onnxconverter-common "
                                + "convert_float_to_float16(model, keep_io_types=True); models/export_*.py --fp16 does this).");
            }
        }
    }

    /**
     * @param clip a CLIP text tower: the token input may have another name when it is the only one, may be int32 and
     *             may fix the batch axis (the encoder then sends batches of that size)
     */
    private void checkTokenInputs(ModelDirectory dir, Map<String, TensorSpec> inputs, boolean maskRequired,
                                  boolean clip) {
        String ids = dir.manifest().inputName("input_ids");
        String mask = dir.manifest().inputName("attention_mask");
        TensorSpec idSpec = inputs.get(ids);
        if (idSpec == null && clip && inputs.size() == 1 && !dir.manifest().inputs().containsKey("input_ids")) {
            idSpec = inputs.values().iterator().next();
        }
        if (idSpec == null) {
            add("graph", dir.modelFile() + " has no input '" + ids + "' (inputs: " + EmbeddingOutputs.describe(inputs)
                    + ")", "Name the token input in " + ModelManifest.FILE_NAME + " as inputs.input_ids.");
        } else {
            checkTokenTensor(dir, idSpec, clip);
        }
        TensorSpec maskSpec = inputs.get(mask);
        if (maskSpec == null && maskRequired) {
            add("graph", dir.modelFile() + " has no input '" + mask + "' (inputs: "
                    + EmbeddingOutputs.describe(inputs) + ")", "Export with the attention mask input, or name it in "
                    + ModelManifest.FILE_NAME + " as inputs.attention_mask.");
        } else if (maskSpec != null) {
            checkTokenTensor(dir, maskSpec, clip);
        }
    }

    private void checkTokenTensor(ModelDirectory dir, TensorSpec spec, boolean clip) {
        boolean typeOk = spec.type() == OnnxJavaType.INT64 || clip && spec.type() == OnnxJavaType.INT32;
        if (!typeOk || spec.rank() != 2) {
            add("graph", dir.modelFile() + " input '" + spec.name() + "' is " + spec.type() + " "
                            + spec.shapeText() + "; expected " + (clip ? "int64 or int32" : "int64")
                            + " [batch, sequence]",
                    "Export token inputs as int64 with shape [batch, sequence] (the transformers default).");
        } else if (!clip) {
            checkDynamicBatch(dir, spec);
        }
    }

    private void checkDynamicBatch(ModelDirectory dir, TensorSpec spec) {
        if (spec.shape()[0] > 0) {
            add("graph", dir.modelFile() + " input '" + spec.name() + "' fixes the batch at " + spec.shape()[0],
                    "Export with a dynamic batch axis (dynamic_axes={'" + spec.name() + "': {0: 'batch'}}).");
        }
    }

    private long checkPixelInput(ModelDirectory dir, Map<String, TensorSpec> inputs) {
        String name = dir.manifest().inputName("pixel_values");
        TensorSpec spec = inputs.get(name);
        if (spec == null && inputs.size() == 1) {
            spec = inputs.values().iterator().next();
        }
        if (spec == null) {
            add("graph", dir.modelFile() + " has no input '" + name + "' (inputs: " + EmbeddingOutputs.describe(inputs)
                    + ")", "Name the pixel input in " + ModelManifest.FILE_NAME + " as inputs.pixel_values.");
            return -1;
        }
        long[] shape = spec.shape();
        // float32 [batch, 3, S, S], or uint8 [batch, S, S, 3] normalised inside the graph (Immich's opset 23).
        boolean nchw = spec.type() == OnnxJavaType.FLOAT && spec.rank() == 4 && (shape[1] <= 0 || shape[1] == 3)
                && (shape[2] <= 0 || shape[3] <= 0 || shape[2] == shape[3]);
        boolean nhwc = spec.type() == OnnxJavaType.UINT8 && spec.rank() == 4 && (shape[3] <= 0 || shape[3] == 3)
                && (shape[1] <= 0 || shape[2] <= 0 || shape[1] == shape[2]);
        if (!nchw && !nhwc) {
            add("graph", dir.modelFile() + " input '" + spec.name() + "' is " + spec.type() + " " + spec.shapeText()
                    + "; expected float32 [batch, 3, S, S] or uint8 [batch, S, S, 3]",
                    "Export the vision tower with float32 square RGB input.");
            return -1;
        }
        return nchw ? shape[2] : shape[1];
    }

    private int checkOutput(ModelDirectory dir, Map<String, TensorSpec> outputs, String defaultName, int rank) {
        String name = dir.manifest().output() != null ? dir.manifest().output() : defaultName;
        TensorSpec spec = outputs.get(name);
        if (spec == null && dir.manifest().output() == null && outputs.size() == 1) {
            spec = outputs.values().iterator().next();
        }
        if (spec == null) {
            add("graph", dir.modelFile() + " has no output '" + name + "' (outputs: "
                    + EmbeddingOutputs.describe(outputs) + ")", "Name the embedding output in "
                    + ModelManifest.FILE_NAME + " as output, or export it as '" + defaultName + "'.");
            return -1;
        }
        if (spec.type() != OnnxJavaType.FLOAT && spec.type() != OnnxJavaType.FLOAT16) {
            add("graph", dir.modelFile() + " output '" + spec.name() + "' is " + spec.type()
                    + "; expected float32", "Export the embedding output as float32.");
        }
        if (spec.rank() != rank && !(rank == 3 && spec.rank() == 2)) {
            add("graph", dir.modelFile() + " output '" + spec.name() + "' has shape " + spec.shapeText()
                    + "; expected rank " + rank, "Export the output '" + defaultName + "' of the model class the "
                    + "export scripts use.");
            return -1;
        }
        return (int) spec.lastDimension();
    }

    private void checkDimension(ModelDirectory dir, int dimension) {
        Integer declared = dir.manifest().dimension();
        if (declared != null && dimension > 0 && declared != dimension) {
            add("dimension", ModelManifest.FILE_NAME + " declares dimension " + declared + " but "
                    + dir.modelFile() + " produces " + dimension, "Correct \"dimension\" in "
                    + ModelManifest.FILE_NAME + " to " + dimension + " (or re-export the intended model).");
        } else if (declared == null && dimension <= 0) {
            add("dimension", dir.modelFile() + " leaves the embedding dimension symbolic and "
                    + ModelManifest.FILE_NAME + " does not declare it", "Add \"dimension\" to "
                    + ModelManifest.FILE_NAME + " (BGE-large 1024, CLIP-L 768, bigG 1280, ViT-H 1024).");
        }
    }

    private void checkTokenizer(ModelDirectory dir, List<String> specials, String bertPad) {
        Path file = dir.path().resolve(ModelDirectory.TOKENIZER_FILE);
        if (!Files.isRegularFile(file)) {
            add("files", dir.path() + " has no " + ModelDirectory.TOKENIZER_FILE + " (found: "
                    + ModelDirectory.listing(dir.path()) + ")", "Save the tokenizer with the model "
                    + "(tokenizer.save_pretrained(DIR)); for CLIP vocabularies: sdembed models clip-tokenizer.");
            return;
        }
        JsonNode root;
        try {
            root = JsonTrees.read(file);
        } catch (IOException e) {
            add("tokenizer", "Cannot parse " + file + ": " + e.getMessage(), "Re-save tokenizer.json.");
            return;
        }
        for (String token : specials) {
            if (tokenId(root, token) < 0) {
                add("tokenizer", file + " has no special token " + token, "Save the tokenizer that belongs to "
                        + "the model; it must define " + String.join(" and ", specials) + ".");
            }
        }
        JsonNode padding = root.path("padding");
        Integer manifestPad = dir.manifest().padTokenId();
        if (bertPad != null) {
            long expected = tokenId(root, bertPad);
            if (padding.isObject() && padding.path("pad_id").asLong(-1) != expected) {
                add("tokenizer", file + " pads with id " + padding.path("pad_id").asLong(-1) + " but "
                        + bertPad + " is " + expected, "Set padding.pad_id to the id of " + bertPad + ".");
            }
        } else if (!padding.isObject() && manifestPad == null) {
            add("tokenizer", file + " has no padding section and " + ModelManifest.FILE_NAME
                            + " has no pad_token_id", "Add \"pad_token_id\" to " + ModelManifest.FILE_NAME
                            + " (49407 for OpenAI CLIP, 0 for OpenCLIP) or write the tokenizer with sdembed models "
                            + "clip-tokenizer --pad-token.");
        } else if (padding.isObject() && manifestPad != null
                && padding.path("pad_id").asLong(-1) != manifestPad) {
            add("tokenizer", file + " pads with id " + padding.path("pad_id").asLong(-1) + " but "
                    + ModelManifest.FILE_NAME + " says pad_token_id " + manifestPad, "Make them agree: 49407 for "
                    + "OpenAI CLIP (ViT-L/14), 0 for OpenCLIP (ViT-H/14, ViT-bigG/14).");
        }
    }

    /** The id of {@code token} in the added tokens or the model vocabulary, or -1. */
    private static long tokenId(JsonNode tokenizer, String token) {
        for (JsonNode added : tokenizer.path("added_tokens")) {
            if (token.equals(added.path("content").asText())) {
                return added.path("id").asLong(-1);
            }
        }
        JsonNode vocab = tokenizer.path("model").path("vocab");
        return vocab.has(token) ? vocab.get(token).asLong(-1) : -1;
    }

    private void checkPreprocessing(ModelDirectory dir, long graphSize) {
        Path file = dir.path().resolve(ModelDirectory.PREPROCESSOR_CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            add("files", dir.path() + " has no " + ModelDirectory.PREPROCESSOR_CONFIG_FILE
                            + "; sdembed would fall back to OpenAI CLIP's mean/std, which OpenCLIP models may not share",
                    "Save the image processor with the model (CLIPImageProcessor.save_pretrained(DIR)) with size, "
                            + "crop_size, image_mean and image_std.");
            return;
        }
        ClipPreprocessConfig config;
        try {
            config = ClipPreprocessConfig.fromPreprocessorConfig(file);
        } catch (SdembedException e) {
            add("preprocessing", e.getMessage(), "Fix the field named above in " + file.getFileName() + ".");
            return;
        }
        try {
            JsonNode root = JsonTrees.read(file);
            for (String field : List.of("image_mean", "image_std")) {
                if (!root.path(field).isArray() || root.path(field).size() != 3) {
                    add("preprocessing", file + " has no 3-value " + field, "Write " + field
                            + " (OpenAI CLIP and OpenCLIP: the values printed by open_clip's model.visual.preprocess_cfg).");
                }
            }
        } catch (IOException e) {
            add("preprocessing", "Cannot parse " + file + ": " + e.getMessage(), "Re-save it.");
        }
        int produced = config.doCenterCrop() ? config.cropHeight()
                : config.resizeHeight() > 0 ? config.resizeHeight() : config.shortestEdge();
        if (graphSize > 0 && produced != graphSize) {
            add("preprocessing", file + " produces " + produced + " px images but " + dir.modelFile()
                    + " takes " + graphSize + " px", "Set size and crop_size to " + graphSize + ".");
        }
    }

    /** The last word: the encoder sdembed would build loads (tokenizer, preprocessing and graph together). */
    private void checkLoads(ModelDirectory dir, ModelKind kind) {
        OnnxOptions options = OnnxOptions.builder().intraOpThreads(1).build();
        try (Encoder ignored = kind.modality() == dev.sdembed.encoder.Modality.IMAGE
                ? OnnxEncoders.image(dir.path(), options) : OnnxEncoders.text(dir.path(), options)) {
            // Loading is the check.
        } catch (SdembedException e) {
            add("load", e.getMessage(), "Fix what the message names; it is what sdembed index would report.");
        }
    }

    private void add(String check, String message, String fix) {
        problems.add(new Problem(check, message, fix));
    }
}
