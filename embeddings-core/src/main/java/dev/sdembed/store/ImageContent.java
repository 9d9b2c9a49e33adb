package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.internal.NulChecks;

/**
 * An image file's content, keyed by the SHA-256 of the whole file: identical files at different paths share it.
 *
 * @param width    decoded width in pixels
 * @param height   decoded height in pixels
 * @param format   container format, lower case ({@code png}, {@code jpeg}, {@code webp})
 * @param byteSize file size in bytes
 */
public record ImageContent(ContentHash hash, int width, int height, String format, long byteSize) {

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
}
