package dev.sdembed.store;

import java.util.Map;

/**
 * What {@link EmbeddingStore#removeUnreferenced()} removed.
 *
 * @param textContents     texts no image referenced any more
 * @param imageContents    image contents no image referenced any more
 * @param embeddings       per slot, the embeddings of those contents
 */
public record MaintenanceResult(long textContents, long imageContents, Map<String, Long> embeddings) {
    public MaintenanceResult {
        embeddings = Map.copyOf(embeddings);
    }
}
