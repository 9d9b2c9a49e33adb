package dev.sdembed.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the figures were measured on, for the report's header.
 *
 * @param cores       processors available to the JVM
 * @param cpuModel    the first {@code model name} of {@code /proc/cpuinfo}, or the OS architecture elsewhere
 * @param jdk         the running JDK
 * @param onnxRuntime the ONNX Runtime version on the classpath
 */
public record Machine(int cores, String cpuModel, String jdk, String onnxRuntime) {

    /** This machine. */
    public static Machine describe() {
        return new Machine(Runtime.getRuntime().availableProcessors(), cpuModel(Path.of("/proc/cpuinfo")),
                System.getProperty("java.vm.name") + " " + Runtime.version(), onnxRuntimeVersion());
    }

    static String cpuModel(Path cpuinfo) {
        try {
            List<String> lines = Files.readAllLines(cpuinfo);
            for (String line : lines) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: the architecture is all we can say.
        }
        return System.getProperty("os.arch") + " (no /proc/cpuinfo)";
    }

    private static String onnxRuntimeVersion() {
        try {
            return ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
        } catch (Throwable e) {
            // The report must still be written when the native library cannot load here.
            return "unknown (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
    }
}
