package dev.sdembed.onnx;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sdembed.EncodingException;
import dev.sdembed.Checks;
import dev.sdembed.ModelLoadException;
import dev.sdembed.concurrent.Futures;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.internal.EncoderInputs;
import dev.sdembed.onnx.internal.OnnxSession;
import dev.sdembed.onnx.internal.OnnxSession.TensorSpec;
import dev.sdembed.onnx.internal.ShapeBuckets;
import dev.sdembed.onnx.internal.TokenBudgetBatcher;
import dev.sdembed.onnx.internal.Tokenizers;
import dev.sdembed.onnx.internal.graph.Int8Quantization;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A BERT-style sentence encoder such as BGE (bge-small/base/large-en-v1.5): Hugging Face tokenizer, truncation at
 * the model's maximum length, each batch padded only to its longest member, CLS (or mean) pooling of the last
 * hidden state, L2 normalisation. Batches are cut by {@link OnnxOptions#tokenBudget() token budget} from
 * length-sorted texts; results come back in input order. Thread-safe; close it to free the native session.
 */
public final class BgeTextEncoder implements TextEncoder {
    private static final Logger LOG = LoggerFactory.getLogger(BgeTextEncoder.class);
    /** Runs each part of loading (tokenizer, fingerprint) on a daemon thread of its own, beside the session. */
    private static final Executor LOADER = Futures.threadPerTask("sdembed-encoder-load");

    /** The instruction BGE v1.5 English models expect in front of retrieval queries (never stored texts). */
    public static final String BGE_QUERY_INSTRUCTION = "Represent this sentence for searching relevant passages: ";

    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";

    /** How token vectors become one sentence vector. */
    public enum Pooling { CLS, MEAN }

    private final OnnxSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final EncoderInfo info;
    private final OnnxOptions options;
    private final Pooling pooling;
    private final boolean normalize;
    private final String queryInstruction;
    private final Executor batchExecutor;
    private final String inputIdsName;
    private final String attentionMaskName;
    private final String tokenTypeIdsName;
    private final String outputName;
    private final int outputRank;
    private final ShapeBuckets sequenceBuckets;
    private final ShapeBuckets batchBuckets;
    /** The most texts per inference batch: maxBatchSize, or with batch buckets the largest bucket within it. */
    private final int batchCap;
    private final AtomicBoolean warnedTruncation = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private BgeTextEncoder(Builder b, ModelDirectory dir) {
        ModelManifest manifest = dir.manifest();
        Path tokenizerFile = dir.requireTokenizer();
        int maxLength = b.maxLength != null ? b.maxLength
                : manifest.maxLength() != null ? manifest.maxLength()
                : dir.config().map(c -> c.path("max_position_embeddings").asInt(512)).orElse(512);
        this.options = b.options;
        this.pooling = b.pooling != null ? b.pooling
                : manifest.pooling() != null ? parsePooling(manifest.pooling(), dir) : Pooling.CLS;
        this.normalize = manifest.normalizeOrDefault();
        this.queryInstruction = b.queryInstructionSet ? b.queryInstruction : manifest.queryInstruction();
        this.batchExecutor = b.batchExecutor;
        this.sequenceBuckets = ShapeBuckets.upTo(options.sequenceBuckets(), maxLength);
        this.batchBuckets = ShapeBuckets.forBatches(options.batchBuckets(), options.maxBatchSize());
        this.batchCap = batchBuckets.largest(options.maxBatchSize());
        String name = b.name != null ? b.name : dir.name();
        // Only the first token of a CLS-pooled output is read, so the fused graph may compute nothing else after its
        // last attention.
        String clsPooledOutput = pooling == Pooling.CLS
                ? (manifest.output() != null ? manifest.output() : "last_hidden_state") : null;
        // The tokenizer and the weights' fingerprint (SHA-256 of the model file) are read on threads of their own
        // while ONNX Runtime builds the session, each about 0.2 s for bge-small on 2 cores: a one-shot query waits
        // for the longest of the three instead of their sum.
        int tokenizerLength = maxLength;
        CompletableFuture<HuggingFaceTokenizer> tokenizerLoad = CompletableFuture.supplyAsync(
                () -> Tokenizers.load(tokenizerFile, tokenizerLength), LOADER);
        CompletableFuture<String> fingerprintLoad = CompletableFuture.supplyAsync(
                () -> dir.fingerprint(options.precision(), options.modelCache()), LOADER);
        try {
            // Int8: the calibration prompts as this tokenizer cuts them, asked for only when the int8 graph is made.
            this.session = OnnxSession.open(name, dir.modelFile(options.precision()), options,
                    new OnnxSession.BertModel(true, clsPooledOutput, () -> calibrationIds(Futures.join(tokenizerLoad))));
        } catch (RuntimeException | Error e) {
            tokenizerLoad.thenAccept(HuggingFaceTokenizer::close);
            throw e;
        }
        try {
            this.inputIdsName = requireInput(dir, manifest.inputName(INPUT_IDS));
            this.attentionMaskName = optionalInput(manifest.inputName(ATTENTION_MASK));
            this.tokenTypeIdsName = optionalInput(manifest.inputName(TOKEN_TYPE_IDS));
            TensorSpec output = chooseOutput(dir, manifest.output());
            this.outputName = output.name();
            this.outputRank = output.rank();
            this.tokenizer = Futures.join(tokenizerLoad);
            int dimension = resolveDimension(dir, output);
            this.info = new EncoderInfo(name, Modality.TEXT, dimension, maxLength, 0, Futures.join(fingerprintLoad),
                    manifest.embeddingSpace());
        } catch (RuntimeException | Error e) {
            session.close();
            tokenizerLoad.thenAccept(HuggingFaceTokenizer::close);
            throw e;
        }
        LOG.info("Loaded text encoder '{}' ({}-d, {} pooling, max {} tokens) on {}", info.name(), info.dimension(),
                pooling.name().toLowerCase(Locale.ROOT), maxLength, session.device());
    }

    private static List<long[]> calibrationIds(HuggingFaceTokenizer tokenizer) {
        List<long[]> ids = new ArrayList<>();
        for (String prompt : Int8Quantization.calibrationPrompts()) {
            ids.add(tokenizer.encode(prompt).getIds());
        }
        return ids;
    }

    /** Loads {@code modelDir} with default options (CPU, query instruction from the manifest). */
    public static BgeTextEncoder open(Path modelDir) {
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

    /** Whether the session runs the attention-fused graph (see {@link OnnxOptions.Builder#attentionFusion}). */
    boolean attentionFused() {
        return session.attentionFused();
    }

    /** Whether the fused graph computes the pooled CLS token alone after its last attention. */
    boolean clsPruned() {
        return session.clsPruned();
    }

    /** The ONNX Runtime format copy the weights are mapped from ({@link OnnxOptions#mappedWeights}), or null. */
    Path weightsMappedFrom() {
        return session.weightsMappedFrom();
    }

    /** The distinct input shapes the session has run (see {@link OnnxSession#inputShapes()}). */
    java.util.Set<String> inputShapes() {
        return session.inputShapes();
    }

    /** The instruction prepended to queries, or null. */
    public String queryInstruction() {
        return queryInstruction;
    }

    @Override
    public List<Embedding> embedAll(List<String> texts) {
        return encode(texts, null);
    }

    @Override
    public List<Embedding> embedQueries(List<String> queries) {
        return encode(queries, queryInstruction);
    }

    /** Token ids as fed to the model (special tokens included, truncated), for inspection and tests. */
    public long[] tokenIds(String text) {
        requireOpen();
        return tokenizer.encode(EncoderInputs.requireText(text, 0, 1)).getIds();
    }

    private List<Embedding> encode(List<String> texts, String prefix) {
        Objects.requireNonNull(texts, "texts");
        requireOpen();
        if (texts.isEmpty()) {
            return List.of();
        }
        String[] inputs = new String[texts.size()];
        for (int i = 0; i < inputs.length; i++) {
            String text = EncoderInputs.requireText(texts.get(i), i, inputs.length);
            inputs[i] = prefix == null || prefix.isEmpty() ? text : prefix + text;
        }
        Encoding[] encodings = tokenizer.batchEncode(inputs);
        int[] lengths = new int[encodings.length];
        for (int i = 0; i < encodings.length; i++) {
            // The bucketed length is what a batch will hold, so the token budget is counted on it.
            lengths[i] = sequenceBuckets.roundUp(encodings[i].getIds().length);
            if (encodings[i].exceedMaxLength() && !warnedTruncation.getAndSet(true)) {
                LOG.warn("Encoder '{}' truncates texts longer than {} tokens (logged once)", info.name(),
                        info.maxTokens());
            }
        }
        Embedding[] results = new Embedding[encodings.length];
        List<int[]> batches = TokenBudgetBatcher.batches(lengths, options.tokenBudget(), batchCap);
        if (batchExecutor == null || batches.size() == 1) {
            for (int[] batch : batches) {
                store(results, batch, runBatch(encodings, batch));
            }
        } else {
            List<CompletableFuture<Void>> running = new ArrayList<>(batches.size());
            for (int[] batch : batches) {
                running.add(CompletableFuture.runAsync(() -> store(results, batch, runBatch(encodings, batch)),
                        batchExecutor));
            }
            try {
                CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r
                        : new EncodingException("Batch failed in encoder '" + info.name() + "'", e.getCause());
            }
        }
        return List.of(results);
    }

    private void store(Embedding[] results, int[] batch, float[][] vectors) {
        for (int j = 0; j < batch.length; j++) {
            results[batch[j]] = new Embedding(normalize ? EncoderInputs.l2Normalize(vectors[j]) : vectors[j]);
        }
    }

    /**
     * Runs one batch padded to its longest text (or that length's sequence bucket) and to its batch bucket; the
     * padding rows repeat the batch's first text and their outputs are dropped. Returns one vector per text.
     */
    private float[][] runBatch(Encoding[] encodings, int[] batch) {
        int texts = batch.length;
        int rows = batchBuckets.roundUp(texts);
        int longest = 0;
        for (int index : batch) {
            longest = Math.max(longest, encodings[index].getIds().length);
        }
        int width = sequenceBuckets.roundUp(longest);
        long[] ids = new long[rows * width];
        long[] mask = new long[rows * width];
        long[] types = new long[rows * width];
        for (int r = 0; r < rows; r++) {
            Encoding e = encodings[batch[r < texts ? r : 0]];
            long[] tokenIds = e.getIds();
            long[] typeIds = e.getTypeIds();
            System.arraycopy(tokenIds, 0, ids, r * width, tokenIds.length);
            Arrays.fill(mask, r * width, r * width + tokenIds.length, 1L);
            System.arraycopy(typeIds, 0, types, r * width, typeIds.length);
        }
        long[] shape = {rows, width};
        try (Feeds feeds = feeds(ids, mask, types, shape);
             OrtSession.Result result = session.run(feeds.tensors, Set.of(outputName))) {
            OnnxTensor output = (OnnxTensor) result.get(outputName).orElseThrow();
            // The sequence axis is 1 when the session computes the pooled token only (OnnxSession#clsPruned).
            int outputTokens = outputRank == 3 ? (int) output.getInfo().getShape()[1] : 1;
            float[][] vectors = pool(output.getFloatBuffer(), rows, outputTokens, mask);
            return rows == texts ? vectors : Arrays.copyOf(vectors, texts);
        } catch (OrtException e) {
            throw new EncodingException("Cannot create input tensors for encoder '" + info.name() + "' (batch "
                    + rows + " x " + width + " tokens): " + e.getMessage(), e);
        }
    }

    /** The graph's inputs as tensors: ids always, mask and token types only where the graph declares them. */
    private Feeds feeds(long[] ids, long[] mask, long[] types, long[] shape) throws OrtException {
        Feeds feeds = new Feeds();
        try {
            feeds.add(inputIdsName, ids, shape);
            if (attentionMaskName != null) {
                feeds.add(attentionMaskName, mask, shape);
            }
            if (tokenTypeIdsName != null) {
                feeds.add(tokenTypeIdsName, types, shape);
            }
            return feeds;
        } catch (OrtException | RuntimeException e) {
            feeds.close();
            throw e;
        }
    }

    /** Input tensors that close together (try-with-resources). */
    private final class Feeds implements AutoCloseable {
        final Map<String, OnnxTensor> tensors = new HashMap<>();

        void add(String name, long[] values, long[] shape) throws OrtException {
            tensors.put(name, OnnxTensor.createTensor(session.environment(), LongBuffer.wrap(values), shape));
        }

        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * One vector per row of {@code out}, which holds {@code width} tokens per row: the batch's padded length, or 1
     * when the session computes the CLS token only (mean pooling never runs such a graph, so {@code mask} always
     * matches when it is read).
     */
    private float[][] pool(FloatBuffer out, int rows, int width, long[] mask) {
        int dim = info.dimension();
        float[][] vectors = new float[rows][dim];
        if (outputRank == 2) {
            for (int r = 0; r < rows; r++) {
                out.get(r * dim, vectors[r]);
            }
            return vectors;
        }
        for (int r = 0; r < rows; r++) {
            int rowStart = r * width * dim;
            if (pooling == Pooling.CLS) {
                out.get(rowStart, vectors[r]);
            } else {
                int count = 0;
                for (int t = 0; t < width; t++) {
                    if (mask[r * width + t] == 0) {
                        continue;
                    }
                    count++;
                    for (int d = 0; d < dim; d++) {
                        vectors[r][d] += out.get(rowStart + t * dim + d);
                    }
                }
                for (int d = 0; d < dim; d++) {
                    vectors[r][d] /= Math.max(count, 1);
                }
            }
        }
        return vectors;
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("Encoder '" + info.name() + "' is closed");
        }
    }

    private String requireInput(ModelDirectory dir, String name) {
        TensorSpec spec = session.inputs().get(name);
        if (spec == null) {
            throw new ModelLoadException("Model " + dir.modelFile() + " has no input '" + name + "' (inputs: "
                    + session.inputs().keySet() + "). Set inputs.input_ids in " + ModelManifest.FILE_NAME + ".");
        }
        if (spec.type() != OnnxJavaType.INT64) {
            throw new ModelLoadException("Model " + dir.modelFile() + " input '" + name + "' is " + spec.type()
                    + "; expected INT64 token ids");
        }
        return name;
    }

    private String optionalInput(String name) {
        return session.inputs().containsKey(name) ? name : null;
    }

    private TensorSpec chooseOutput(ModelDirectory dir, String requested) {
        Map<String, TensorSpec> outputs = session.outputs();
        if (requested != null) {
            TensorSpec spec = outputs.get(requested);
            if (spec == null) {
                throw new ModelLoadException("Model " + dir.modelFile() + " has no output '" + requested
                        + "' named by " + ModelManifest.FILE_NAME + " (outputs: " + outputs.keySet() + ")");
            }
            return spec;
        }
        TensorSpec hidden = outputs.get("last_hidden_state");
        if (hidden != null) {
            return hidden;
        }
        List<TensorSpec> candidates = new ArrayList<>();
        for (TensorSpec spec : outputs.values()) {
            if (spec.type() == OnnxJavaType.FLOAT && (spec.rank() == 3 || spec.rank() == 2)) {
                candidates.add(spec);
            }
        }
        if (candidates.isEmpty()) {
            throw new ModelLoadException("Model " + dir.modelFile() + " has no float output of rank 2 or 3 to pool"
                    + " (outputs: " + outputs.keySet() + "). Name one in " + ModelManifest.FILE_NAME + " 'output'.");
        }
        return candidates.get(0);
    }

    private int resolveDimension(ModelDirectory dir, TensorSpec output) {
        long graphDim = output.lastDimension();
        if (graphDim < 0) {
            graphDim = probeOutputDimension();
        }
        EmbeddingOutputs.requireManifestDimension(dir, output, graphDim);
        return (int) graphDim;
    }

    /** Probe run for models whose output dimension is symbolic: returns the size of the last axis. */
    private int probeOutputDimension() {
        long[] ids = tokenizer.encode("dimension probe").getIds();
        long[] shape = {1, ids.length};
        long[] ones = new long[ids.length];
        Arrays.fill(ones, 1L);
        try (Feeds feeds = feeds(ids, ones, new long[ids.length], shape);
             OrtSession.Result result = session.run(feeds.tensors, Set.of(outputName))) {
            long[] outShape = ((OnnxTensor) result.get(outputName).orElseThrow()).getInfo().getShape();
            return (int) outShape[outShape.length - 1];
        } catch (OrtException e) {
            throw new ModelLoadException("Cannot probe the output dimension of encoder '" + session.encoderName()
                    + "': " + e.getMessage(), e);
        }
    }

    private static Pooling parsePooling(String value, ModelDirectory dir) {
        try {
            return Pooling.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("Manifest " + dir.path().resolve(ModelManifest.FILE_NAME)
                    + " has pooling '" + value + "'; expected cls or mean", e);
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
        return "BgeTextEncoder[" + info.name() + ", " + info.dimension() + "-d, " + session.device() + "]";
    }

    /** Configures a {@link BgeTextEncoder}; {@link #build()} loads the model. */
    public static final class Builder {
        private final Path modelDir;
        private OnnxOptions options = OnnxOptions.defaults();
        private String name;
        private Pooling pooling;
        private Integer maxLength;
        private String queryInstruction;
        private boolean queryInstructionSet;
        private Executor batchExecutor;

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

        /** Default: the manifest's pooling, else CLS (what BGE is trained with). */
        public Builder pooling(Pooling pooling) {
            this.pooling = pooling;
            return this;
        }

        /**
         * Longest sequence including special tokens: at least 2 (room for [CLS] and [SEP]), at most
         * {@link OnnxOptions#MAX_SEQUENCE_LENGTH}. Default: manifest, config.json, else 512.
         */
        public Builder maxLength(int maxLength) {
            this.maxLength = Checks.inRange("maxLength", maxLength, 2, OnnxOptions.MAX_SEQUENCE_LENGTH);
            return this;
        }

        /**
         * The prefix for {@link #embedQueries}; null for none. Default: the manifest's {@code query_instruction}
         * (for BGE v1.5 English: {@link #BGE_QUERY_INSTRUCTION}).
         */
        public Builder queryInstruction(String instruction) {
            this.queryInstruction = instruction;
            this.queryInstructionSet = true;
            return this;
        }

        /**
         * Runs the batches of one request concurrently on {@code executor} (the caller owns it). Default: none, the
         * batches run one after another on the calling thread. On a small CPU, one intra-op thread per batch and an
         * executor with one thread per core often beats one batch using all cores (the benchmarks measure both).
         */
        public Builder batchExecutor(Executor executor) {
            this.batchExecutor = executor;
            return this;
        }

        public BgeTextEncoder build() {
            return new BgeTextEncoder(this, ModelDirectory.open(modelDir));
        }
    }
}
