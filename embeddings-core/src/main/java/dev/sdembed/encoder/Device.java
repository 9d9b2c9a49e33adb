package dev.sdembed.encoder;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import java.util.Locale;

/**
 * Where an encoder runs: {@code cpu:N}, {@code cuda:N} or {@code tensorrt:N}. Encoders on the same device share
 * its compute, so the bulk pipeline runs them one at a time; encoders on different devices run concurrently.
 *
 * <p>A GPU device is one physical GPU. A CPU device is a logical partition of the machine's cores
 * ("thread-partitioned sessions"): {@code cpu:0}, {@code cpu:1}, ... each get their own share of the cores (see
 * {@link #cpuShare(int, int)}), so two encoders on {@code cpu:0} and {@code cpu:1} run side by side without
 * fighting over threads. {@code cpu} is {@code cpu:0}: a configuration with one CPU device gives it every core,
 * exactly as before partitions existed.
 *
 * @param kind  the execution provider family
 * @param index the GPU ordinal, or the CPU partition
 */
public record Device(Kind kind, int index) {

    public enum Kind { CPU, CUDA, TENSORRT }

    /** {@code cpu}, the same as {@code cpu:0}. */
    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (kind == null) {
            throw new InvalidInputException("Device kind is null");
        }
        Checks.atLeast("Device index", index, 0);
    }

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** CPU partition {@code index}; {@code cpu(0)} is {@link #CPU}. */
    public static Device cpu(int index) {
        return new Device(Kind.CPU, index);
    }

    /** Parses {@code cpu}, {@code cpu:1}, {@code cuda}, {@code cuda:1}, {@code tensorrt:0} (case-insensitive). */
    public static Device parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("Device is empty; expected cpu, cpu:N, cuda:N or tensorrt:N");
        }
        String s = text.trim().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String name = colon < 0 ? s : s.substring(0, colon);
        Kind kind = switch (name) {
            case "cpu" -> Kind.CPU;
            case "cuda", "gpu" -> Kind.CUDA;
            case "tensorrt", "trt" -> Kind.TENSORRT;
            default -> throw new InvalidInputException("Unknown device '" + text
                    + "'; expected cpu, cpu:N, cuda:N or tensorrt:N");
        };
        int index = 0;
        if (colon >= 0) {
            try {
                index = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new InvalidInputException("Device '" + text + "' has no valid index after ':'", e);
            }
        }
        return new Device(kind, index);
    }

    public boolean isGpu() {
        return kind != Kind.CPU;
    }

    /**
     * The cores this CPU partition gets when {@code cores} are split between {@code partitions} CPU devices: an even
     * split, the first {@code cores % partitions} partitions taking one more, and at least one each (more partitions
     * than cores oversubscribe rather than starve).
     *
     * @throws InvalidInputException if this is not a CPU device or its index is not below {@code partitions}
     */
    public int cpuShare(int cores, int partitions) {
        if (kind != Kind.CPU) {
            throw new InvalidInputException("Device " + this + " is not a CPU partition");
        }
        Checks.positive("cores", cores);
        Checks.positive("partitions", partitions);
        if (index >= partitions) {
            throw new InvalidInputException("Device " + this + " is outside the " + partitions
                    + " CPU partition(s) cpu:0 to cpu:" + (partitions - 1));
        }
        return Math.max(1, cores / partitions + (index < cores % partitions ? 1 : 0));
    }

    @Override
    public String toString() {
        if (kind == Kind.CPU) {
            return index == 0 ? "cpu" : "cpu:" + index;
        }
        return kind.name().toLowerCase(Locale.ROOT) + ":" + index;
    }
}
