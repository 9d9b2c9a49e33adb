package dev.sdembed.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sdembed.EncodingException;
import dev.sdembed.Checks;
import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.internal.EncoderInputs;
import dev.sdembed.onnx.internal.OnnxSession;
import dev.sdembed.onnx.internal.ShapeBuckets;
import dev.sdembed.onnx.internal.OnnxSession.TensorSpec;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code attention_mask}] → {@code text_embeds}, also optimum's Stable Diffusion XL {@code text_encoder_2} with its
 * extra hidden-state outputs) and OpenCLIP (one token input → one embedding output, e.g. Immich's {@code text} →
 * {@code text_embedding} or {@code embedding}). Token ids go in as the graph declares them, int64 or int32; a graph
 * whose batch axis is fixed (Immich's opset 19 exports take one text) gets batches of exactly that size; float16
 * outputs are read as float32. A bare {@code CLIPTextModel} export is refused unless the manifest sets
 * {@code allow_unprojected}: its pooled output is not in the joint space, so text-to-image search with it is
 * meaningless.
 */
public final class ClipTextEncoder implements TextEncoder {
    private static final Logger LOG = LoggerFactory.getLogger(ClipTextEncoder.class);

    public static final String START_OF_TEXT = ClipTokenizer.START_OF_TEXT;
    public static final String END_OF_TEXT = ClipTokenizer.END_OF_TEXT;
    public static final int DEFAULT_CONTEXT_LENGTH = ClipTokenizer.DEFAULT_CONTEXT_LENGTH;

    private final OnnxSession session;
    private final ClipTokenizer tokenizer;
    private final EncoderInfo info;
    private final OnnxOptions options;
    private final LongPromptPolicy longPrompts;
    private final int contextLength;
    private final long endId;
    private final String inputIdsName;
    /** INT64 or INT32: what the graph's token inputs take. */
    private final OnnxJavaType tokenType;
    private final String attentionMaskName;
    private final String outputName;
    private final boolean normalize;
    private final AtomicBoolean warnedTruncation = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ShapeBuckets batchBuckets;
    private final int batchSize;

    private ClipTextEncoder(Builder b, ModelDirectory dir) {
        ModelManifest manifest = dir.manifest();
        this.options = b.options;
        this.normalize = manifest.normalizeOrDefault();
        this.longPrompts = b.longPrompts != null ? b.longPrompts
                : manifest.longPrompts() != null
                ? ClipTokenizer.parsePolicy(manifest.longPrompts(), dir.path().resolve(ModelManifest.FILE_NAME))
                : LongPromptPolicy.TRUNCATE;
        // The tokenizer first: a wrong or missing tokenizer is reported before a multi-gigabyte graph is loaded.
        this.tokenizer = ClipTokenizer.load(dir.path(), manifest, b.padTokenId);
        this.contextLength = tokenizer.contextLength();
        this.endId = tokenizer.endId();
        String name = b.name != null ? b.name : dir.name();
        OnnxSession opened = null;
        try {
            opened = OnnxSession.open(name, dir.modelFile(options.precision()), options);
            this.session = opened;
            this.inputIdsName = chooseTokenInput(dir, manifest);
            TensorSpec ids = session.inputs().get(inputIdsName);
            this.tokenType = ids.type();
            this.attentionMaskName = chooseAttentionMask(manifest);
            requireNoOtherInputs(dir);
            // Every window is contextLength tokens, so the token budget bounds the rows of a batch; a graph that
            // fixes its batch axis takes batches of exactly that size.
            int rowsWithinBudget = Math.max(1, Math.min(options.maxBatchSize(), options.tokenBudget() / contextLength));
            this.batchBuckets = ShapeBuckets.forBatchAxis(ids.shape()[0], options.batchBuckets(), rowsWithinBudget);
            this.batchSize = batchBuckets.largest(rowsWithinBudget);
            TensorSpec output = EmbeddingOutputs.choose(session.outputs(), dir, "text_embeds", "CLIPTextModel",
                    "image");
            this.outputName = output.name();
            int dimension = (int) output.lastDimension();
            if (dimension <= 0) {
                dimension = run(List.of(tokenizer.inputIds(""))).get(0).length;
            }
            EmbeddingOutputs.requireManifestDimension(dir, output, dimension);
            this.info = new EncoderInfo(name, Modality.TEXT, dimension, contextLength, 0,
                    dir.fingerprint(options.precision(), options.modelCache()),
                    manifest.embeddingSpace());
        } catch (RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            tokenizer.close();
            throw e;
        }
        LOG.info("Loaded CLIP text encoder '{}' ({}-d, context {}, pad id {}, long prompts {}) on {}", info.name(),
                info.dimension(), contextLength, tokenizer.padId(), longPrompts, session.device());
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

    /** The device the encoder actually runs on (the CPU after a fallback). */
    @Override
    public Device device() {
        return session.device();
    }

    public long padTokenId() {
        return tokenizer.padId();
    }

    public LongPromptPolicy longPromptPolicy() {
        return longPrompts;
    }

    /** The model input for {@code text} under {@link LongPromptPolicy#TRUNCATE}: {@code contextLength} ids. */
    public long[] inputIds(String text) {
        requireOpen();
        return tokenizer.inputIds(EncoderInputs.requireText(text, 0, 1));
    }

    /**
     * How many tokens the model reads for {@code text} under this encoder's long-prompt policy, start and end tokens
     * included (padding not): what an API reports as a request's token usage.
     */
    public int tokenCount(String text) {
        requireOpen();
        int count = 0;
        for (ClipTokenizer.Window w : tokenizer.windows(EncoderInputs.requireText(text, 0, 1), longPrompts)) {
            count += w.tokens() + 2;
        }
        return count;
    }

    @Override
    public List<Embedding> embedAll(List<String> texts) {
        Objects.requireNonNull(texts, "texts");
        requireOpen();
        List<long[]> windows = new ArrayList<>();
        // For text i: windows [first[i], first[i] + weights[i].length), weighted by their token counts.
        int[] first = new int[texts.size()];
        int[][] weights = new int[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            String text = EncoderInputs.requireText(texts.get(i), i, texts.size());
            long[] textIds = tokenizer.textIds(text);
            if (longPrompts == LongPromptPolicy.TRUNCATE && textIds.length > tokenizer.maxTextTokens()
                    && !warnedTruncation.getAndSet(true)) {
                LOG.warn("Encoder '{}' truncates prompts longer than {} tokens (logged once; LongPromptPolicy.CHUNKED"
                        + " keeps their tails)", info.name(), tokenizer.maxTextTokens());
            }
            List<ClipTokenizer.Window> textWindows = tokenizer.windows(textIds, longPrompts);
            first[i] = windows.size();
            weights[i] = new int[textWindows.size()];
            for (int w = 0; w < weights[i].length; w++) {
                windows.add(textWindows.get(w).ids());
                weights[i][w] = textWindows.get(w).tokens();
            }
        }
        List<float[]> vectors = new ArrayList<>(windows.size());
        for (int from = 0; from < windows.size(); from += batchSize) {
            vectors.addAll(run(windows.subList(from, Math.min(windows.size(), from + batchSize))));
        }
        List<Embedding> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            if (weights[i].length == 1) {
                float[] v = vectors.get(first[i]);
                out.add(new Embedding(normalize ? EncoderInputs.l2Normalize(v) : v));
            } else {
                out.add(new Embedding(weightedMeanOfNormalised(vectors.subList(first[i], first[i] + weights[i].length),
                        weights[i])));
            }
        }
        return List.copyOf(out);
    }

    /** The chunked-prompt heuristic: normalise each window, average weighted by token count, normalise again. */
    static float[] weightedMeanOfNormalised(List<float[]> vectors, int[] weights) {
        float[] sum = new float[vectors.get(0).length];
        for (int c = 0; c < weights.length; c++) {
            float[] v = EncoderInputs.l2Normalize(vectors.get(c));
            for (int d = 0; d < sum.length; d++) {
                sum[d] += weights[c] * v[d];
            }
        }
        return EncoderInputs.l2Normalize(sum);
    }

    /** One inference over {@code windows}, padded to its batch bucket by repeating the first window. */
    private List<float[]> run(List<long[]> windows) {
        int texts = windows.size();
        int rows = batchBuckets.roundUp(texts);
        long[] ids = new long[rows * contextLength];
        long[] mask = new long[rows * contextLength];
        for (int r = 0; r < rows; r++) {
            long[] w = windows.get(r < texts ? r : 0);
            System.arraycopy(w, 0, ids, r * contextLength, contextLength);
            // Attend to everything up to and including the first end token, as Hugging Face's CLIP tokenizer masks
            // padding; position 0 is the start token, never the end.
            for (int t = 0; t < contextLength; t++) {
                mask[r * contextLength + t] = 1;
                if (t > 0 && w[t] == endId) {
                    break;
                }
            }
        }
        long[] shape = {rows, contextLength};
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            feeds.put(inputIdsName, tokenTensor(ids, shape));
            if (attentionMaskName != null) {
                feeds.put(attentionMaskName, tokenTensor(mask, shape));
            }
            try (OrtSession.Result result = session.run(feeds, Set.of(outputName))) {
                return EmbeddingOutputs.rows((OnnxTensor) result.get(outputName).orElseThrow(), rows, session)
                        .subList(0, texts);
            }
        } catch (OrtException e) {
            throw new EncodingException("Cannot create input tensors for encoder '" + session.encoderName()
                    + "' (batch " + rows + " x " + contextLength + "): " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** {@code values} as the graph's token type: int64, or int32 (ids are below 49,408, so nothing is lost). */
    private OnnxTensor tokenTensor(long[] values, long[] shape) throws OrtException {
        if (tokenType == OnnxJavaType.INT64) {
            return OnnxTensor.createTensor(session.environment(), LongBuffer.wrap(values), shape);
        }
        int[] narrowed = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            narrowed[i] = Math.toIntExact(values[i]);
        }
        return OnnxTensor.createTensor(session.environment(), IntBuffer.wrap(narrowed), shape);
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
        if ((spec.type() != OnnxJavaType.INT64 && spec.type() != OnnxJavaType.INT32) || spec.rank() != 2) {
            throw new ModelLoadException("Model " + dir.modelFile() + " input '" + name + "' is " + spec.type()
                    + " " + spec.shapeText() + "; a CLIP text tower takes int64 or int32 token ids [batch, "
                    + contextLength + "]");
        }
        long fixedContext = spec.shape()[1];
        if (fixedContext > 0 && fixedContext != contextLength) {
            throw new ModelLoadException("Model " + dir.modelFile() + " input '" + name + "' takes " + fixedContext
                    + " tokens " + spec.shapeText() + " but the tokenizer frames " + contextLength + ". Set"
                    + " \"max_length\": " + fixedContext + " in " + ModelManifest.FILE_NAME + " if that is right.");
        }
        return name;
    }

    private String chooseAttentionMask(ModelManifest manifest) {
        String name = manifest.inputName("attention_mask");
        TensorSpec mask = session.inputs().get(name);
        if (mask == null || name.equals(inputIdsName)) {
            return null;
        }
        if (mask.type() != tokenType) {
            throw new ModelLoadException("Model input '" + name + "' is " + mask.type() + " but the token ids '"
                    + inputIdsName + "' are " + tokenType + "; a CLIP text tower takes both as the same type");
        }
        return name;
    }

    /** Inputs the encoder would not feed fail at load time, not at the first inference. */
    private void requireNoOtherInputs(ModelDirectory dir) {
        List<String> unknown = session.inputs().keySet().stream()
                .filter(n -> !n.equals(inputIdsName) && !n.equals(attentionMaskName)).toList();
        if (!unknown.isEmpty()) {
            throw new ModelLoadException("Model " + dir.modelFile() + " has inputs " + unknown + " that a CLIP text"
                    + " encoder does not feed (it feeds token ids '" + inputIdsName + "'"
                    + (attentionMaskName == null ? "" : " and attention mask '" + attentionMaskName + "'")
                    + "). Export the text tower with input_ids [and attention_mask] only, or map the roles in "
                    + ModelManifest.FILE_NAME + " 'inputs'.");
        }
    }

    /** The distinct input shapes the session has run (see {@link OnnxSession#inputShapes()}). */
    java.util.Set<String> inputShapes() {
        return session.inputShapes();
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

        /** Device, fallback, threads, batching. Default {@link OnnxOptions#defaults()}. */
        public Builder options(OnnxOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Display name. Default: the manifest's name, else the directory name. */
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
            this.padTokenId = Checks.atLeast("padTokenId", id, 0);
            return this;
        }

        public ClipTextEncoder build() {
            return new ClipTextEncoder(this, ModelDirectory.open(modelDir));
        }
    }
}
