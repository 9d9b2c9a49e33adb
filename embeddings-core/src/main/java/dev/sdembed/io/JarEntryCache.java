package dev.sdembed.io;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Copies of jar entries (native libraries) kept in a folder between processes: each jar's in a folder named for it,
 * each file written whole ({@link AtomicFiles}), so a file found there is whole.
 */
public final class JarEntryCache {
    private JarEntryCache() {
    }

    /** The jar a class comes from, found without initialising the class; null when not a jar or not there. */
    public static Path jarOf(String className, ClassLoader loader) {
        try {
            CodeSource source = Class.forName(className, false, loader).getProtectionDomain().getCodeSource();
            Path path = source == null ? null : Path.of(source.getLocation().toURI());
            return path != null && Files.isRegularFile(path) ? path : null;
        } catch (ClassNotFoundException | LinkageError | URISyntaxException | IllegalArgumentException
                 | FileSystemNotFoundException | SecurityException e) {
            return null;
        }
    }

    /**
     * A folder name for a jar: its name, and a checksum of its path, size and modification time, so that another
     * version of the jar, or the same path rewritten, gets a folder of its own ({@code onnxruntime-1.28.0-5f0e3a1c}).
     * Looks at the jar's attributes only, without opening it.
     */
    public static String folderName(Path jar) throws IOException {
        String name = jar.getFileName().toString();
        String base = name.endsWith(".jar") ? name.substring(0, name.length() - ".jar".length()) : name;
        return base + "-" + FileStamp.of(jar);
    }

    /**
     * Writes {@code entry} of {@code jar} to {@code target} unless a file of its size is there
     * ({@link AtomicFiles#copy}). Returns whether it wrote.
     */
    public static boolean extract(JarFile jar, JarEntry entry, Path target) throws IOException {
        if (Files.isRegularFile(target) && Files.size(target) == entry.getSize()) {
            return false;
        }
        try (InputStream in = jar.getInputStream(entry)) {
            AtomicFiles.copy(in, target, entry.getSize());
        }
        return true;
    }
}
