package dev.sdembed.onnx;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How an ONNX encoder runs: device, fallback policy, threads and batching. Immutable; derive variants with
 * {@link #toBuilder()}.
 */
public final class OnnxOptions {

    /** ONNX Runtime graph optimisation levels, as in {@code OrtSession.SessionOptions.OptLevel}. */
    public enum GraphOptimization { NONE, BASIC, EXTENDED, ALL }

    /**
     * Which weights of a model directory to load: {@code model.onnx} ({@code FP32}), its fp16 variant
     * {@code model_fp16.onnx} ({@code FP16}), or, for BGE on the CPU only, {@code model.onnx} statically quantised to
     * int8 at load ({@code INT8}: the attention-fused graph's QKV, output and feed-forward projections as int8 matrix
     * products, but in the first and last layers, with activation scales fixed by calibration prompts, so an
     * embedding does not depend on its batch; made once, ~3 s for bge-small, and kept in the model cache). Measured on
     * bge-small, 2 cores with AVX-512 VNNI: 1.6 x the speed, embeddings at cosine 0.999 to fp32's, 95 % of each SD
     * prompt's 10 nearest prompts the same. Its embeddings are not fp32's: the slot's fingerprint says so, so a store
     * never mixes them (after a switch, the other precision's embeddings are stale until an index run embeds them
     * again).
     */
    public enum Precision { FP32, FP16, INT8 }

    /**
     * The largest {@link Builder#maxBatchSize(int)} and batch bucket: 4,096 inputs. GPUs fill at 64 to 512 (an 80 GB
     * card runs CLIP ViT-H at a few hundred images); a batch beyond 4,096 only holds more activations, and at the
     * CPU's sweet spot of 8 such a value is a typo.
     */
    public static final int MAX_BATCH_SIZE = 4096;
    /**
     * The largest {@link Builder#tokenBudget(int)}: 2,097,152 tokens, a full {@link #MAX_BATCH_SIZE} batch of
     * 512-token (BERT-length) texts.
     */
    public static final int MAX_TOKEN_BUDGET = MAX_BATCH_SIZE * 512;
    /**
     * The longest sequence bucket: 65,536 tokens, well past any text encoder's context (CLIP 77, BGE 512, the
     * longest-context embedding models 8,192 to 32,768).
     */
    public static final int MAX_SEQUENCE_LENGTH = 65_536;

    private static final OnnxOptions DEFAULTS = builder().build();

    private final Device device;
    private final DeviceFallback fallback;
    /** Null: the device's share of the cores, see {@link #intraOpThreads()}. */
    private final Integer intraOpThreads;
    private final Integer cpuPartitions;
    private final int interOpThreads;
    private final GraphOptimization graphOptimization;
    private final int tokenBudget;
    /** Null: the device's default, see {@link #maxBatchSize()}. */
    private final Integer maxBatchSize;
    private final CudaOptions cuda;
    private final Precision precision;
    private final List<Integer> batchBuckets;
    private final List<Integer> sequenceBuckets;
    private final boolean attentionFusion;
    private final Path modelCache;
    private final boolean mappedWeights;
    private final boolean intraOpSpinning;

    private OnnxOptions(Builder b) {
        this.device = b.device;
        this.fallback = b.fallback;
        this.intraOpThreads = b.intraOpThreads;
        this.cpuPartitions = b.cpuPartitions;
        this.interOpThreads = b.interOpThreads;
        this.graphOptimization = b.graphOptimization;
        this.tokenBudget = b.tokenBudget;
        this.maxBatchSize = b.maxBatchSize;
        this.cuda = b.cuda;
        this.precision = b.precision;
        this.batchBuckets = b.batchBuckets;
        this.sequenceBuckets = b.sequenceBuckets;
        this.attentionFusion = b.attentionFusion;
        this.modelCache = b.modelCache;
        this.mappedWeights = b.mappedWeights;
        this.intraOpSpinning = b.intraOpSpinning;
    }

    /** CPU, fail on unavailable devices, intra-op threads = available cores, inter-op 1. */
    public static OnnxOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public Device device() {
        return device;
    }

    public DeviceFallback fallback() {
        return fallback;
    }

    /**
     * Threads one inference may use: as set, else on a CPU device its share of the available cores
     * ({@link Device#cpuShare(int, int)} over {@link #cpuPartitions()}), else (GPU) the available cores.
     */
    public int intraOpThreads() {
        if (intraOpThreads != null) {
            return intraOpThreads;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        return device.isGpu() ? cores : device.cpuShare(cores, cpuPartitions());
    }

    /** How many CPU devices the cores are split between: as set, else the CPU device's index + 1. */
    public int cpuPartitions() {
        return cpuPartitions != null ? cpuPartitions : device.isGpu() ? 1 : device.index() + 1;
    }

    /** The CUDA provider's settings (used on {@code cuda:N} and {@code tensorrt:N} only). */
    public CudaOptions cuda() {
        return cuda;
    }

    public Precision precision() {
        return precision;
    }

    /** Batch sizes every inference batch is padded up to (padding rows discarded); empty for none. */
    public List<Integer> batchBuckets() {
        return batchBuckets;
    }

    /** Text lengths every batch is padded up to; empty for none (each batch pads to its longest text). */
    public List<Integer> sequenceBuckets() {
        return sequenceBuckets;
    }

    public int interOpThreads() {
        return interOpThreads;
    }

    /** Whether BERT-family encoders run their graph with fused attention; see {@link Builder#attentionFusion}. */
    public boolean attentionFusion() {
        return attentionFusion;
    }

    /** The folder for what loads derive from model files, kept between processes; null: none. */
    public Path modelCache() {
        return modelCache;
    }

    /** Whether CPU sessions map their weights from a kept ONNX Runtime format copy: {@link Builder#mappedWeights}. */
    public boolean mappedWeights() {
        return mappedWeights;
    }

    /** Whether idle intra-op threads busy-wait for work; see {@link Builder#intraOpSpinning}. */
    public boolean intraOpSpinning() {
        return intraOpSpinning;
    }

    public GraphOptimization graphOptimization() {
        return graphOptimization;
    }

    public int tokenBudget() {
        return tokenBudget;
    }

    /**
     * The most inputs in one inference call: as set, else 8 on the CPU and 64 on a GPU. On the CPU, batches past ~8
     * texts run slower per text (bge-small on 2 cores: 120 texts/s at 8, 94 at 64; activations outgrow the caches),
     * while GPUs need large batches to fill.
     */
    public int maxBatchSize() {
        return maxBatchSize != null ? maxBatchSize : device.isGpu() ? 64 : 8;
    }

    @Override
    public String toString() {
        return "OnnxOptions{device=" + device + ", fallback=" + fallback + ", intraOpThreads=" + intraOpThreads()
                + ", interOpThreads=" + interOpThreads + ", graphOptimization=" + graphOptimization
                + ", tokenBudget=" + tokenBudget + ", maxBatchSize=" + maxBatchSize() + ", precision=" + precision
                + ", batchBuckets=" + batchBuckets + ", sequenceBuckets=" + sequenceBuckets
                + ", attentionFusion=" + attentionFusion + ", modelCache=" + modelCache
                + ", mappedWeights=" + mappedWeights + ", intraOpSpinning=" + intraOpSpinning
                + (device.isGpu() ? ", cuda=" + cuda : "") + '}';
    }

    public static final class Builder {
        private Device device = Device.CPU;
        private DeviceFallback fallback = DeviceFallback.FAIL;
        private Integer intraOpThreads;
        private Integer cpuPartitions;
        private int interOpThreads = 1;
        private GraphOptimization graphOptimization = GraphOptimization.ALL;
        private int tokenBudget = 16_384;
        private Integer maxBatchSize;
        private CudaOptions cuda = CudaOptions.defaults();
        private Precision precision = Precision.FP32;
        private List<Integer> batchBuckets = List.of();
        private List<Integer> sequenceBuckets = List.of();
        private boolean attentionFusion = true;
        private Path modelCache;
        private boolean mappedWeights;
        private boolean intraOpSpinning;

        private Builder() {
        }

        private Builder(OnnxOptions o) {
            device = o.device;
            fallback = o.fallback;
            intraOpThreads = o.intraOpThreads;
            cpuPartitions = o.cpuPartitions;
            interOpThreads = o.interOpThreads;
            graphOptimization = o.graphOptimization;
            tokenBudget = o.tokenBudget;
            maxBatchSize = o.maxBatchSize;
            cuda = o.cuda;
            precision = o.precision;
            batchBuckets = o.batchBuckets;
            sequenceBuckets = o.sequenceBuckets;
            attentionFusion = o.attentionFusion;
            modelCache = o.modelCache;
            mappedWeights = o.mappedWeights;
            intraOpSpinning = o.intraOpSpinning;
        }

        /** The device the session runs on. Default {@code cpu}. */
        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /** Parses {@code cpu}, {@code cpu:N}, {@code cuda:N}, {@code tensorrt:N}. */
        public Builder device(String device) {
            return device(Device.parse(device));
        }

        /** What happens when the GPU device cannot be used. Default {@link DeviceFallback#FAIL}. */
        public Builder fallback(DeviceFallback fallback) {
            this.fallback = Objects.requireNonNull(fallback, "fallback");
            return this;
        }

        /**
         * Threads one inference may use, 1 to {@link Checks#MAX_THREADS}. Default: on {@code cpu:N}, partition N's
         * share of the available cores (all of them when there is one partition); on a GPU, the available cores.
         */
        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = Checks.inRange("intraOpThreads", threads, 1, Checks.MAX_THREADS);
            return this;
        }

        /**
         * How many CPU devices ({@code cpu:0} .. {@code cpu:P-1}) the available cores are split between, for the
         * default {@link #intraOpThreads(int)}. Default: the device's index + 1, so {@code cpu} alone gets every
         * core; set it to the number of CPU devices in use so that {@code cpu:0} gets only its share too. At most
         * {@link Checks#MAX_THREADS}: a partition runs at least one thread.
         */
        public Builder cpuPartitions(int partitions) {
            this.cpuPartitions = Checks.inRange("cpuPartitions", partitions, 1, Checks.MAX_THREADS);
            return this;
        }

        /**
         * Threads for parallel graph branches, 1 to {@link Checks#MAX_THREADS}. Default 1 (encoder graphs are
         * sequential).
         */
        public Builder interOpThreads(int threads) {
            this.interOpThreads = Checks.inRange("interOpThreads", threads, 1, Checks.MAX_THREADS);
            return this;
        }

        /**
         * Whether a BERT-family encoder (BGE) rewrites its graph at load so each layer's self-attention runs as one
         * ONNX Runtime {@code Attention} kernel and each residual + LayerNorm as {@code SkipLayerNormalization}
         * (ONNX Runtime's optimiser does not fuse these exports itself); with CLS pooling, the last layer then also
         * runs its feed-forward part for the pooled token alone. Same outputs to float rounding, faster on the CPU.
         * A graph that does not match loads unchanged. Default true.
         */
        public Builder attentionFusion(boolean enabled) {
            this.attentionFusion = enabled;
            return this;
        }

        /**
         * A folder for what loads derive from model files, kept between processes (null: none, the default):
         * <ul>
         *   <li>{@code fused/}: fused graphs. A load reads the fused graph of its model file from there when it is
         *       there, even with {@link #attentionFusion} off (reading it costs no more than reading the model), and
         *       with the fusion on writes the one it makes: a command that indexes then starts without the rewrite
         *       (~3 s for bge-small in a new JVM), and a query embeds with the graph the index embedded with. A file
         *       per model file, as large as the model.</li>
         *   <li>{@code fingerprints/}: the SHA-256 of the weights ({@code EncoderInfo.fingerprint}), for the model
         *       files' identity (path, size, modification and change times, inode), so a load does not read every
         *       byte of the weights again (133 MB for bge-small, GBs for the large towers).</li>
         *   <li>{@code ort/}: ONNX Runtime format copies of models, for {@link #mappedWeights}.</li>
         * </ul>
         */
        public Builder modelCache(Path folder) {
            this.modelCache = folder;
            return this;
        }

        /**
         * Whether a CPU session starts from an ONNX Runtime format copy of its model (the graph already optimised,
         * made once into {@link #modelCache}{@code /ort/} by the first load that asks for it), memory-mapped, its
         * weights used where they lie instead of copied and pre-packed: for a process that runs a few inferences and
         * exits. Measured on 2 cores, bge-small: the session in ~10 ms instead of ~160 ms, the first inference alike,
         * each later one slower (one 16-token text 3.5 → 6 ms, a batch of 64 ~10 %), so a long-lived process should
         * leave it off. Outputs are the same to float rounding (~1e-8: sums in another order). The load that makes
         * the copy takes ~1.5 s longer. Without a model cache, on a GPU, or for a
         * model of 2 GB or more (the format's and a mapping's limit), the session loads as usual. Default false.
         */
        public Builder mappedWeights(boolean enabled) {
            this.mappedWeights = enabled;
            return this;
        }

        /**
         * Whether ONNX Runtime's idle intra-op threads spin waiting for the next operator instead of sleeping.
         * Default false: an encoder here always shares the cores with other work (image decoding and resizing, other
         * encoders, the database), which spinning threads starve. Measured on 2 cores: the tiny CLIP vision encoder
         * over PNG files 476 → 653 images/s and the whole pipeline 249 → 318 images/s with spinning off, bge-small
         * alone unchanged within noise. Turn it on for one encoder with the machine to itself.
         */
        public Builder intraOpSpinning(boolean enabled) {
            this.intraOpSpinning = enabled;
            return this;
        }

        /** Default {@link GraphOptimization#ALL}. */
        public Builder graphOptimization(GraphOptimization level) {
            this.graphOptimization = Objects.requireNonNull(level, "graphOptimization");
            return this;
        }

        /**
         * The most tokens (batch size × padded length) one text batch may hold; bounds memory and padding waste.
         * Default 16,384; at most {@link #MAX_TOKEN_BUDGET}. A single text longer than the budget still runs, alone.
         */
        public Builder tokenBudget(int tokens) {
            this.tokenBudget = Checks.inRange("tokenBudget", tokens, 1, MAX_TOKEN_BUDGET);
            return this;
        }

        /** The most inputs in one inference call, 1 to {@link #MAX_BATCH_SIZE}. Default: 8 on the CPU, 64 on a GPU. */
        public Builder maxBatchSize(int size) {
            this.maxBatchSize = Checks.inRange("maxBatchSize", size, 1, MAX_BATCH_SIZE);
            return this;
        }

        /** The CUDA provider's settings. Default {@link CudaOptions#defaults()} (ONNX Runtime's own defaults). */
        public Builder cuda(CudaOptions cuda) {
            this.cuda = Objects.requireNonNull(cuda, "cuda");
            return this;
        }

        /**
         * FP16 loads {@code model_fp16.onnx} from the model directory (fp16 weights, float32 inputs and outputs)
         * instead of {@code model.onnx}. Default FP32. An fp16 export in a folder of its own is just another model
         * directory: point the encoder at it and keep FP32 here.
         */
        public Builder precision(Precision precision) {
            this.precision = Objects.requireNonNull(precision, "precision");
            return this;
        }

        /**
         * Batch sizes every inference batch is padded up to (with copies of a real row, whose outputs are
         * discarded), and whose largest caps the batch size. With sequence buckets this bounds the shapes a session
         * ever sees, so shape-specialised work (cuDNN's algorithm search, TensorRT engines) runs once per bucket,
         * not per batch (the CLIP encoders' other axes are fixed already: 77 tokens, the image size). Strictly
         * ascending, each 1 to {@link #MAX_BATCH_SIZE}. Default: none.
         */
        public Builder batchBuckets(List<Integer> sizes) {
            this.batchBuckets = buckets("batchBuckets", sizes, MAX_BATCH_SIZE);
            return this;
        }

        /**
         * Token lengths each text batch is padded up to (the model's maximum length always acts as the last bucket,
         * larger buckets are ignored). Strictly ascending, each 1 to {@link #MAX_SEQUENCE_LENGTH}. Default: none,
         * each batch pads to its longest text.
         */
        public Builder sequenceBuckets(List<Integer> lengths) {
            this.sequenceBuckets = buckets("sequenceBuckets", lengths, MAX_SEQUENCE_LENGTH);
            return this;
        }

        /**
         * Checks combinations: a CPU device's index must lie within {@link #cpuPartitions(int)} when that is set.
         */
        public OnnxOptions build() {
            if (!device.isGpu() && cpuPartitions != null && device.index() >= cpuPartitions) {
                throw new InvalidInputException("device " + device + " is outside cpuPartitions " + cpuPartitions
                        + " (cpu:0 to cpu:" + (cpuPartitions - 1) + ")");
            }
            return new OnnxOptions(this);
        }

        private static List<Integer> buckets(String name, List<Integer> values, int max) {
            Objects.requireNonNull(values, name);
            for (int i = 0; i < values.size(); i++) {
                Integer v = values.get(i);
                if (v == null || i > 0 && v <= values.get(i - 1)) {
                    throw new InvalidInputException(name + " is " + values + "; expected strictly ascending sizes");
                }
                Checks.inRange(name + "[" + i + "]", v, 1, max);
            }
            return List.copyOf(values);
        }
    }
}
