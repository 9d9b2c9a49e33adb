package dev.sdembed.onnx;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.EncodingException;
import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.internal.OnnxSession;
import dev.sdembed.onnx.internal.OnnxSession.TensorSpec;
import dev.sdembed.onnx.internal.Tokenizers;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CLIP or OpenCLIP text tower with projection (CLIP ViT-L/14, OpenCLIP ViT-H/14, ViT-bigG/14): prompts become
 * L2-normalised embeddings in the joint text-image space. Inputs are {@code [sot] tokens [eot]} padded to the
 * context length (77) with the model's pad id; prompts over 75 tokens follow the {@link LongPromptPolicy}.
 *
 * <p>Supported exports: Hugging Face {@code CLIPTextModelWithProjection} ({@code input_ids} [+
 * {@code attention_mask}] → {@code text_embeds}) and OpenCLIP (one int64 token input → one embedding output).
 * A bare {@code CLIPTextModel} export is refused unless the manifest sets {@code allow_unprojected}: its pooled
 * output is not in the joint space, so text-to-image search with it is meaningless.
 */
public final class ClipTextEncoder implements TextEncoder {
    private static final Logger LOG = LoggerFactory.getLogger(ClipTextEncoder.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String START_OF_TEXT = "<|startoftext|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final int DEFAULT_CONTEXT_LENGTH = 77;

    private final OnnxSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final EncoderInfo info;
    private final OnnxOptions options;
    private final LongPromptPolicy longPrompts;
    private final int contextLength;
    private final long startId;
    private final long endId;
    private final long padId;
    private final String inputIdsName;
    private final String attentionMaskName;
    private final String outputName;
    private final boolean normalize;
    private final AtomicBoolean warnedTruncation = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private ClipTextEncoder(Builder b, ModelDirectory dir) {
        ModelManifest manifest = dir.manifest();
        Path tokenizerFile = dir.requireTokenizer();
        JsonNode tokenizerJson = readJson(tokenizerFile);
        this.options = b.options;
        this.normalize = manifest.normalizeOrDefault();
        this.longPrompts = b.longPrompts != null ? b.longPrompts
                : manifest.longPrompts() != null ? parsePolicy(manifest.longPrompts(), dir) : LongPromptPolicy.TRUNCATE;
        this.startId = specialTokenId(tokenizerJson, START_OF_TEXT, tokenizerFile);
        this.endId = specialTokenId(tokenizerJson, END_OF_TEXT, tokenizerFile);
        this.padId = b.padTokenId != null ? b.padTokenId
                : manifest.padTokenId() != null ? manifest.padTokenId()
                : padIdFromTokenizer(tokenizerJson, dir).orElse(endId);
        String name = b.name != null ? b.name : dir.name();
        this.session = OnnxSession.open(name, dir.modelFile(), options);
        try {
            this.inputIdsName = chooseTokenInput(dir, manifest);
            this.attentionMaskName = session.inputs().containsKey(manifest.inputName("attention_mask"))
                    && !manifest.inputName("attention_mask").equals(inputIdsName)
                    ? manifest.inputName("attention_mask") : null;
            TensorSpec output = chooseOutput(dir, manifest);
            this.outputName = output.name();
            long fixedContext = session.inputs().get(inputIdsName).shape().length == 2
                    ? session.inputs().get(inputIdsName).shape()[1] : -1;
            this.contextLength = fixedContext > 0 ? (int) fixedContext
                    : manifest.maxLength() != null ? manifest.maxLength() : DEFAULT_CONTEXT_LENGTH;
            this.tokenizer = Tokenizers.loadUntruncated(tokenizerFile);
            int dimension = (int) output.lastDimension();
            if (dimension <= 0) {
                dimension = run(List.of(window(new long[0]))).get(0).length;
            }
            if (manifest.dimension() != null && manifest.dimension() != dimension) {
                throw new ModelLoadException("Manifest " + dir.path().resolve(ModelManifest.FILE_NAME)
                        + " declares dimension " + manifest.dimension() + " but output '" + outputName + "' of "
                        + dir.modelFile() + " has " + dimension + " " + output.shapeText()
                        + ". Fix the manifest or use the model it describes.");
            }
            this.info = new EncoderInfo(name, Modality.TEXT, dimension, contextLength, 0, dir.fingerprint());
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        LOG.info("Loaded CLIP text encoder '{}' ({}-d, context {}, pad id {}, long prompts {}) on {}", info.name(),
                info.dimension(), contextLength, padId, longPrompts, session.device());
    }

    public static ClipTextEncoder open(Path modelDir) {
        return builder(modelDir).build();
    }

    public static Builder builder(Path modelDir) {
        return new Builder(modelDir);
    }

    @Override
    public EncoderInfo info() {
        return info;
    }

    public Device device() {
        return session.device();
    }

    public long padTokenId() {
        return padId;
    }

    public LongPromptPolicy longPromptPolicy() {
        return longPrompts;
    }

    /** The model input for {@code text} under {@link LongPromptPolicy#TRUNCATE}: {@code contextLength} ids. */
    public long[] inputIds(String text) {
        requireOpen();
        long[] content = contentIds(requireText(text, 0, 1));
        return window(Arrays.copyOf(content, Math.min(content.length, contextLength - 2)));
    }

    @Override
    public List<Embedding> embedAll(List<String> texts) {
        Objects.requireNonNull(texts, "texts");
        requireOpen();
        int maxContent = contextLength - 2;
        List<long[]> windows = new ArrayList<>();
        List<int[]> windowsOfText = new ArrayList<>(texts.size());
        List<int[]> weightsOfText = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            long[] content = contentIds(requireText(texts.get(i), i, texts.size()));
            int chunks = longPrompts == LongPromptPolicy.CHUNKED ? Math.max(1, (content.length + maxContent - 1) / maxContent) : 1;
            if (content.length > maxContent && longPrompts == LongPromptPolicy.TRUNCATE
                    && !warnedTruncation.getAndSet(true)) {
                LOG.warn("Encoder '{}' truncates prompts longer than {} tokens (logged once; see LongPromptPolicy)",
                        info.name(), maxContent);
            }
            int[] indices = new int[chunks];
            int[] weights = new int[chunks];
            for (int c = 0; c < chunks; c++) {
                int from = c * maxContent;
                int to = Math.min(content.length, from + maxContent);
                indices[c] = windows.size();
                weights[c] = Math.max(1, to - from);
                windows.add(window(Arrays.copyOfRange(content, from, to)));
            }
            windowsOfText.add(indices);
            weightsOfText.add(weights);
        }
        List<float[]> vectors = new ArrayList<>(windows.size());
        int batch = Math.max(1, Math.min(options.maxBatchSize(), options.tokenBudget() / contextLength));
        for (int from = 0; from < windows.size(); from += batch) {
            vectors.addAll(run(windows.subList(from, Math.min(windows.size(), from + batch))));
        }
        List<Embedding> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] indices = windowsOfText.get(i);
            if (indices.length == 1) {
                float[] v = vectors.get(indices[0]);
                out.add(new Embedding(normalize ? BgeTextEncoder.l2Normalize(v) : v));
                continue;
            }
            float[] sum = new float[info.dimension()];
            int[] weights = weightsOfText.get(i);
            for (int c = 0; c < indices.length; c++) {
                float[] v = BgeTextEncoder.l2Normalize(vectors.get(indices[c]));
                for (int d = 0; d < sum.length; d++) {
                    sum[d] += weights[c] * v[d];
                }
            }
            out.add(new Embedding(BgeTextEncoder.l2Normalize(sum)));
        }
        return List.copyOf(out);
    }

    private long[] contentIds(String text) {
        Encoding encoding = tokenizer.encode(text, false, false);
        return encoding.getIds();
    }

    /** {@code [sot] content [eot]} padded to the context length. */
    private long[] window(long[] content) {
        long[] ids = new long[contextLength];
        Arrays.fill(ids, padId);
        ids[0] = startId;
        System.arraycopy(content, 0, ids, 1, content.length);
        ids[content.length + 1] = endId;
        return ids;
    }

    private List<float[]> run(List<long[]> windows) {
        int rows = windows.size();
        long[] ids = new long[rows * contextLength];
        long[] mask = new long[rows * contextLength];
        for (int r = 0; r < rows; r++) {
            long[] w = windows.get(r);
            System.arraycopy(w, 0, ids, r * contextLength, contextLength);
            // Attend to everything up to and including the first end token: padding after it is masked out.
            for (int t = 0; t < contextLength; t++) {
                mask[r * contextLength + t] = 1;
                if (w[t] == endId && t > 0) {
                    break;
                }
            }
        }
        long[] shape = {rows, contextLength};
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put(inputIdsName, OnnxTensor.createTensor(session.environment(), LongBuffer.wrap(ids), shape));
            if (attentionMaskName != null) {
                feeds.put(attentionMaskName,
                        OnnxTensor.createTensor(session.environment(), LongBuffer.wrap(mask), shape));
            }
            try (OrtSession.Result result = session.run(feeds, Set.of(outputName))) {
                OnnxTensor tensor = (OnnxTensor) result.get(outputName).orElseThrow();
                long[] outShape = tensor.getInfo().getShape();
                int dim = (int) outShape[outShape.length - 1];
                FloatBuffer buffer = tensor.getFloatBuffer();
                List<float[]> vectors = new ArrayList<>(rows);
                for (int r = 0; r < rows; r++) {
                    float[] v = new float[dim];
                    buffer.get(r * dim, v);
                    vectors.add(v);
                }
                return vectors;
            }
        } catch (OrtException e) {
            throw new EncodingException("Cannot create input tensors for encoder '" + session.encoderName()
                    + "' (batch " + rows + " x " + contextLength + "): " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private String chooseTokenInput(ModelDirectory dir, ModelManifest manifest) {
        Map<String, TensorSpec> inputs = session.inputs();
        String requested = manifest.inputs().get("input_ids");
        String name = requested != null ? requested
                : inputs.containsKey("input_ids") ? "input_ids"
                : inputs.size() == 1 ? inputs.keySet().iterator().next() : null;
        if (name == null || !inputs.containsKey(name)) {
            throw new ModelLoadException("Model " + dir.modelFile() + " has no token input "
                    + (name == null ? "'input_ids'" : "'" + name + "'") + " (inputs: " + inputs.keySet()
                    + "). Name it in " + ModelManifest.FILE_NAME + " as inputs.input_ids.");
        }
        TensorSpec spec = inputs.get(name);
        if (spec.type() != OnnxJavaType.INT64 && spec.type() != OnnxJavaType.INT32) {
            throw new ModelLoadException("Model " + dir.modelFile() + " input '" + name + "' is " + spec.type()
                    + "; a CLIP text tower takes int64 token ids");
        }
        if (spec.type() == OnnxJavaType.INT32) {
            throw new ModelLoadException("Model " + dir.modelFile() + " input '" + name + "' is int32; re-export"
                    + " it with int64 token ids (as Hugging Face and OpenCLIP exports do)");
        }
        return name;
    }

    private TensorSpec chooseOutput(ModelDirectory dir, ModelManifest manifest) {
        Map<String, TensorSpec> outputs = session.outputs();
        if (manifest.output() != null) {
            TensorSpec spec = outputs.get(manifest.output());
            if (spec == null) {
                throw new ModelLoadException("Model " + dir.modelFile() + " has no output '" + manifest.output()
                        + "' named by " + ModelManifest.FILE_NAME + " (outputs: " + outputs.keySet() + ")");
            }
            return spec;
        }
        if (outputs.containsKey("text_embeds")) {
            return outputs.get("text_embeds");
        }
        if (outputs.containsKey("pooler_output")) {
            if (!Boolean.TRUE.equals(manifest.allowUnprojected())) {
                throw new ModelLoadException("Model " + dir.modelFile() + " is a bare CLIPTextModel export (outputs: "
                        + outputs.keySet() + "): its pooled output is not projected into the joint text-image space,"
                        + " so it cannot be compared with image embeddings. Export CLIPTextModelWithProjection"
                        + " (output text_embeds), or set \"allow_unprojected\": true in " + ModelManifest.FILE_NAME
                        + " to use it for text-to-text similarity only.");
            }
            return outputs.get("pooler_output");
        }
        List<TensorSpec> rank2 = outputs.values().stream()
                .filter(t -> t.type() == OnnxJavaType.FLOAT && t.rank() == 2).toList();
        if (rank2.size() == 1) {
            return rank2.get(0);
        }
        throw new ModelLoadException("Model " + dir.modelFile() + " has no text embedding output (outputs: "
                + outputs.keySet() + "); expected text_embeds or a single [batch, dim] output. Name it in "
                + ModelManifest.FILE_NAME + " 'output'.");
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException("Cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    private static long specialTokenId(JsonNode tokenizer, String token, Path file) {
        for (JsonNode added : tokenizer.path("added_tokens")) {
            if (token.equals(added.path("content").asText())) {
                return added.path("id").asLong();
            }
        }
        JsonNode vocabId = tokenizer.path("model").path("vocab").path(token);
        if (vocabId.isNumber()) {
            return vocabId.asLong();
        }
        throw new ModelLoadException("Tokenizer " + file + " has no " + token + " token; it is not a CLIP tokenizer"
                + " (write one with: sdembed models clip-tokenizer)");
    }

    /** The pad id a tokenizer declares: tokenizer.json's padding, else tokenizer_config.json's pad_token. */
    private static java.util.Optional<Long> padIdFromTokenizer(JsonNode tokenizer, ModelDirectory dir) {
        JsonNode padding = tokenizer.path("padding");
        if (padding.isObject() && padding.has("pad_id")) {
            return java.util.Optional.of(padding.get("pad_id").asLong());
        }
        Path config = dir.path().resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonNode padToken = readJson(config).path("pad_token");
            String content = padToken.isObject() ? padToken.path("content").asText(null) : padToken.asText(null);
            if (content != null) {
                for (JsonNode added : tokenizer.path("added_tokens")) {
                    if (content.equals(added.path("content").asText())) {
                        return java.util.Optional.of(added.path("id").asLong());
                    }
                }
                JsonNode id = tokenizer.path("model").path("vocab").path(content);
                if (id.isNumber()) {
                    return java.util.Optional.of(id.asLong());
                }
            }
        }
        return java.util.Optional.empty();
    }

    private static LongPromptPolicy parsePolicy(String value, ModelDirectory dir) {
        try {
            return LongPromptPolicy.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("Manifest " + dir.path().resolve(ModelManifest.FILE_NAME)
                    + " has long_prompts '" + value + "'; expected truncate or chunked", e);
        }
    }

    private static String requireText(String text, int index, int count) {
        if (text == null) {
            throw new InvalidInputException("Text at index " + index + " of " + count + " is null");
        }
        return text;
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("Encoder '" + info.name() + "' is closed");
        }
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            tokenizer.close();
        } finally {
            session.close();
        }
    }

    @Override
    public String toString() {
        return "ClipTextEncoder[" + info.name() + ", " + info.dimension() + "-d, " + session.device() + "]";
    }

    /** Configures a {@link ClipTextEncoder}; {@link #build()} loads the model. */
    public static final class Builder {
        private final Path modelDir;
        private OnnxOptions options = OnnxOptions.defaults();
        private String name;
        private LongPromptPolicy longPrompts;
        private Long padTokenId;

        private Builder(Path modelDir) {
            this.modelDir = modelDir;
        }

        public Builder options(OnnxOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Default: the manifest's {@code long_prompts}, else {@link LongPromptPolicy#TRUNCATE}. */
        public Builder longPrompts(LongPromptPolicy policy) {
            this.longPrompts = policy;
            return this;
        }

        /**
         * Overrides the padding id. Default: the manifest's {@code pad_token_id}, else the tokenizer's padding, else
         * {@code <|endoftext|>} (OpenAI CLIP / SD 1.x; OpenCLIP ViT-H and bigG pad with 0).
         */
        public Builder padTokenId(long id) {
            this.padTokenId = id;
            return this;
        }

        public ClipTextEncoder build() {
            return new ClipTextEncoder(this, ModelDirectory.open(modelDir));
        }
    }
}
