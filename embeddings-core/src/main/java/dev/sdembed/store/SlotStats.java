package dev.sdembed.store;

/**
 * Counts for one slot.
 *
 * @param slot           the slot's name
 * @param embeddings     embeddings stored (one per content)
 * @param stale          of those, how many a different model fingerprint made (to be re-embedded)
 * @param references     how many image references point at contents embedded in this slot: the number of vectors
 *                       that would be stored without deduplication
 * @param bytesPerVector bytes one stored vector takes in this store (dimension times the component size)
 */
public record SlotStats(String slot, long embeddings, long stale, long references, int bytesPerVector) {

    /** Bytes of vectors stored. */
    public long vectorBytes() {
        return embeddings * bytesPerVector;
    }

    /** Bytes the same vectors would take stored once per reference, without deduplication. */
    public long vectorBytesWithoutDedup() {
        return references * bytesPerVector;
    }
}
