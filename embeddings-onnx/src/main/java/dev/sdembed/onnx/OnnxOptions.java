package dev.sdembed.onnx;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import java.util.Objects;

/**
 * How an ONNX encoder runs: device, fallback policy, threads and batching. Immutable; derive variants with
 * {@link #toBuilder()}.
 */
public final class OnnxOptions {

    /** ONNX Runtime graph optimisation levels, as in {@code OrtSession.SessionOptions.OptLevel}. */
    public enum GraphOptimization { NONE, BASIC, EXTENDED, ALL }

    private static final OnnxOptions DEFAULTS = builder().build();

    private final Device device;
    private final DeviceFallback fallback;
    private final int intraOpThreads;
    private final int interOpThreads;
    private final GraphOptimization graphOptimization;
    private final int tokenBudget;
    /** Null: the device's default, see {@link #maxBatchSize()}. */
    private final Integer maxBatchSize;

    private OnnxOptions(Builder b) {
        this.device = b.device;
        this.fallback = b.fallback;
        this.intraOpThreads = b.intraOpThreads;
        this.interOpThreads = b.interOpThreads;
        this.graphOptimization = b.graphOptimization;
        this.tokenBudget = b.tokenBudget;
        this.maxBatchSize = b.maxBatchSize;
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

    public int intraOpThreads() {
        return intraOpThreads;
    }

    public int interOpThreads() {
        return interOpThreads;
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
        return "OnnxOptions{device=" + device + ", fallback=" + fallback + ", intraOpThreads=" + intraOpThreads
                + ", interOpThreads=" + interOpThreads + ", graphOptimization=" + graphOptimization
                + ", tokenBudget=" + tokenBudget + ", maxBatchSize=" + maxBatchSize() + '}';
    }

    public static final class Builder {
        private Device device = Device.CPU;
        private DeviceFallback fallback = DeviceFallback.FAIL;
        private int intraOpThreads = Runtime.getRuntime().availableProcessors();
        private int interOpThreads = 1;
        private GraphOptimization graphOptimization = GraphOptimization.ALL;
        private int tokenBudget = 16_384;
        private Integer maxBatchSize;

        private Builder() {
        }

        private Builder(OnnxOptions o) {
            device = o.device;
            fallback = o.fallback;
            intraOpThreads = o.intraOpThreads;
            interOpThreads = o.interOpThreads;
            graphOptimization = o.graphOptimization;
            tokenBudget = o.tokenBudget;
            maxBatchSize = o.maxBatchSize;
        }

        /** The device the session runs on. Default {@code cpu}. */
        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /** Parses {@code cpu}, {@code cuda:N}, {@code tensorrt:N}. */
        public Builder device(String device) {
            return device(Device.parse(device));
        }

        /** What happens when the GPU device cannot be used. Default {@link DeviceFallback#FAIL}. */
        public Builder fallback(DeviceFallback fallback) {
            this.fallback = Objects.requireNonNull(fallback, "fallback");
            return this;
        }

        /** Threads one inference may use. Default: the number of available cores. */
        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = requireAtLeast("intraOpThreads", threads, 1);
            return this;
        }

        /** Threads for parallel graph branches. Default 1 (encoder graphs are sequential). */
        public Builder interOpThreads(int threads) {
            this.interOpThreads = requireAtLeast("interOpThreads", threads, 1);
            return this;
        }

        /** Default {@link GraphOptimization#ALL}. */
        public Builder graphOptimization(GraphOptimization level) {
            this.graphOptimization = Objects.requireNonNull(level, "graphOptimization");
            return this;
        }

        /**
         * The most tokens (batch size × padded length) one text batch may hold; bounds memory and padding waste.
         * Default 16,384. A single text longer than the budget still runs, alone.
         */
        public Builder tokenBudget(int tokens) {
            this.tokenBudget = requireAtLeast("tokenBudget", tokens, 1);
            return this;
        }

        /** The most inputs in one inference call. Default: 8 on the CPU, 64 on a GPU. */
        public Builder maxBatchSize(int size) {
            this.maxBatchSize = requireAtLeast("maxBatchSize", size, 1);
            return this;
        }

        public OnnxOptions build() {
            return new OnnxOptions(this);
        }

        private static int requireAtLeast(String name, int value, int min) {
            if (value < min) {
                throw new InvalidInputException(name + " must be at least " + min + " but was " + value);
            }
            return value;
        }
    }
}
