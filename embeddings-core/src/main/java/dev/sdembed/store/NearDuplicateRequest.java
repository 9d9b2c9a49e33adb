package dev.sdembed.store;

import dev.sdembed.InvalidInputException;

/**
 * Finds groups of near-identical images: each content of {@code slot} is linked to those of its {@code neighbours}
 * nearest neighbours (found through the index: O(N·k), never a self-join) whose similarity is at least
 * {@code threshold}; groups are the transitive closure of the links, plus images sharing one identical content.
 *
 * @param slot       the slot compared, usually an image slot; a text slot groups images by their {@code role} text
 * @param threshold  the least cosine similarity that links two contents, in (0, 1]
 * @param neighbours how many nearest neighbours of each content are examined, 1 to 100
 * @param role       for a text slot, which text of the images is compared
 * @param filter     which images take part; its {@link SearchFilter#minScore() minScore} raises the threshold
 *                   (see {@link #linkThreshold()}) and its {@link SearchFilter#distinct() distinct} keeps one member
 *                   per identical prompt or file in each group (groups left with one member are dropped)
 */
public record NearDuplicateRequest(String slot, double threshold, int neighbours, TextRole role, SearchFilter filter) {

    public static final double DEFAULT_THRESHOLD = 0.95;
    public static final int DEFAULT_NEIGHBOURS = 10;

    public NearDuplicateRequest {
        if (slot == null || slot.isBlank()) {
            throw new InvalidInputException("Near-duplicate request has no slot");
        }
        if (!(threshold > 0 && threshold <= 1)) {
            throw new InvalidInputException("Near-duplicate threshold is " + threshold + "; expected a similarity in (0, 1]");
        }
        if (neighbours < 1 || neighbours > 100) {
            throw new InvalidInputException("Near-duplicate neighbours is " + neighbours + "; expected 1 to 100");
        }
        if (role == null) {
            role = TextRole.PROMPT;
        }
        if (filter == null) {
            filter = SearchFilter.NONE;
        }
    }

    /** Default threshold {@value #DEFAULT_THRESHOLD} and {@value #DEFAULT_NEIGHBOURS} neighbours, unfiltered. */
    public static NearDuplicateRequest of(String slot) {
        return new NearDuplicateRequest(slot, DEFAULT_THRESHOLD, DEFAULT_NEIGHBOURS, TextRole.PROMPT, SearchFilter.NONE);
    }

    /** The least similarity that links two contents: the threshold, or the filter's minimum score when higher. */
    public double linkThreshold() {
        return filter.minScore() == null ? threshold : Math.max(threshold, filter.minScore());
    }

    public NearDuplicateRequest withThreshold(double value) {
        return new NearDuplicateRequest(slot, value, neighbours, role, filter);
    }

    public NearDuplicateRequest withNeighbours(int value) {
        return new NearDuplicateRequest(slot, threshold, value, role, filter);
    }

    public NearDuplicateRequest withRole(TextRole value) {
        return new NearDuplicateRequest(slot, threshold, neighbours, value, filter);
    }

    public NearDuplicateRequest withFilter(SearchFilter value) {
        return new NearDuplicateRequest(slot, threshold, neighbours, role, value);
    }
}
