package dev.sdembed.store;

import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import java.util.List;

/**
 * The result of {@link EmbeddingStore#checkInvariants()}, read in one consistent snapshot.
 *
 * @param textContentsChecked  text contents examined
 * @param imageContentsChecked image contents examined
 * @param violations           what is wrong, at most {@value #MAX_REPORTED} listed
 * @param violationCount       how many violations there are in all
 */
public record InvariantReport(long textContentsChecked, long imageContentsChecked, List<Violation> violations,
                              long violationCount) {

    public static final int MAX_REPORTED = 100;

    public InvariantReport {
        violations = List.copyOf(violations);
    }

    public boolean isConsistent() {
        return violationCount == 0;
    }

    /**
     * One broken invariant.
     *
     * @param kind          what is wrong
     * @param modality      TEXT or IMAGE content
     * @param content       the content at fault
     * @param storedCount   the reference count the store holds
     * @param actualCount   the references the image records actually make
     */
    public record Violation(Kind kind, Modality modality, ContentHash content, long storedCount, long actualCount) {
    }

    public enum Kind {
        /** The stored reference count differs from the number of image records referencing the content. */
        WRONG_REFERENCE_COUNT,
        /** An image record references a content the store does not hold. */
        MISSING_CONTENT,
        /** An embedding exists for a content the store does not hold. */
        ORPHAN_EMBEDDING
    }

    @Override
    public String toString() {
        return "InvariantReport[consistent=" + isConsistent() + ", texts=" + textContentsChecked + ", images="
                + imageContentsChecked + ", violations=" + violationCount + (violations.isEmpty() ? "" : " e.g. "
                + violations.subList(0, Math.min(5, violations.size()))) + "]";
    }
}
