package dev.sdembed.store;

import java.util.Map;

/**
 * What one batch changed. Contents and embeddings another writer had already stored are not counted.
 *
 * @param imagesInserted     records at new paths
 * @param imagesUpdated      records at known paths whose values changed (re-pointed, re-failed, ...)
 * @param imagesUnchanged    records written with exactly the stored values
 * @param imagesDeleted      records deleted
 * @param textsAdded         new text contents
 * @param imageContentsAdded new image contents
 * @param embeddingsWritten  per slot, embeddings added or replacing stale ones
 */
public record WriteResult(int imagesInserted, int imagesUpdated, int imagesUnchanged, int imagesDeleted,
                          int textsAdded, int imageContentsAdded, Map<String, Integer> embeddingsWritten) {
    public WriteResult {
        embeddingsWritten = Map.copyOf(embeddingsWritten);
    }

    public int embeddingsWritten(String slot) {
        return embeddingsWritten.getOrDefault(slot, 0);
    }
}
