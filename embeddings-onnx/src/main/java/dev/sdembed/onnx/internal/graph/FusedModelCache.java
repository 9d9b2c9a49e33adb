package dev.sdembed.onnx.internal.graph;

import dev.sdembed.io.AtomicFiles;
import dev.sdembed.io.FileStamp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fused graphs ({@link FusedModels#bertFused}), and their int8 rewrites ({@link Int8Quantization}) in a folder of
 * their own, kept in a folder between processes, so that a load reads the rewrite
 * ONNX Runtime runs instead of making it again: the rewrite is ~0.2 s for bge-small in a warm JVM and ~3 s in a new
 * one, every start of a command that indexes. A file is named for the model file it came from (name, and a checksum
 * of its path, size and modification time), the output it CLS-pools, and the code of the rewrite itself (the class
 * files of this package), so a changed model, or a newer sdembed, makes a new file rather than reading a stale one;
 * keeping it deletes what was kept for the same path before.
 * Files are written whole ({@link AtomicFiles}). Failing to write costs nothing but the next load's rewrite.
 */
public final class FusedModelCache {
    private static final Logger LOG = LoggerFactory.getLogger(FusedModelCache.class);
    /** The classes whose code decides the rewrite's output. */
    private static final List<Class<?>> REWRITE = List.of(FusedModels.class, BertAttentionFusion.class,
            ClsTokenPruning.class, OnnxGraph.class, Int8Quantization.class);
    /** Null when the class files cannot be read: then nothing is cached, rather than keyed by unknown code. */
    private static final String REWRITE_CODE = rewriteCode();

    private final Path folder;

    /**
     * A fused graph on disk.
     *
     * @param file      the serialised model
     * @param clsPruned whether the rewrite ran the last layer after attention on the CLS token only
     */
    public record Entry(Path file, boolean clsPruned) {
    }

    public FusedModelCache(Path folder) {
        this.folder = folder;
    }

    /** The folder the files are in. */
    public Path folder() {
        return folder;
    }

    /** The fused graph of {@code modelFile} made for {@code clsPooledOutput} (may be null), or null when not here. */
    public Entry find(Path modelFile, String clsPooledOutput) {
        if (REWRITE_CODE == null) {
            return null;
        }
        try {
            String key = key(modelFile, clsPooledOutput);
            for (boolean clsPruned : new boolean[] {true, false}) {
                Path file = folder.resolve(name(key, clsPruned));
                if (Files.isRegularFile(file)) {
                    return new Entry(file, clsPruned);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("No fused graph of {} read from {}: {}", modelFile, folder, e.toString());
        }
        return null;
    }

    /** Keeps {@code fused}, the rewrite of {@code modelFile} for {@code clsPooledOutput}; null when it cannot. */
    public Entry put(Path modelFile, String clsPooledOutput, FusedModels.Fused fused) {
        if (REWRITE_CODE == null) {
            return null;
        }
        try {
            Path file = folder.resolve(name(key(modelFile, clsPooledOutput), fused.clsPruned()));
            AtomicFiles.write(file, fused.bytes());
            LOG.debug("Kept the fused graph of {} as {}", modelFile, file);
            deleteOlderVersions(modelFile, file);
            return new Entry(file, fused.clsPruned());
        } catch (IOException | UncheckedIOException e) {
            LOG.info("Could not keep the fused graph of {} in {} ({}); the next load makes it again", modelFile,
                    folder, e.toString());
            return null;
        }
    }

    /**
     * Deletes what was kept for earlier versions of {@code modelFile} (the same path; another size, modification time,
     * pooled output or rewrite), so the folder does not grow by a model's size at every change.
     */
    private void deleteOlderVersions(Path modelFile, Path kept) {
        String prefix = FileStamp.pathPrefix(modelFile);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, prefix + "*.onnx")) {
            for (Path f : files) {
                if (!f.getFileName().equals(kept.getFileName())) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            LOG.debug("Could not delete older fused graphs of {} in {}: {}", modelFile, folder, e.toString());
        }
    }

    /** Deletes a file ONNX Runtime refused to load, so that the next load writes it again. */
    public void evict(Entry entry) {
        try {
            Files.deleteIfExists(entry.file());
        } catch (IOException e) {
            LOG.debug("Could not delete {}: {}", entry.file(), e.toString());
        }
    }

    private static String name(String key, boolean clsPruned) {
        return key + (clsPruned ? "-cls" : "") + ".onnx";
    }

    /**
     * The model's folder and name, a checksum of its path, then one of everything else the rewrite's output depends on
     * (the file's size and modification time, the pooled output, the rewrite's code).
     */
    static String key(Path modelFile, String clsPooledOutput) throws IOException {
        Path absolute = modelFile.toAbsolutePath().normalize();
        return FileStamp.pathPrefix(absolute) + FileStamp.of(absolute, String.valueOf(clsPooledOutput), REWRITE_CODE);
    }

    /** A checksum of the rewrite's class files: a new rewrite never reads a graph an older one made. */
    private static String rewriteCode() {
        CRC32 crc = new CRC32();
        for (Class<?> c : REWRITE) {
            try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
                if (in != null) {
                    crc.update(in.readAllBytes());
                }
            } catch (IOException e) {
                LOG.debug("Fused graphs are not kept: cannot read the class file of {} ({})", c.getName(), e.toString());
                return null;
            }
        }
        // The int8 rewrite's output depends on its calibration prompts too.
        try (InputStream in = Int8Quantization.class.getResourceAsStream(Int8Quantization.CALIBRATION_PROMPTS)) {
            if (in != null) {
                crc.update(in.readAllBytes());
            }
        } catch (IOException e) {
            return null;
        }
        return String.format(Locale.ROOT, "%08x", crc.getValue());
    }
}
