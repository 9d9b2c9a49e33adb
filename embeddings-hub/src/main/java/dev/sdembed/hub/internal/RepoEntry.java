package dev.sdembed.hub.internal;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A file of a repository at one commit, as the tree API lists it ({@code GET /api/models/{repo}/tree/{commit}}) and
 * as huggingface_hub caches it in {@code trees/<commit>.json}.
 *
 * @param path      the path in the repository, checked by {@link #checkPath}
 * @param size      its size in bytes (for an LFS file the content's, not the pointer's)
 * @param gitOid    the git blob id: SHA-1 of {@code "blob <size>\0"} and the bytes; for LFS files that of the pointer
 * @param lfsSha256 for LFS files the SHA-256 of the content (the LFS oid), else null
 * @param xetHash   the Xet hash when the Hub lists one (kept for huggingface_hub's tree cache), else null
 */
public record RepoEntry(String path, long size, String gitOid, String lfsSha256, String xetHash) {
    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public RepoEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(gitOid, "gitOid");
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for " + path);
        }
        if (!SHA1.matcher(gitOid).matches()) {
            throw new IllegalArgumentException("git oid of " + path + " is not 40 hex digits: " + gitOid);
        }
        if (lfsSha256 != null && !SHA256.matcher(lfsSha256).matches()) {
            throw new IllegalArgumentException("LFS oid of " + path + " is not 64 hex digits: " + lfsSha256);
        }
    }

    public boolean lfs() {
        return lfsSha256 != null;
    }

    /**
     * The blob's name in the cache, which is the ETag the Hub gives the file: the LFS SHA-256 for LFS files, the git
     * blob id for the others.
     */
    public String blobName() {
        return lfs() ? lfsSha256 : gitOid;
    }

    public static boolean isSha1(String s) {
        return s != null && SHA1.matcher(s).matches();
    }

    public static boolean isSha256(String s) {
        return s != null && SHA256.matcher(s).matches();
    }

    /**
     * Refuses a repository path that could leave the snapshot folder or cannot be a file name, as
     * huggingface_hub's {@code _validate_relative_filename}; returns it.
     */
    public static String checkPath(String path) {
        boolean bad = path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("\\")
                || path.indexOf('\0') >= 0 || path.matches("^[A-Za-z]:.*");
        if (!bad) {
            for (String segment : path.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    bad = true;
                    break;
                }
            }
        }
        if (bad) {
            throw new IllegalArgumentException("not a relative file path inside a repository: '" + path + "'");
        }
        return path;
    }
}
