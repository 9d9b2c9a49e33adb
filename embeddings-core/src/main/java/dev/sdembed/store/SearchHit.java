package dev.sdembed.store;

import dev.sdembed.hash.ContentHash;

/**
 * One image found by a search.
 *
 * @param imageId        the image's id in the store
 * @param path           its file path
 * @param score          similarity to the query; the cosine similarity for L2-normalised vectors (1 = identical)
 * @param content        the hash of the matched content (the image file, or the text for a text slot)
 * @param generator      the image's generator, or null
 * @param modelName      the image's model name, or null
 * @param prompt         the image's prompt text, or null when it has none
 * @param negativePrompt the image's negative prompt when the search matched negative prompts
 *                       ({@link TextRole#NEGATIVE}): the text that matched; null for other searches
 */
public record SearchHit(long imageId, String path, double score, ContentHash content, String generator,
                        String modelName, String prompt, String negativePrompt) {

    /** A hit of a search that did not match negative prompts. */
    public SearchHit(long imageId, String path, double score, ContentHash content, String generator, String modelName,
                     String prompt) {
        this(imageId, path, score, content, generator, modelName, prompt, null);
    }

    @Override
    public String toString() {
        return "SearchHit[imageId=" + imageId + ", path=" + path + ", score=" + score + "]";
    }
}
