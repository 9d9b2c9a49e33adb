package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one batch changed. Contents and embeddings another writer had already stored are not counted. Stores build it
 * with {@link #builder()}, naming each counter: six counts in a row are too easy to pass in the wrong order.
 *
 * @param imagesInserted     records at new paths
 * @param imagesUpdated      records at known paths whose values changed (re-pointed, re-failed, ...)
 * @param imagesUnchanged    records written with exactly the stored values
 * @param imagesDeleted      records deleted
 * @param textsAdded         new text contents
 * @param imageContentsAdded new image contents
 * @param embeddingsWritten  per slot, embeddings added or replacing stale ones
 * @param imagesMoved        records moved to another path (not counted as inserted, updated or deleted)
 * @param pixelHashesAdded   stored image contents that had no pixel hash and got the batch's
 * @param textsRemoved       text contents the batch left unreferenced and removed, with their embeddings
 * @param imageContentsRemoved image contents the batch left unreferenced and removed, with their embeddings
 */
public record WriteResult(int imagesInserted, int imagesUpdated, int imagesUnchanged, int imagesDeleted,
                          int textsAdded, int imageContentsAdded, Map<String, Integer> embeddingsWritten,
                          int imagesMoved, int pixelHashesAdded, int textsRemoved, int imageContentsRemoved) {
    public WriteResult {
        embeddingsWritten = Map.copyOf(embeddingsWritten);
    }

    /** A result with every count 0; set the counts a batch changed. */
    public static Builder builder() {
        return new Builder();
    }

    public int embeddingsWritten(String slot) {
        return embeddingsWritten.getOrDefault(slot, 0);
    }

    /** Collects a batch's counts by name; each defaults to 0. */
    public static final class Builder {
        private int imagesInserted;
        private int imagesUpdated;
        private int imagesUnchanged;
        private int imagesDeleted;
        private int textsAdded;
        private int imageContentsAdded;
        private final Map<String, Integer> embeddingsWritten = new LinkedHashMap<>();
        private int imagesMoved;
        private int pixelHashesAdded;
        private int textsRemoved;
        private int imageContentsRemoved;

        private Builder() {
        }

        /** Records at new paths. */
        public Builder imagesInserted(int count) {
            this.imagesInserted = count("imagesInserted", count);
            return this;
        }

        /** Records at known paths whose values changed. */
        public Builder imagesUpdated(int count) {
            this.imagesUpdated = count("imagesUpdated", count);
            return this;
        }

        /** Records written with exactly the stored values. */
        public Builder imagesUnchanged(int count) {
            this.imagesUnchanged = count("imagesUnchanged", count);
            return this;
        }

        /** Records deleted. */
        public Builder imagesDeleted(int count) {
            this.imagesDeleted = count("imagesDeleted", count);
            return this;
        }

        /** New text contents. */
        public Builder textsAdded(int count) {
            this.textsAdded = count("textsAdded", count);
            return this;
        }

        /** New image contents. */
        public Builder imageContentsAdded(int count) {
            this.imageContentsAdded = count("imageContentsAdded", count);
            return this;
        }

        /** Embeddings of {@code slot} added or replacing stale ones (replaces an earlier count for that slot). */
        public Builder embeddingsWritten(String slot, int count) {
            if (slot == null) {
                throw new InvalidInputException("WriteResult embeddingsWritten slot is null");
            }
            embeddingsWritten.put(slot, count("embeddingsWritten of slot '" + slot + "'", count));
            return this;
        }

        /** Records moved to another path. */
        public Builder imagesMoved(int count) {
            this.imagesMoved = count("imagesMoved", count);
            return this;
        }

        /** Stored image contents that got their pixel hash from this batch. */
        public Builder pixelHashesAdded(int count) {
            this.pixelHashesAdded = count("pixelHashesAdded", count);
            return this;
        }

        /** Text contents removed because the batch left them unreferenced. */
        public Builder textsRemoved(int count) {
            this.textsRemoved = count("textsRemoved", count);
            return this;
        }

        /** Image contents removed because the batch left them unreferenced. */
        public Builder imageContentsRemoved(int count) {
            this.imageContentsRemoved = count("imageContentsRemoved", count);
            return this;
        }

        public WriteResult build() {
            return new WriteResult(imagesInserted, imagesUpdated, imagesUnchanged, imagesDeleted, textsAdded,
                    imageContentsAdded, embeddingsWritten, imagesMoved, pixelHashesAdded, textsRemoved,
                    imageContentsRemoved);
        }

        private static int count(String name, int count) {
            if (count < 0) {
                throw new InvalidInputException("WriteResult " + name + " is " + count + "; expected a count >= 0");
            }
            return count;
        }
    }
}
