package dev.sdembed.onnx.internal;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sdembed.io.FileStamp;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime format copies of model files, kept in a folder between processes for sessions that must start fast
 * ({@link dev.sdembed.onnx.OnnxOptions.Builder#mappedWeights}): the graph already optimised, in a layout ONNX Runtime
 * can run with its weights where they lie in a memory mapping, so a session starts without parsing, optimising,
 * copying or pre-packing anything.
 *
 * <p>A copy is optimised at ONNX Runtime's <em>extended</em> level, the highest whose output does not depend on the
 * machine (the <em>all</em> level adds CPU-specific layouts, which ONNX Runtime warns against saving), and is named
 * for the file it came from (folder and name, a checksum of its path, one of its size and modification time and
 * the ONNX Runtime version that wrote it); making one deletes the copies of the same path's earlier versions. Files
 * are written whole: to a part file, then moved into place.
 */
final class OrtFormatCopies {
    private static final Logger LOG = LoggerFactory.getLogger(OrtFormatCopies.class);
    /**
     * The largest model copied: the format is a flatbuffer, which cannot pass 2 GiB, and one {@link MappedByteBuffer}
     * cannot either; the copy is a little larger than the model.
     */
    static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - (64L << 20);
    /** Beside where a copy would be: this version of the model cannot be copied. */
    private static final String NOT_COPIED = ".none";
    /** Beside a copy: the absolute path of the file it was made from, so a copy of a deleted file goes too. */
    private static final String SOURCE = ".source";

    private final Path folder;

    OrtFormatCopies(Path folder) {
        this.folder = folder;
    }

    /** The copy of {@code model} written by this ONNX Runtime, or null when there is none yet. */
    Path find(OrtEnvironment env, Path model) {
        try {
            Path file = folder.resolve(name(env, model));
            return Files.isRegularFile(file) ? file : null;
        } catch (IOException e) {
            LOG.debug("No ONNX Runtime format copy of {} read from {}: {}", model, folder, e.toString());
            return null;
        }
    }

    /**
     * Makes the copy of {@code model}: ONNX Runtime builds a session with {@code options} (which this call changes:
     * extended optimisation, saved in its format) and writes the optimised graph as it does. Null, after a log line,
     * when it cannot, and then never again for this version of the file: a marker beside the copies says so, so
     * that a model that cannot be copied (its weights, external data included, are {@link #MAX_MODEL_BYTES} or more;
     * ONNX Runtime refused) does not cost every later load an attempt. The caller then loads the model as usual.
     */
    Path make(OrtEnvironment env, Path model, OrtSession.SessionOptions options) {
        long started = System.nanoTime();
        Path part = null;
        try {
            Path file = folder.resolve(name(env, model));
            Files.createDirectories(folder);
            long bytes = Files.size(model);
            for (String external : OnnxModelHeader.read(model).externalFiles()) {
                bytes += Files.size(model.toAbsolutePath().getParent().resolve(external));
            }
            if (bytes >= MAX_MODEL_BYTES) {
                refuse(env, model, "its weights are " + bytes + " bytes; ONNX Runtime's format and a mapping hold"
                        + " less than 2 GiB");
                return null;
            }
            part = Files.createTempFile(folder, file.getFileName().toString(), ".part");
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            options.setOptimizedModelFilePath(part.toString());
            options.addConfigEntry("session.save_model_format", "ORT");
            try (OrtSession session = env.createSession(model.toString(), options)) {
                LOG.debug("Wrote an ONNX Runtime format copy of {} ({} inputs)", model, session.getNumInputs());
            }
            if (Files.size(part) == 0) {
                throw new IOException("ONNX Runtime wrote nothing to " + part);
            }
            try {
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
            }
            LOG.info("Kept an ONNX Runtime format copy of {} in {} for fast starts ({} ms, once)", model, file,
                    (System.nanoTime() - started) / 1_000_000);
            Files.writeString(folder.resolve(file.getFileName() + SOURCE), model.toAbsolutePath().normalize() + "\n");
            deleteOlderCopies(model, file);
            return file;
        } catch (IOException | OrtException | RuntimeException e) {
            refuse(env, model, e.toString());
            return null;
        } finally {
            if (part != null) {
                try {
                    Files.deleteIfExists(part);
                } catch (IOException e) {
                    LOG.debug("Could not delete {}: {}", part, e.toString());
                }
            }
        }
    }

    /** Whether an earlier load found that this version of {@code model} cannot be copied ({@link #make}). */
    boolean refused(OrtEnvironment env, Path model) {
        try {
            return Files.exists(folder.resolve(name(env, model) + NOT_COPIED));
        } catch (IOException e) {
            return false;
        }
    }

    private void refuse(OrtEnvironment env, Path model, String why) {
        LOG.info("No ONNX Runtime format copy of {} ({}); it loads as usual, now and later", model, why);
        try {
            Files.createDirectories(folder);
            Path marker = folder.resolve(name(env, model) + NOT_COPIED);
            Files.writeString(marker, why + "\n");
            deleteOlderCopies(model, marker);
        } catch (IOException e) {
            LOG.debug("Could not mark {} as not copied: {}", model, e.toString());
        }
    }

    /** Maps {@code copy} read-only; the mapping must stay reachable as long as a session runs on it. */
    static MappedByteBuffer map(Path copy) throws IOException {
        try (FileChannel channel = FileChannel.open(copy, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(copy + " is " + size + " bytes; a mapping holds at most " + Integer.MAX_VALUE);
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
    }

    /** Deletes a copy ONNX Runtime refused, so that the next load makes it again. */
    static void evict(Path copy) {
        try {
            Files.deleteIfExists(copy);
        } catch (IOException e) {
            LOG.debug("Could not delete {}: {}", copy, e.toString());
        }
    }

    /**
     * Deletes the copies (and markers) of earlier versions of {@code model} (the same path, another size,
     * modification time or ONNX Runtime), so the folder does not grow by a model's size at every change of the file.
     */
    private void deleteOlderCopies(Path model, Path kept) {
        String prefix = FileStamp.pathPrefix(model);
        try (DirectoryStream<Path> copies = Files.newDirectoryStream(folder, prefix + "*.ort*")) {
            for (Path copy : copies) {
                if (!copy.getFileName().equals(kept.getFileName())
                        && !copy.getFileName().toString().equals(kept.getFileName() + SOURCE)) {
                    evict(copy);
                }
            }
        } catch (IOException e) {
            LOG.debug("Could not list {}: {}", folder, e.toString());
        }
        // Copies of files that are gone: a fused graph is replaced under a new name when its model or the rewrite
        // changes, and the fused cache deletes the old one.
        try (DirectoryStream<Path> sources = Files.newDirectoryStream(folder, "*.ort" + SOURCE)) {
            for (Path source : sources) {
                String from = Files.readString(source).trim();
                if (!from.isEmpty() && !Files.exists(Path.of(from))) {
                    String copy = source.getFileName().toString();
                    evict(folder.resolve(copy.substring(0, copy.length() - SOURCE.length())));
                    evict(source);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not look for copies of deleted files in {}: {}", folder, e.toString());
        }
    }

    /** The model's folder and file name, and a checksum of its absolute path, then one of its version. */
    private static String name(OrtEnvironment env, Path model) throws IOException {
        return FileStamp.pathPrefix(model) + FileStamp.of(model, env.getVersion()) + ".ort";
    }
}
