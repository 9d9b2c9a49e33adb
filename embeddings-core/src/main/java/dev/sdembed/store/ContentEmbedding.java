package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.hash.ContentHash;

/**
 * The embedding of one content (text or image file, by hash) in one slot. The slot's encoder made it; stores record
 * the slot's current model fingerprint with it.
 */
public record ContentEmbedding(String slot, ContentHash content, Embedding embedding) {

    public ContentEmbedding {
        if (slot == null) {
            throw new InvalidInputException("Embedding has a null slot name");
        }
        if (content == null) {
            throw new InvalidInputException("Embedding for slot '" + slot + "' has a null content hash");
        }
        if (embedding == null) {
            throw new InvalidInputException("Embedding of content " + content.shortHex() + " for slot '"
                    + slot + "' is null");
        }
    }

    /**
     * Wraps raw components, naming the slot and content when one is rejected (NaN, infinite, empty), so a bad vector
     * in a batch of thousands is found at once.
     */
    public static ContentEmbedding of(String slot, ContentHash content, float[] vector) {
        try {
            return new ContentEmbedding(slot, content, new Embedding(vector));
        } catch (InvalidInputException e) {
            throw new InvalidInputException("Embedding of content " + (content == null ? "null"
                    : content.shortHex()) + " for slot '" + slot + "': " + e.getMessage(), e);
        }
    }
}
