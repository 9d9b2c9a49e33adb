package dev.sdembed.onnx.internal;

import dev.sdembed.encoder.Device;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    private final Map<String, Path> ldCache;
    private final Path nvidiaGpusDir;

    /** Where a library was found (null when missing) and the version its file name carries. */
    public record Library(String name, Path path, String version) {
        public boolean found() {
            return path != null;
        }
    }

    GpuLibraryProbe(List<Path> searchPath, Map<String, Path> ldCache, Path nvidiaGpusDir) {
        this.searchPath = List.copyOf(searchPath);
        this.ldCache = Map.copyOf(ldCache);
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
        return locate(library).found();
    }

    /**
     * Where {@code library} is, searching the folders first (what the loader tries first for LD_LIBRARY_PATH) and
     * then the ldconfig cache; the version is read from the file the name links to ({@code libcudnn.so.9.1.0}
     * gives 9.1.0), else from the name itself.
     */
    public Library locate(String library) {
        Path found = null;
        for (Path dir : searchPath) {
            if (Files.exists(dir.resolve(library))) {
                found = dir.resolve(library);
                break;
            }
        }
        if (found == null) {
            found = ldCache.get(library);
        }
        if (found == null) {
            return new Library(library, null, null);
        }
        String fileName = found.getFileName().toString();
        try {
            fileName = found.toRealPath().getFileName().toString();
        } catch (IOException e) {
            // A dangling or unreadable link: the soname's version is all there is.
        }
        int so = fileName.indexOf(".so.");
        return new Library(library, found, so < 0 ? null : fileName.substring(so + 4));
    }

    /** The model names of the GPUs the NVIDIA driver exposes, in its order; empty when none or unknown. */
    public List<String> gpuNames() {
        if (!Files.isDirectory(nvidiaGpusDir)) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(nvidiaGpusDir)) {
            for (Path gpu : s.sorted().toList()) {
                String model = "unknown model";
                Path info = gpu.resolve("information");
                if (Files.isReadable(info)) {
                    for (String line : Files.readAllLines(info, StandardCharsets.UTF_8)) {
                        if (line.startsWith("Model:")) {
                            model = line.substring("Model:".length()).trim();
                        }
                    }
                }
                names.add(model + " (" + gpu.getFileName() + ")");
            }
        } catch (IOException e) {
            return names;
        }
        return names;
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

    private static Map<String, Path> ldconfigCache() {
        Map<String, Path> names = new LinkedHashMap<>();
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
                    int arrow = t.indexOf("=> ");
                    if (t.startsWith("lib") && space > 0 && arrow > 0) {
                        names.putIfAbsent(t.substring(0, space), Path.of(t.substring(arrow + 3).trim()));
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
