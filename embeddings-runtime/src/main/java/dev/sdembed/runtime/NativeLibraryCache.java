package dev.sdembed.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.CodeSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.CRC32;
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
 * files. ONNX Runtime's GPU build is left to its own loader: its CUDA provider alone is 620 MB, which a cache would
 * duplicate on disk for every version. Anything that goes wrong leaves the properties unset: the loaders then extract
 * as they always did.
 */
public final class NativeLibraryCache {
    static final String ORT_PATH = "onnxruntime.native.path";
    static final String SQLITE_PATH = "org.sqlite.lib.path";
    static final String SQLITE_NAME = "org.sqlite.lib.name";
    /** Written into an ONNX Runtime folder after its last library: the folder is whole. */
    static final String COMPLETE = "complete";

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
     * The system properties that would load the libraries {@code loader} sees from {@code cacheFolder}, after
     * extracting them there where missing; none for a library that cannot be cached.
     */
    static Map<String, String> prepare(Path cacheFolder, ClassLoader loader) {
        Map<String, String> properties = new LinkedHashMap<>();
        try {
            Path ort = onnxRuntime(cacheFolder, loader);
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

    /**
     * The folder holding ONNX Runtime's libraries for this platform, extracted from its jar when first seen; null for
     * the GPU build, or a jar without this platform's libraries. A folder is complete once its marker is written,
     * after every library moved into place: the fast path looks at that file alone.
     */
    private static Path onnxRuntime(Path cacheFolder, ClassLoader loader) throws IOException {
        Path jar = jarOf("ai.onnxruntime.OrtEnvironment", loader);
        if (jar == null) {
            return null;
        }
        Path dir = cacheFolder.resolve(origin(jar));
        if (Files.isRegularFile(dir.resolve(COMPLETE))) {
            return dir;
        }
        String folder = "ai/onnxruntime/native/" + ortPlatform() + "/";
        try (JarFile file = new JarFile(jar.toFile())) {
            if (file.getEntry(folder + System.mapLibraryName("onnxruntime_providers_cuda")) != null) {
                return null;
            }
            for (String library : List.of("onnxruntime", "onnxruntime4j_jni", "onnxruntime_providers_shared")) {
                String name = System.mapLibraryName(library);
                JarEntry entry = file.getJarEntry(folder + name);
                if (entry == null && !library.equals("onnxruntime_providers_shared")) {
                    return null;
                }
                if (entry != null) {
                    extract(file, entry, dir.resolve(name));
                }
            }
        }
        Files.write(dir.resolve(COMPLETE), new byte[0]);
        return dir;
    }

    /** The cached SQLite library file, extracted from sqlite-jdbc's jar when first seen; null when it has none here. */
    private static Path sqlite(Path cacheFolder, ClassLoader loader) throws IOException {
        Path jar = jarOf("org.sqlite.JDBC", loader);
        if (jar == null) {
            return null;
        }
        String name = System.mapLibraryName("sqlitejdbc");
        Path target = cacheFolder.resolve(origin(jar)).resolve(name);
        if (Files.isRegularFile(target)) {
            return target;
        }
        // sqlite-jdbc's own name for this platform's folder (it tells musl from glibc, Android from Linux).
        String platformFolder = org.sqlite.util.OSInfo.getNativeLibFolderPathForCurrentOS();
        String entryName = "org/sqlite/native/" + platformFolder + "/" + name;
        try (JarFile file = new JarFile(jar.toFile())) {
            JarEntry entry = file.getJarEntry(entryName);
            if (entry == null) {
                return null;
            }
            extract(file, entry, target);
        }
        return target;
    }

    /** The jar a class comes from (without initialising it), or null when it is not a jar or not there. */
    private static Path jarOf(String className, ClassLoader loader) {
        try {
            CodeSource source = Class.forName(className, false, loader).getProtectionDomain().getCodeSource();
            Path path = source == null ? null : Path.of(source.getLocation().toURI());
            return path != null && Files.isRegularFile(path) ? path : null;
        } catch (ClassNotFoundException | LinkageError | URISyntaxException | IllegalArgumentException
                 | java.nio.file.FileSystemNotFoundException | SecurityException e) {
            return null;
        }
    }

    /** ONNX Runtime's name for this platform's folder in its jar: linux-x64, osx-aarch64, win-x64, ... */
    static String ortPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osPart = os.startsWith("windows") ? "win" : os.startsWith("mac") ? "osx" : "linux";
        String archPart = arch.equals("amd64") || arch.equals("x86_64") ? "x64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return osPart + "-" + archPart;
    }

    /**
     * A folder name for a jar: its name, and a checksum of its path, size and modification time, so that another
     * version of the jar, or the same path rewritten, gets a folder of its own ({@code onnxruntime-1.28.0-5f0e3a1c}).
     * Looks at the jar's attributes only: a command that finds its files opens no jar.
     */
    static String origin(Path jar) throws IOException {
        BasicFileAttributes a = Files.readAttributes(jar, BasicFileAttributes.class);
        CRC32 crc = new CRC32();
        crc.update((jar.toAbsolutePath() + "\n" + a.size() + "\n" + a.lastModifiedTime().toMillis())
                .getBytes(StandardCharsets.UTF_8));
        String name = jar.getFileName().toString();
        String base = name.endsWith(".jar") ? name.substring(0, name.length() - ".jar".length()) : name;
        return base + "-" + String.format(Locale.ROOT, "%08x", crc.getValue());
    }

    /**
     * Writes {@code entry} of {@code jar} to {@code target} unless it is there: to a file of its own beside the target,
     * then moved into place, so that a file at the target is always whole.
     */
    private static void extract(JarFile jar, JarEntry entry, Path target) throws IOException {
        if (Files.isRegularFile(target) && Files.size(target) == entry.getSize()) {
            return;
        }
        Files.createDirectories(target.getParent());
        Path part = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        try {
            try (InputStream in = jar.getInputStream(entry)) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            }
            if (entry.getSize() >= 0 && Files.size(part) != entry.getSize()) {
                throw new IOException("Extracted " + Files.size(part) + " bytes of " + entry.getName() + " from " + jar
                        .getName() + "; expected " + entry.getSize());
            }
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
            log().debug("Extracted {} from {} to {}", entry.getName(), jar.getName(), target);
        } finally {
            Files.deleteIfExists(part);
        }
    }
}
