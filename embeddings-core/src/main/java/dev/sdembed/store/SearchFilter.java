package dev.sdembed.store;

import dev.sdembed.store.internal.NulChecks;

/**
 * Restricts which images a search or duplicate scan may return. Null fields do not restrict. Stores keep filtered
 * searches exact in count: when at least k images match, k are returned.
 *
 * @param pathPrefix only images whose path starts with this (a folder, with its trailing separator)
 * @param generator  only images from this front-end
 * @param modelName  only images made with this checkpoint
 */
public record SearchFilter(String pathPrefix, String generator, String modelName) {

    public static final SearchFilter NONE = new SearchFilter(null, null, null);

    public SearchFilter {
        NulChecks.requireNoNul(pathPrefix, "Filter path prefix");
        NulChecks.requireNoNul(generator, "Filter generator");
        NulChecks.requireNoNul(modelName, "Filter model name");
    }

    public static SearchFilter pathPrefix(String prefix) {
        return new SearchFilter(prefix, null, null);
    }

    public static SearchFilter generator(String generator) {
        return new SearchFilter(null, generator, null);
    }

    public static SearchFilter modelName(String modelName) {
        return new SearchFilter(null, null, modelName);
    }

    public SearchFilter withPathPrefix(String prefix) {
        return new SearchFilter(prefix, generator, modelName);
    }

    public SearchFilter withGenerator(String value) {
        return new SearchFilter(pathPrefix, value, modelName);
    }

    public SearchFilter withModelName(String value) {
        return new SearchFilter(pathPrefix, generator, value);
    }

    public boolean isEmpty() {
        return pathPrefix == null && generator == null && modelName == null;
    }

    /** Whether {@code record} passes this filter; stores use it where they filter in memory. */
    public boolean matches(ImageRecord record) {
        return (pathPrefix == null || record.path().startsWith(pathPrefix))
                && (generator == null || generator.equals(record.generator()))
                && (modelName == null || modelName.equals(record.modelName()));
    }
}
