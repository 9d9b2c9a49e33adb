package dev.sdembed.onnx;

import dev.sdembed.io.JarEntryCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime's native libraries kept extracted in a folder, for a process to load from there
 * ({@value #PATH_PROPERTY}) instead of having ONNX Runtime copy them out of its jar into a new temporary folder at
 * every start: its core library is 24 MB (CPU build) to 28 MB (GPU build), ~100 ms of a one-shot command on 2 cores;
 * the GPU build's CUDA provider is 620 MB, seconds at every start that uses a GPU.
 *
 * <p>ONNX Runtime loads execution providers from the folder of its core library only, so with the property set every
 * provider a session asks for must be there: {@link #extractCore} puts the core library, its JNI binding and the
 * provider bridge there; {@link #ensureProvider} the CUDA or TensorRT provider, when a session first asks for one
 * ({@link OnnxOptions} with a {@code cuda:N} or {@code tensorrt:N} device). A process that sets the property itself
 * (the command line does, through its runtime's {@code NativeLibraryCache}) must do so before ONNX Runtime loads.
 */
public final class OnnxNativeLibraries {
    /** ONNX Runtime's system property: the folder to load its libraries from. */
    public static final String PATH_PROPERTY = "onnxruntime.native.path";
    /** The file written into a folder after its core libraries: the folder is whole. */
    public static final String COMPLETE = "complete";
    private static final List<String> CORE = List.of("onnxruntime", "onnxruntime4j_jni", "onnxruntime_providers_shared");

    private OnnxNativeLibraries() {
    }

    /**
     * Extracts this platform's core libraries of the ONNX Runtime jar {@code loader} sees into a folder of
     * {@code cacheFolder} named for that jar, where not there yet, and returns the folder; null when there is no jar
     * or it has no libraries for this platform. A folder already complete costs a look at one file.
     */
    public static Path extractCore(Path cacheFolder, ClassLoader loader) throws IOException {
        Path jar = JarEntryCache.jarOf("ai.onnxruntime.OrtEnvironment", loader);
        if (jar == null) {
            return null;
        }
        Path dir = cacheFolder.resolve(JarEntryCache.folderName(jar));
        if (Files.isRegularFile(dir.resolve(COMPLETE))) {
            return dir;
        }
        String folder = folder();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (String library : CORE) {
                JarEntry entry = file.getJarEntry(folder + System.mapLibraryName(library));
                if (entry == null && !library.equals("onnxruntime_providers_shared")) {
                    return null;
                }
                if (entry != null && JarEntryCache.extract(file, entry, dir.resolve(entry.getName()
                        .substring(folder.length())))) {
                    log().debug("Extracted {} from {} to {}", entry.getName(), jar, dir);
                }
            }
        }
        Files.write(dir.resolve(COMPLETE), new byte[0]);
        return dir;
    }

    /**
     * Before a session adds the execution provider {@code library} ({@code onnxruntime_providers_cuda},
     * {@code onnxruntime_providers_tensorrt}): when ONNX Runtime loads from a folder ({@value #PATH_PROPERTY}), puts
     * the provider there from the jar if missing, since ONNX Runtime would otherwise extract it into a temporary
     * folder beside no core library, where it cannot load it. Nothing to do without the property.
     */
    public static void ensureProvider(String library) {
        String folder = System.getProperty(PATH_PROPERTY);
        if (folder == null) {
            return;
        }
        try {
            ensureProvider(Path.of(folder), library, OnnxNativeLibraries.class.getClassLoader());
        } catch (IOException | RuntimeException e) {
            log().warn("Could not put ONNX Runtime's {} into {} ({}); the session may not load it", library, folder,
                    e.toString());
        }
    }

    /** As {@link #ensureProvider(String)} for the folder {@code folder}; returns whether it wrote the file. */
    public static boolean ensureProvider(Path folder, String library, ClassLoader loader) throws IOException {
        String name = System.mapLibraryName(library);
        if (Files.isRegularFile(folder.resolve(name))) {
            return false;
        }
        Path jar = JarEntryCache.jarOf("ai.onnxruntime.OrtEnvironment", loader);
        if (jar == null) {
            return false;
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            JarEntry entry = file.getJarEntry(folder() + name);
            if (entry == null) {
                // Not in this build (the CPU build has no CUDA provider): ONNX Runtime says so when asked for it.
                return false;
            }
            log().info("Extracting ONNX Runtime's {} ({} MB) into {}, once for this version", name,
                    entry.getSize() >> 20, folder);
            return JarEntryCache.extract(file, entry, folder.resolve(name));
        }
    }

    /** The folder of this platform's libraries in ONNX Runtime's jar: {@code ai/onnxruntime/native/linux-x64/}. */
    public static String folder() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osPart = os.startsWith("windows") ? "win" : os.startsWith("mac") ? "osx" : "linux";
        String archPart = arch.equals("amd64") || arch.equals("x86_64") ? "x64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return "ai/onnxruntime/native/" + osPart + "-" + archPart + "/";
    }

    /** Only on the slow paths: a command that finds its files needs no logging set up. */
    private static Logger log() {
        return LoggerFactory.getLogger(OnnxNativeLibraries.class);
    }
}
