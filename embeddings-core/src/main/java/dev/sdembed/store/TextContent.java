package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.internal.NulChecks;

/**
 * A text (prompt or negative prompt; the role lives on the image) keyed by the SHA-256 of its exact UTF-8 bytes.
 * The hash is checked against the text, so a batch can never file a text under another text's key.
 */
public record TextContent(ContentHash hash, String text) {

    public TextContent {
        if (hash == null) {
            throw new InvalidInputException("Text content hash is null");
        }
        if (text == null) {
            throw new InvalidInputException("Text content " + hash.shortHex() + " has a null text");
        }
        NulChecks.requireNoNul(text, "Text content " + hash.shortHex());
        if (!ContentHash.ofText(text).equals(hash)) {
            throw new InvalidInputException("Text content hash " + hash.shortHex()
                    + " is not the SHA-256 of its text's UTF-8 bytes; use TextContent.of(text)");
        }
    }

    /** The content for {@code text}, hashing it. */
    public static TextContent of(String text) {
        if (text == null) {
            throw new InvalidInputException("Text content is null");
        }
        return new TextContent(ContentHash.ofText(text), text);
    }

    @Override
    public String toString() {
        return "TextContent[hash=" + hash.shortHex() + ", length=" + text.length() + "]";
    }
}
