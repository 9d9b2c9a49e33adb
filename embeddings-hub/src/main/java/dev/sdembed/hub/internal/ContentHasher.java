package dev.sdembed.hub.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a file's bytes and, for files the Hub does not keep in LFS, its git blob id (SHA-1 of
 * {@code "blob <size>\0"} followed by the bytes, as {@code git hash-object}), computed while the bytes stream in.
 * Not thread-safe: one download feeds it at a time.
 */
public final class ContentHasher {
    private final MessageDigest sha256;
    private final MessageDigest gitSha1;
    private long count;

    /**
     * @param gitBlobSize the declared size for the git blob header, or a negative value for no git blob id
     */
    public ContentHasher(long gitBlobSize) {
        this.sha256 = digest("SHA-256");
        if (gitBlobSize >= 0) {
            this.gitSha1 = digest("SHA-1");
            gitSha1.update(("blob " + gitBlobSize + "\0").getBytes(StandardCharsets.US_ASCII));
        } else {
            this.gitSha1 = null;
        }
    }

    /** A hasher fed with the first {@code length} bytes of {@code file}, to go on after a resume. */
    public static ContentHasher ofPrefix(Path file, long length, long gitBlobSize) throws IOException {
        ContentHasher hasher = new ContentHasher(gitBlobSize);
        byte[] buffer = new byte[1 << 16];
        long left = length;
        try (InputStream in = Files.newInputStream(file)) {
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException(file + " has fewer than " + length + " bytes");
                }
                hasher.update(ByteBuffer.wrap(buffer, 0, n));
                left -= n;
            }
        }
        return hasher;
    }

    /** Hashes a whole file. */
    public static ContentHasher ofFile(Path file, boolean gitBlob) throws IOException {
        long size = Files.size(file);
        return ofPrefix(file, size, gitBlob ? size : -1);
    }

    /** Adds the buffer's remaining bytes, consuming them. */
    public void update(ByteBuffer bytes) {
        count += bytes.remaining();
        if (gitSha1 != null) {
            gitSha1.update(bytes.duplicate());
        }
        sha256.update(bytes);
    }

    /** How many bytes went in. */
    public long count() {
        return count;
    }

    /** Lower-case hex SHA-256 of the bytes so far (on a copy: the hasher can go on). */
    public String sha256() {
        return hex(sha256);
    }

    /** Lower-case hex git blob id, or null when this hasher computes none. */
    public String gitSha1() {
        return gitSha1 == null ? null : hex(gitSha1);
    }

    private static String hex(MessageDigest digest) {
        try {
            return HexFormat.of().formatHex(((MessageDigest) digest.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's " + digest.getAlgorithm() + " cannot be cloned", e);
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }
}
