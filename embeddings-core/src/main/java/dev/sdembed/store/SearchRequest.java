package dev.sdembed.store;

import dev.sdembed.InvalidInputException;

/**
 * A top-k search: the query's vector is compared with the embeddings of {@code targetSlot}, and the images whose
 * content (their file for an image slot, their {@code role} text for a text slot) is nearest come back, best first.
 * The target may differ from the query's slot only when both declare the same embedding space (text to image).
 *
 * @param query      where the search starts
 * @param targetSlot the slot searched; the query's slot when built without {@link Builder#target(String)}
 * @param role       for a text target slot, which text of the images is matched (PROMPT by default)
 * @param k          how many images to return, 1 to {@value #MAX_K}
 * @param filter     which images may be returned
 */
public record SearchRequest(SearchQuery query, String targetSlot, TextRole role, int k, SearchFilter filter) {

    public static final int DEFAULT_K = 10;
    public static final int MAX_K = 1000;

    public SearchRequest {
        if (query == null) {
            throw new InvalidInputException("Search request has no query");
        }
        if (targetSlot == null) {
            targetSlot = query.slot();
        }
        if (role == null) {
            role = TextRole.PROMPT;
        }
        if (k < 1 || k > MAX_K) {
            throw new InvalidInputException("Search k is " + k + "; expected 1 to " + MAX_K);
        }
        if (filter == null) {
            filter = SearchFilter.NONE;
        }
    }

    /** The top {@value #DEFAULT_K} images of the query's own slot, unfiltered. */
    public static SearchRequest of(SearchQuery query) {
        return builder(query).build();
    }

    public static Builder builder(SearchQuery query) {
        return new Builder(query);
    }

    public static final class Builder {
        private final SearchQuery query;
        private String targetSlot;
        private TextRole role = TextRole.PROMPT;
        private int k = DEFAULT_K;
        private SearchFilter filter = SearchFilter.NONE;

        private Builder(SearchQuery query) {
            this.query = query;
        }

        /** Searches this slot instead of the query's own (it must share the query slot's embedding space). */
        public Builder target(String slot) {
            this.targetSlot = slot;
            return this;
        }

        public Builder role(TextRole role) {
            this.role = role;
            return this;
        }

        /** Default {@value SearchRequest#DEFAULT_K}. */
        public Builder k(int k) {
            this.k = k;
            return this;
        }

        public Builder filter(SearchFilter filter) {
            this.filter = filter;
            return this;
        }

        public SearchRequest build() {
            return new SearchRequest(query, targetSlot, role, k, filter);
        }
    }
}
