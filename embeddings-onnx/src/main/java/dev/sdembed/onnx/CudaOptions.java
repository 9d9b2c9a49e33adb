package dev.sdembed.onnx;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * ONNX Runtime CUDA execution provider settings that matter for throughput. Immutable; every setting left unset
 * keeps ONNX Runtime's own default. Used only when an encoder's device is {@code cuda:N} or {@code tensorrt:N}
 * (the CUDA provider then takes the nodes TensorRT leaves).
 *
 * <p>{@link #providerOptions(int)} is the one translation into the provider's documented option keys; it is unit
 * tested, but no GPU is available where sdembed is developed, so the CUDA session itself is <b>untested</b>.
 */
public final class CudaOptions {

    /** cuDNN convolution algorithm search ({@code cudnn_conv_algo_search}). ONNX Runtime's default: EXHAUSTIVE. */
    public enum ConvAlgoSearch {
        /** Benchmark every algorithm once per input shape: fastest steady state; pair it with fixed buckets. */
        EXHAUSTIVE,
        /** cuDNN's heuristics, no benchmarking: cheap for shapes that keep changing. */
        HEURISTIC,
        /** The default algorithm, no search. */
        DEFAULT
    }

    /** How the CUDA memory arena grows ({@code arena_extend_strategy}). ONNX Runtime's default: NEXT_POWER_OF_TWO. */
    public enum ArenaExtendStrategy {
        NEXT_POWER_OF_TWO("kNextPowerOfTwo"),
        SAME_AS_REQUESTED("kSameAsRequested");

        private final String optionValue;

        ArenaExtendStrategy(String optionValue) {
            this.optionValue = optionValue;
        }

        /** The value ONNX Runtime expects ({@code kNextPowerOfTwo}, {@code kSameAsRequested}). */
        public String optionValue() {
            return optionValue;
        }

        /** Parses {@code kNextPowerOfTwo} / {@code kSameAsRequested} (or the enum names), any case. */
        public static ArenaExtendStrategy parse(String text) {
            for (ArenaExtendStrategy s : values()) {
                if (s.optionValue.equalsIgnoreCase(text) || s.name().equalsIgnoreCase(text)) {
                    return s;
                }
            }
            throw new InvalidInputException("arenaExtendStrategy is '" + text
                    + "'; expected kNextPowerOfTwo or kSameAsRequested");
        }
    }

    private static final CudaOptions DEFAULTS = builder().build();

    private final ConvAlgoSearch convAlgoSearch;
    private final ArenaExtendStrategy arenaExtendStrategy;
    private final Long memoryLimitBytes;
    private final Boolean copyInDefaultStream;

    private CudaOptions(Builder b) {
        this.convAlgoSearch = b.convAlgoSearch;
        this.arenaExtendStrategy = b.arenaExtendStrategy;
        this.memoryLimitBytes = b.memoryLimitBytes;
        this.copyInDefaultStream = b.copyInDefaultStream;
    }

    /** Nothing set: ONNX Runtime's defaults throughout. */
    public static CudaOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The search mode, or null for ONNX Runtime's default. */
    public ConvAlgoSearch convAlgoSearch() {
        return convAlgoSearch;
    }

    /** The arena strategy, or null for ONNX Runtime's default. */
    public ArenaExtendStrategy arenaExtendStrategy() {
        return arenaExtendStrategy;
    }

    /** The arena's limit in bytes, or null for no limit (ONNX Runtime's default). */
    public Long memoryLimitBytes() {
        return memoryLimitBytes;
    }

    /** Whether copies share the compute stream, or null for ONNX Runtime's default (true). */
    public Boolean copyInDefaultStream() {
        return copyInDefaultStream;
    }

    /**
     * The CUDA provider's options for GPU {@code deviceId}, keyed as ONNX Runtime documents them
     * ({@code device_id}, {@code cudnn_conv_algo_search}, {@code arena_extend_strategy}, {@code gpu_mem_limit},
     * {@code do_copy_in_default_stream}); unset settings are absent so the runtime's defaults apply.
     */
    public Map<String, String> providerOptions(int deviceId) {
        Checks.atLeast("CUDA device id", deviceId, 0);
        Map<String, String> options = new LinkedHashMap<>();
        options.put("device_id", Integer.toString(deviceId));
        if (convAlgoSearch != null) {
            options.put("cudnn_conv_algo_search", convAlgoSearch.name());
        }
        if (arenaExtendStrategy != null) {
            options.put("arena_extend_strategy", arenaExtendStrategy.optionValue());
        }
        if (memoryLimitBytes != null) {
            options.put("gpu_mem_limit", Long.toString(memoryLimitBytes));
        }
        if (copyInDefaultStream != null) {
            options.put("do_copy_in_default_stream", copyInDefaultStream ? "1" : "0");
        }
        return Map.copyOf(options);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CudaOptions c && convAlgoSearch == c.convAlgoSearch
                && arenaExtendStrategy == c.arenaExtendStrategy && Objects.equals(memoryLimitBytes, c.memoryLimitBytes)
                && Objects.equals(copyInDefaultStream, c.copyInDefaultStream);
    }

    @Override
    public int hashCode() {
        return Objects.hash(convAlgoSearch, arenaExtendStrategy, memoryLimitBytes, copyInDefaultStream);
    }

    @Override
    public String toString() {
        return "CudaOptions{convAlgoSearch=" + convAlgoSearch + ", arenaExtendStrategy=" + arenaExtendStrategy
                + ", memoryLimitBytes=" + memoryLimitBytes + ", copyInDefaultStream=" + copyInDefaultStream + '}';
    }

    public static final class Builder {
        private ConvAlgoSearch convAlgoSearch;
        private ArenaExtendStrategy arenaExtendStrategy;
        private Long memoryLimitBytes;
        private Boolean copyInDefaultStream;

        private Builder() {
        }

        private Builder(CudaOptions o) {
            convAlgoSearch = o.convAlgoSearch;
            arenaExtendStrategy = o.arenaExtendStrategy;
            memoryLimitBytes = o.memoryLimitBytes;
            copyInDefaultStream = o.copyInDefaultStream;
        }

        /** Default: unset (ONNX Runtime: EXHAUSTIVE). */
        public Builder convAlgoSearch(ConvAlgoSearch search) {
            this.convAlgoSearch = Objects.requireNonNull(search, "convAlgoSearch");
            return this;
        }

        /** Parses {@code EXHAUSTIVE}, {@code HEURISTIC}, {@code DEFAULT} (any case). */
        public Builder convAlgoSearch(String search) {
            try {
                return convAlgoSearch(ConvAlgoSearch.valueOf(search.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new InvalidInputException("convAlgoSearch is '" + search
                        + "'; expected EXHAUSTIVE, HEURISTIC or DEFAULT", e);
            }
        }

        /** Default: unset (ONNX Runtime: kNextPowerOfTwo). */
        public Builder arenaExtendStrategy(ArenaExtendStrategy strategy) {
            this.arenaExtendStrategy = Objects.requireNonNull(strategy, "arenaExtendStrategy");
            return this;
        }

        /** The most bytes the CUDA arena may hold. Default: unset (no limit). */
        public Builder memoryLimitBytes(long bytes) {
            this.memoryLimitBytes = Checks.positive("memoryLimitBytes", bytes);
            return this;
        }

        /** {@link #memoryLimitBytes(long)} in MiB, as the configuration file gives it. */
        public Builder memoryLimitMb(long mebibytes) {
            return memoryLimitBytes(Checks.inRange("memLimitMb", mebibytes, 1, Long.MAX_VALUE >> 20) << 20);
        }

        /**
         * Copy inputs and outputs on the compute stream (true, ONNX Runtime's default) or a separate one (false:
         * can overlap copies with compute, but ONNX Runtime warns of data races for some models).
         */
        public Builder copyInDefaultStream(boolean same) {
            this.copyInDefaultStream = same;
            return this;
        }

        public CudaOptions build() {
            return new CudaOptions(this);
        }
    }
}
