package dev.sdembed.hash;

import dev.sdembed.InvalidInputException;
import dev.sdembed.SdembedException;
import dev.sdembed.internal.RegularFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * SHA-256 of some content: the key of the embedding cache. Texts hash their exact UTF-8 bytes (no trimming,
 * no normalisation), files their whole byte content. A value: the bytes are copied in and out.
 */
public final class ContentHash implements Comparable<ContentHash> {
    public static final int LENGTH = 32;
    private static final HexFormat HEX = HexFormat.of();
    private static final int BUFFER = 1 << 16;
    /** Hex digits messages and logs show of a hash or fingerprint. */
    public static final int SHORT_HEX_LENGTH = 12;

    private final byte[] bytes;

    private ContentHash(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps 32 raw SHA-256 bytes (copied). */
    public static ContentHash of(byte[] sha256) {
        if (sha256 == null) {
            throw new InvalidInputException("Content hash is null");
        }
        if (sha256.length != LENGTH) {
            throw new InvalidInputException("Content hash has " + sha256.length + " bytes; expected " + LENGTH);
        }
        return new ContentHash(sha256.clone());
    }

    /** Parses 64 hex digits. */
    public static ContentHash ofHex(String hex) {
        if (hex == null || hex.length() != LENGTH * 2) {
            throw new InvalidInputException("Content hash '" + hex + "' is not 64 hex digits");
        }
        try {
            return new ContentHash(HEX.parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("Content hash '" + hex + "' is not 64 hex digits", e);
        }
    }

    /** SHA-256 of the exact UTF-8 bytes of {@code text}. */
    public static ContentHash ofText(String text) {
        if (text == null) {
            throw new InvalidInputException("Cannot hash a null text");
        }
        return new ContentHash(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** SHA-256 of {@code bytes}. */
    public static ContentHash ofBytes(byte[] bytes) {
        return new ContentHash(sha256().digest(bytes));
    }

    /** SHA-256 of a whole file, streamed: memory use does not depend on the file size. */
    public static ContentHash ofFile(Path file) {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[BUFFER];
        String notRegular = RegularFiles.notRegular(file);
        if (notRegular != null) {
            String message = "Cannot hash " + file + ": it " + notRegular;
            throw new UncheckedIOException(message, new IOException(message));
        }
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot hash " + file + ": " + e.getMessage(), e);
        }
        return new ContentHash(digest.digest());
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new SdembedException("This JVM has no SHA-256", e);
        }
    }

    /** A copy of the 32 bytes. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    public String hex() {
        return HEX.formatHex(bytes);
    }

    /**
     * The first {@value #SHORT_HEX_LENGTH} hex digits: enough to find a content in logs and messages without printing
     * all 64 (48 bits: two of a million contents share them with a chance of about 1 in 560).
     */
    public String shortHex() {
        return shortHex(hex());
    }

    /**
     * The first {@value #SHORT_HEX_LENGTH} characters of a hex digest such as a model fingerprint or a migration
     * checksum, or all of it when shorter, the same abbreviation {@link #shortHex()} makes of a content hash.
     */
    public static String shortHex(String hex) {
        if (hex == null) {
            return "null";
        }
        return hex.length() > SHORT_HEX_LENGTH ? hex.substring(0, SHORT_HEX_LENGTH) : hex;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContentHash h && Arrays.equals(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(ContentHash o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
