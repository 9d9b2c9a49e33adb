package dev.sdembed.onnx.internal;

import dev.sdembed.encoder.Device;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finds, by file name and without loading anything, the NVIDIA user-space libraries that ONNX Runtime's CUDA and
 * TensorRT providers need. Asking the runtime itself costs an extraction of ~580 MB and then fails with a bare
 * {@code dlopen} error; this answers in milliseconds and names what is missing.
 */
public final class GpuLibraryProbe {

    /** Libraries of the CUDA provider of ONNX Runtime 1.2x: the ELF NEEDED list plus what it dlopens. */
    public static final List<String> CUDA_LIBRARIES = List.of(
            "libcuda.so.1", "libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12", "libcurand.so.10",
            "libcufft.so.11", "libcudnn.so.9");
    public static final List<String> TENSORRT_LIBRARIES = List.of("libnvinfer.so.10", "libnvonnxparser.so.10");
    public static final String REQUIREMENT = "CUDA 12.x and cuDNN 9.x user-space libraries and an NVIDIA driver";

    private final List<Path> searchPath;
    private final Set<String> ldCache;
    private final Path nvidiaGpusDir;

    GpuLibraryProbe(List<Path> searchPath, Set<String> ldCache, Path nvidiaGpusDir) {
        this.searchPath = List.copyOf(searchPath);
        this.ldCache = Set.copyOf(ldCache);
        this.nvidiaGpusDir = nvidiaGpusDir;
    }

    /** A probe of this machine: LD_LIBRARY_PATH, CUDA_PATH, the usual install folders and the ldconfig cache. */
    public static GpuLibraryProbe system() {
        Set<Path> dirs = new LinkedHashSet<>();
        String ldPath = System.getenv("LD_LIBRARY_PATH");
        if (ldPath != null) {
            for (String d : ldPath.split(":")) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        for (String env : List.of("CUDA_PATH", "CUDA_HOME")) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                dirs.add(Path.of(v, "lib64"));
            }
        }
        for (String d : List.of("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
                "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu")) {
            dirs.add(Path.of(d));
        }
        return new GpuLibraryProbe(new ArrayList<>(dirs), ldconfigCache(), Path.of("/proc/driver/nvidia/gpus"));
    }

    /** True where this probe can answer (Linux); elsewhere the runtime itself must be asked. */
    public static boolean supported() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    }

    /** The libraries {@code device} needs that are not found, in the order the runtime would need them. */
    public List<String> missingFor(Device device) {
        List<String> needed = new ArrayList<>(CUDA_LIBRARIES);
        if (device.kind() == Device.Kind.TENSORRT) {
            needed.addAll(TENSORRT_LIBRARIES);
        }
        return needed.stream().filter(lib -> !isPresent(lib)).toList();
    }

    public boolean isPresent(String library) {
        if (ldCache.contains(library)) {
            return true;
        }
        for (Path dir : searchPath) {
            if (Files.exists(dir.resolve(library))) {
                return true;
            }
        }
        return false;
    }

    /** GPUs the NVIDIA driver exposes, or -1 when that cannot be told. */
    public int visibleGpuCount() {
        if (!Files.isDirectory(nvidiaGpusDir)) {
            return Files.exists(Path.of("/dev/nvidia0")) ? -1 : 0;
        }
        try (Stream<Path> s = Files.list(nvidiaGpusDir)) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static Set<String> ldconfigCache() {
        Set<String> names = new LinkedHashSet<>();
        for (String ldconfig : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
            if (!Files.isExecutable(Path.of(ldconfig))) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                for (String line : out.split("\n")) {
                    String t = line.trim();
                    int space = t.indexOf(' ');
                    if (t.startsWith("lib") && space > 0) {
                        names.add(t.substring(0, space));
                    }
                }
                return names;
            } catch (IOException e) {
                return names;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return names;
            }
        }
        return names;
    }
}
