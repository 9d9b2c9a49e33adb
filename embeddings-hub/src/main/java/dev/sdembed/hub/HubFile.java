package dev.sdembed.hub;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One file of a {@link HubSnapshot}.
 *
 * @param path      the path in the repository, {@code /}-separated (e.g. {@code onnx/model.onnx})
 * @param localPath where it is: {@code snapshots/<commit>/<path>} in the cache, a relative symbolic link to
 *                  {@code blobs/<etag>} (a copy where symbolic links cannot be made)
 * @param size      its size in bytes, as the Hub declares it and the file has
 * @param sha256    the SHA-256 of its bytes, lower-case hex: for LFS files the Hub's LFS oid (checked when this
 *                  client downloaded it), for the others computed from the bytes
 * @param fromCache true when the file was already in the cache and nothing was downloaded for it
 */
public record HubFile(String path, Path localPath, long size, String sha256, boolean fromCache) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public HubFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(localPath, "localPath");
        Objects.requireNonNull(sha256, "sha256");
        if (size < 0) {
            throw new IllegalArgumentException("size of " + path + " must not be negative: " + size);
        }
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 of " + path + " must be 64 lower-case hex digits: " + sha256);
        }
    }
}
