package dev.sdembed.encoder;

import dev.sdembed.InvalidInputException;
import java.util.Locale;

/**
 * Where an encoder runs: {@code cpu}, {@code cuda:N} or {@code tensorrt:N}.
 *
 * @param kind  the execution provider family
 * @param index the GPU ordinal; 0 for the CPU
 */
public record Device(Kind kind, int index) {

    public enum Kind { CPU, CUDA, TENSORRT }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (kind == null) {
            throw new InvalidInputException("Device kind is null");
        }
        if (index < 0) {
            throw new InvalidInputException("Device index " + index + " is negative");
        }
        if (kind == Kind.CPU && index != 0) {
            throw new InvalidInputException("Device 'cpu' takes no index (got " + index + ")");
        }
    }

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** Parses {@code cpu}, {@code cuda}, {@code cuda:1}, {@code tensorrt:0} (case-insensitive). */
    public static Device parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("Device is empty; expected cpu, cuda:N or tensorrt:N");
        }
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return CPU;
        }
        int colon = s.indexOf(':');
        String name = colon < 0 ? s : s.substring(0, colon);
        Kind kind = switch (name) {
            case "cuda", "gpu" -> Kind.CUDA;
            case "tensorrt", "trt" -> Kind.TENSORRT;
            default -> throw new InvalidInputException("Unknown device '" + text
                    + "'; expected cpu, cuda:N or tensorrt:N");
        };
        int index = 0;
        if (colon >= 0) {
            try {
                index = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new InvalidInputException("Device '" + text + "' has no valid GPU index after ':'", e);
            }
        }
        return new Device(kind, index);
    }

    public boolean isGpu() {
        return kind != Kind.CPU;
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : kind.name().toLowerCase(Locale.ROOT) + ":" + index;
    }
}
