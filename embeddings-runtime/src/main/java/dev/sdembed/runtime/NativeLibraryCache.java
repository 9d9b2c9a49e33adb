package dev.sdembed.runtime;

import dev.sdembed.io.JarEntryCache;
import dev.sdembed.onnx.OnnxNativeLibraries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the native libraries of ONNX Runtime and SQLite extracted in a cache folder, and points the two loaders at it.
 * Both jars copy their library out of the jar into a new temporary folder on every start and load it from there:
 * for a one-shot command on 2 cores that was ~100 ms for ONNX Runtime's 24 MB library and ~50 ms for SQLite's, every
 * time. From the cache, each process maps the same files.
 *
 * <p>For the process that owns its JVM (the command line calls {@link #install} before a command that loads either):
 * it sets the loaders' system properties ({@code onnxruntime.native.path}, {@code org.sqlite.lib.path} and {@code
 * org.sqlite.lib.name}), which only count before the libraries load, and a library embedding sdembed has no business
 * setting. Each set of files lives in a folder named for the jar it came from (name, and a checksum of path, size and
 * modification time), so an upgraded jar gets a new folder; files are written beside their final name and moved into
 * place, so a process never loads a half-written library, and two processes extracting at once both end with whole
 * files. ONNX Runtime's execution providers (the GPU build's CUDA provider: 620 MB) join its folder when a session
 * first asks for one ({@link OnnxNativeLibraries#ensureProvider}). Anything that goes wrong leaves the properties
 * unset: the loaders then extract as they always did.
 */
public final class NativeLibraryCache {
    static final String ORT_PATH = OnnxNativeLibraries.PATH_PROPERTY;
    static final String SQLITE_PATH = "org.sqlite.lib.path";
    static final String SQLITE_NAME = "org.sqlite.lib.name";

    private NativeLibraryCache() {
    }

    /** Only on the slow path: a command such as {@code --version} finds its files and needs no logging set up. */
    private static Logger log() {
        return LoggerFactory.getLogger(NativeLibraryCache.class);
    }

    /** {@code native} in the user's cache folder ({@link DefaultPaths#userCache()}). */
    public static Path defaultFolder() {
        return DefaultPaths.userCache().resolve("native");
    }

    /**
     * Extracts the libraries into {@code cacheFolder} where they are not there yet, and sets the loaders' system
     * properties to them, leaving any a user set alone. Returns the properties set.
     */
    public static Map<String, String> install(Path cacheFolder) {
        Map<String, String> properties = prepare(cacheFolder, NativeLibraryCache.class.getClassLoader());
        Map<String, String> set = new LinkedHashMap<>();
        boolean sqliteByUser = System.getProperty(SQLITE_PATH) != null || System.getProperty(SQLITE_NAME) != null;
        properties.forEach((key, value) -> {
            boolean sqlite = key.startsWith("org.sqlite.");
            if (sqlite ? !sqliteByUser : System.getProperty(key) == null) {
                System.setProperty(key, value);
                set.put(key, value);
            }
        });
        return set;
    }

    /**
     * Per library ({@code onnxruntime}, {@code sqlite}), the folder this process loads it from as the properties
     * say, or null where it extracts its own (for {@code sdembed doctor}).
     */
    public static Map<String, String> loadedFrom() {
        Map<String, String> folders = new LinkedHashMap<>();
        folders.put("onnxruntime", System.getProperty(ORT_PATH));
        folders.put("sqlite", System.getProperty(SQLITE_PATH));
        return folders;
    }

    /**
     * The system properties that would load the libraries {@code loader} sees from {@code cacheFolder}, after
     * extracting them there where missing; none for a library that cannot be cached.
     */
    static Map<String, String> prepare(Path cacheFolder, ClassLoader loader) {
        Map<String, String> properties = new LinkedHashMap<>();
        try {
            Path ort = OnnxNativeLibraries.extractCore(cacheFolder, loader);
            if (ort != null) {
                properties.put(ORT_PATH, ort.toString());
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            log().debug("ONNX Runtime's library is not cached ({}); it extracts itself as usual", e.toString());
        }
        try {
            Path sqlite = sqlite(cacheFolder, loader);
            if (sqlite != null) {
                properties.put(SQLITE_PATH, sqlite.getParent().toString());
                properties.put(SQLITE_NAME, sqlite.getFileName().toString());
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            log().debug("SQLite's library is not cached ({}); it extracts itself as usual", e.toString());
        }
        return properties;
    }

    /** The cached SQLite library file, extracted from sqlite-jdbc's jar when first seen; null when it has none here. */
    private static Path sqlite(Path cacheFolder, ClassLoader loader) throws IOException {
        Path jar = JarEntryCache.jarOf("org.sqlite.JDBC", loader);
        if (jar == null) {
            return null;
        }
        String name = System.mapLibraryName("sqlitejdbc");
        Path target = cacheFolder.resolve(JarEntryCache.folderName(jar)).resolve(name);
        if (Files.isRegularFile(target)) {
            return target;
        }
        // sqlite-jdbc's own name for this platform's folder (it tells musl from glibc, Android from Linux).
        String platformFolder = org.sqlite.util.OSInfo.getNativeLibFolderPathForCurrentOS();
        try (JarFile file = new JarFile(jar.toFile())) {
            JarEntry entry = file.getJarEntry("org/sqlite/native/" + platformFolder + "/" + name);
            if (entry == null) {
                return null;
            }
            if (JarEntryCache.extract(file, entry, target)) {
                log().debug("Extracted {} from {} to {}", entry.getName(), jar, target);
            }
        }
        return target;
    }
}
