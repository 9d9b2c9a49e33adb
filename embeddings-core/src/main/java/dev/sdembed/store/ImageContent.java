package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.image.PixelHash;
import dev.sdembed.store.internal.NulChecks;

/**
 * An image file's content, keyed by the SHA-256 of the whole file: identical files at different paths share it.
 *
 * @param width     decoded width in pixels
 * @param height    decoded height in pixels
 * @param format    container format, lower case ({@code png}, {@code jpeg}, {@code webp})
 * @param byteSize  file size in bytes
 * @param pixelHash the perceptual hash of the decoded pixels ({@code duplicates --by pixels}), or null when it was
 *                  not computed; a store keeps the first one it is given for a content, and a batch that carries one
 *                  for a content stored without gives it one (how images indexed before pixel hashes get theirs)
 */
public record ImageContent(ContentHash hash, int width, int height, String format, long byteSize,
                           PixelHash pixelHash) {

    public ImageContent {
        if (hash == null) {
            throw new InvalidInputException("Image content hash is null");
        }
        String what = "Image content " + hash.shortHex();
        if (width <= 0 || height <= 0) {
            throw new InvalidInputException(what + " has size " + width + "x" + height + "; expected positive pixels");
        }
        if (format == null || format.isBlank()) {
            throw new InvalidInputException(what + " has no format; expected e.g. png, jpeg or webp");
        }
        NulChecks.requireNoNul(format, what + " format");
        if (byteSize <= 0) {
            throw new InvalidInputException(what + " has byte size " + byteSize + "; expected > 0");
        }
    }

    /** A content without a pixel hash. */
    public ImageContent(ContentHash hash, int width, int height, String format, long byteSize) {
        this(hash, width, height, format, byteSize, null);
    }

    /** This content with {@code hash} as its pixel hash. */
    public ImageContent withPixelHash(PixelHash hash) {
        return new ImageContent(this.hash, width, height, format, byteSize, hash);
    }

    /** This content as {@code other} describes the same file, either of them perhaps without a pixel hash. */
    boolean sameFileAs(ImageContent other) {
        return hash.equals(other.hash) && width == other.width && height == other.height
                && format.equals(other.format) && byteSize == other.byteSize
                && (pixelHash == null || other.pixelHash == null || pixelHash.equals(other.pixelHash));
    }
}
