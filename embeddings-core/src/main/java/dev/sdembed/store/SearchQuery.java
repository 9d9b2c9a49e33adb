package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.TextEncoder;
import java.nio.file.Path;

/**
 * What a search starts from, always in the space of one slot ({@link #slot()}): a vector, a text or image file
 * embedded with that slot's encoder, or an image already in the store.
 */
public sealed interface SearchQuery {

    /** The slot whose space the query vector is in. */
    String slot();

    /** A ready vector in the space of {@code slot}. */
    static SearchQuery vector(String slot, Embedding embedding) {
        return new ByVector(slot, embedding);
    }

    /**
     * A text embedded as a search query ({@link TextEncoder#embedQuery}: BGE's query instruction applies) with
     * {@code encoder}, which must be the encoder of {@code slot} (same fingerprint).
     */
    static SearchQuery text(String slot, String text, TextEncoder encoder) {
        return new ByText(slot, text, encoder);
    }

    /** A new image file embedded with {@code encoder}, which must be the encoder of {@code slot}. */
    static SearchQuery imageFile(String slot, Path file, ImageEncoder encoder) {
        return new ByImageFile(slot, file, encoder);
    }

    /** The stored embedding, in {@code slot}, of the stored image with this id; the image itself is not a hit. */
    static SearchQuery storedImage(String slot, long imageId) {
        return new ByImageId(slot, imageId);
    }

    /** The stored embedding, in {@code slot}, of the stored image at this path; the image itself is not a hit. */
    static SearchQuery storedImage(String slot, String path) {
        return new ByImagePath(slot, path);
    }

    record ByVector(String slot, Embedding embedding) implements SearchQuery {
        public ByVector {
            requireSlot(slot);
            if (embedding == null) {
                throw new InvalidInputException("Query vector for slot '" + slot + "' is null");
            }
        }
    }

    record ByText(String slot, String text, TextEncoder encoder) implements SearchQuery {
        public ByText {
            requireSlot(slot);
            if (text == null || text.isBlank()) {
                throw new InvalidInputException("Query text for slot '" + slot + "' is " + (text == null ? "null" : "blank"));
            }
            if (encoder == null) {
                throw new InvalidInputException("Query text for slot '" + slot + "' has no encoder to embed it");
            }
        }

        @Override
        public String toString() {
            return "ByText[slot=" + slot + ", length=" + text.length() + "]";
        }
    }

    record ByImageFile(String slot, Path file, ImageEncoder encoder) implements SearchQuery {
        public ByImageFile {
            requireSlot(slot);
            if (file == null) {
                throw new InvalidInputException("Query image file for slot '" + slot + "' is null");
            }
            if (encoder == null) {
                throw new InvalidInputException("Query image " + file + " has no encoder to embed it");
            }
        }
    }

    record ByImageId(String slot, long imageId) implements SearchQuery {
        public ByImageId {
            requireSlot(slot);
            if (imageId <= 0) {
                throw new InvalidInputException("Query image id " + imageId + " is invalid; ids are positive");
            }
        }
    }

    record ByImagePath(String slot, String path) implements SearchQuery {
        public ByImagePath {
            requireSlot(slot);
            if (path == null || path.isBlank()) {
                throw new InvalidInputException("Query image path is " + (path == null ? "null" : "blank"));
            }
        }
    }

    private static void requireSlot(String slot) {
        if (slot == null || slot.isBlank()) {
            throw new InvalidInputException("Search query has no slot; name the slot whose space the query is in");
        }
    }
}
