package dev.sdembed.onnx;

import dev.sdembed.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Weight fingerprints kept between processes ({@code fingerprints/} of {@link OnnxOptions#modelCache()}): the SHA-256
 * of a model's weights reads every byte of them (133 MB for bge-small, GBs for the large towers) at every load. A kept
 * fingerprint is used only while every file of the model's folder has the identity it was computed for: path, size,
 * modification time, and, where the file system tells them, change time and inode, which no copy or {@code touch}
 * keeps; anything else computes it again. The identity is written beside the fingerprint and compared whole, so no
 * two models can share an entry.
 */
final class WeightFingerprints {
    private static final Logger LOG = LoggerFactory.getLogger(WeightFingerprints.class);

    private WeightFingerprints() {
    }

    /** The fingerprint of {@code model}'s weights: kept in {@code cacheFolder} (null: none), else computed. */
    static String of(Path model, Path cacheFolder, Supplier<String> compute) {
        if (cacheFolder == null) {
            return compute.get();
        }
        Path entry;
        String identity;
        try {
            identity = identity(model);
            // A name, not a proof: the entry holds the identity it was computed for, compared whole. A CRC rather
            // than a digest: the JDK's digests first load its security providers (~10 ms of a one-shot query).
            CRC32 key = new CRC32();
            key.update(identity.getBytes(StandardCharsets.UTF_8));
            entry = cacheFolder.resolve("fingerprints").resolve(Long.toHexString(key.getValue()) + "-"
                    + identity.length());
            if (Files.isRegularFile(entry)) {
                List<String> lines = Files.readString(entry, StandardCharsets.UTF_8).lines().toList();
                if (lines.size() > 1 && lines.get(0).matches("[0-9a-f]{64}")
                        && String.join("\n", lines.subList(1, lines.size())).equals(identity)) {
                    return lines.get(0);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("No kept fingerprint of {}: {}", model, e.toString());
            return compute.get();
        }
        String fingerprint = compute.get();
        keep(entry, fingerprint + "\n" + identity);
        return fingerprint;
    }

    /** Every regular file of the model's folder (external weights live there), one line each, in name order. */
    static String identity(Path model) throws IOException {
        Path folder = model.toAbsolutePath().normalize().getParent();
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        StringBuilder sb = new StringBuilder(model.toAbsolutePath().normalize().toString());
        for (Path f : files) {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            sb.append('\n').append(f.getFileName()).append(' ').append(a.size()).append(' ')
                    .append(a.lastModifiedTime().toMillis());
            try {
                Map<String, Object> unix = Files.readAttributes(f, "unix:ctime,ino");
                sb.append(' ').append(unix.get("ctime")).append(' ').append(unix.get("ino"));
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                // Windows: no change time or inode; creation time and the file key where there is one.
                sb.append(' ').append(a.creationTime()).append(' ').append(a.fileKey());
            }
        }
        return sb.toString();
    }

    private static void keep(Path entry, String content) {
        try {
            AtomicFiles.write(entry, content.getBytes(StandardCharsets.UTF_8));
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("Could not keep a fingerprint in {}: {}", entry, e.toString());
        }
    }
}
