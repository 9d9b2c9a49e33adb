package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.internal.StoredPaths;
import dev.sdembed.store.internal.NulChecks;
import java.io.File;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Restricts which images a search or duplicate scan may return, applied by the store in its query. Null components
 * do not restrict; {@link #NONE} restricts nothing. Build one with {@link #builder()}:
 *
 * <pre>{@code
 * SearchFilter f = SearchFilter.builder().generator("comfyui").steps(20, 40).folder("/data/sd/portraits")
 *         .minScore(0.5).distinct(SearchFilter.Distinct.PROMPT).build();
 * }</pre>
 *
 * <p>What an image must have to pass is {@link #matches(ImageRecord)}: the reference every store's query agrees with
 * (the contract tests compare each store with it). Failed records are never hits, whatever the filter. Two parts
 * apply to hits rather than records: {@link #minScore} (a similarity floor) and {@link #distinct} (one hit per
 * identical prompt or file). Stores keep filtered searches exact in count: when at least k images pass, k are
 * returned.
 *
 * @param pathPrefix only images whose path starts with this; {@link Builder#folder(String)} makes it a folder's
 *                   path with its trailing separator, so a folder matches its files and subfolders only
 * @param generator  only images from this front-end ({@code a1111}, {@code comfyui}, ...); {@code none} is the
 *                   images without generation metadata (their records have no generator)
 * @param modelName  only images made with this checkpoint (exact, case-sensitive)
 * @param sampler    only images made with this sampler as their metadata names it (exact, case-sensitive)
 * @param seed       only images with this seed
 * @param steps      only images whose sampling steps lie in this range
 * @param cfg        only images whose CFG scale lies in this range
 * @param width      only images whose width in pixels lies in this range (an unknown width, 0, never does)
 * @param height     only images whose height lies in this range (an unknown height never does)
 * @param modified   only images whose file modification time (as the store recorded it) lies in this range
 * @param minScore   only hits at least this similar to the query (-1 to 1); for duplicates, links at least this
 *                   similar (the larger of it and the request's threshold)
 * @param distinct   one hit per identical prompt or per identical file: the best-scoring (then lowest id) image
 *                   of each stands for the others
 */
public record SearchFilter(String pathPrefix, String generator, String modelName, String sampler, Long seed,
                           Range<Integer> steps, Range<Double> cfg, Range<Integer> width, Range<Integer> height,
                           Range<Instant> modified, Double minScore, Distinct distinct) {

    /** Restricts nothing. */
    public static final SearchFilter NONE = builder().build();

    /** The generator value that selects images without generation metadata ({@code Generator.NONE}'s id). */
    public static final String NO_GENERATOR = "none";

    /** How {@link SearchFilter#distinct()} collapses hits. */
    public enum Distinct {
        /** One hit per identical prompt text (images without a prompt are each their own). */
        PROMPT,
        /** One hit per identical file: the same bytes (content hash) stored at several paths. */
        FILE
    }

    /**
     * An inclusive range of values; either end may be null (open). {@code 20..40}, {@code 20..} or {@code ..40}.
     *
     * @param min the least value in the range, or null
     * @param max the greatest value in the range, or null
     */
    public record Range<T extends Comparable<? super T>>(T min, T max) {
        public Range {
            if (min == null && max == null) {
                throw new InvalidInputException("A range needs a MIN, a MAX or both; both are null");
            }
        }

        /** {@code min} to {@code max}, both included. */
        public static <T extends Comparable<? super T>> Range<T> between(T min, T max) {
            return new Range<>(min, max);
        }

        public static <T extends Comparable<? super T>> Range<T> atLeast(T min) {
            return new Range<>(min, null);
        }

        public static <T extends Comparable<? super T>> Range<T> atMost(T max) {
            return new Range<>(null, max);
        }

        public static <T extends Comparable<? super T>> Range<T> exactly(T value) {
            return new Range<>(value, value);
        }

        /** Whether {@code value} is known (not null) and lies in the range. */
        public boolean contains(T value) {
            return value != null && (min == null || value.compareTo(min) >= 0) && (max == null || value.compareTo(max) <= 0);
        }

        /** {@code 20..40}, {@code 20..}, {@code ..40}, or {@code 20} for a single value. */
        @Override
        public String toString() {
            if (min != null && min.equals(max)) {
                return String.valueOf(min);
            }
            return (min == null ? "" : String.valueOf(min)) + ".." + (max == null ? "" : String.valueOf(max));
        }
    }

    public SearchFilter {
        pathPrefix = text(pathPrefix, "path prefix");
        generator = text(generator, "generator");
        modelName = text(modelName, "model name");
        sampler = text(sampler, "sampler");
        checkOrder("steps", steps);
        checkAtLeast("steps", steps, 0);
        cfg = finite("cfg", cfg);
        checkOrder("cfg", cfg);
        checkOrder("width", width);
        checkAtLeast("width", width, 1);
        checkOrder("height", height);
        checkAtLeast("height", height, 1);
        checkOrder("modified", modified);
        if (modified != null) {
            // Records keep times to the microsecond: a bound between two microseconds is moved to the one records
            // can have, so that stores comparing microseconds and this filter comparing instants agree.
            modified = new Range<>(modified.min() == null ? null : ceilMicros(modified.min()),
                    modified.max() == null ? null : modified.max().truncatedTo(ChronoUnit.MICROS));
        }
        if (minScore != null && !(minScore >= -1 && minScore <= 1)) {
            throw new InvalidInputException("Filter minScore is " + minScore + "; expected a similarity from -1 to 1");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.pathPrefix = pathPrefix;
        b.generator = generator;
        b.modelName = modelName;
        b.sampler = sampler;
        b.seed = seed;
        b.steps = steps;
        b.cfg = cfg;
        b.width = width;
        b.height = height;
        b.modified = modified;
        b.minScore = minScore;
        b.distinct = distinct;
        return b;
    }

    /** Only images whose path starts with {@code prefix}, compared as text; see {@link Builder#folder(String)}. */
    public static SearchFilter pathPrefix(String prefix) {
        return builder().pathPrefix(prefix).build();
    }

    public static SearchFilter generator(String generator) {
        return builder().generator(generator).build();
    }

    public static SearchFilter modelName(String modelName) {
        return builder().modelName(modelName).build();
    }

    public SearchFilter withPathPrefix(String prefix) {
        return toBuilder().pathPrefix(prefix).build();
    }

    public SearchFilter withGenerator(String value) {
        return toBuilder().generator(value).build();
    }

    public SearchFilter withModelName(String value) {
        return toBuilder().modelName(value).build();
    }

    /** True when nothing is restricted: no record condition, no minimum score, no distinct. */
    public boolean isEmpty() {
        return !restrictsImages() && minScore == null && distinct == null;
    }

    /** True when some condition on the records is set (everything but {@link #minScore} and {@link #distinct}). */
    public boolean restrictsImages() {
        return pathPrefix != null || generator != null || modelName != null || restrictsSettings() || width != null
                || height != null || modified != null;
    }

    /** True when a condition on the {@link GenerationSettings} (sampler, seed, steps, CFG) is set. */
    public boolean restrictsSettings() {
        return sampler != null || seed != null || steps != null || cfg != null;
    }

    /**
     * Whether {@code record} passes the conditions on records: the reference for every store's query (status aside:
     * stores never return failed records).
     */
    public boolean matches(ImageRecord record) {
        if (pathPrefix != null && !record.path().startsWith(pathPrefix)) {
            return false;
        }
        if (generator != null && !generator.equals(generatorOf(record))) {
            return false;
        }
        if (modelName != null && !modelName.equals(record.modelName())) {
            return false;
        }
        if (restrictsSettings()) {
            GenerationSettings s = record.settings();
            if ((sampler != null && !sampler.equals(s.sampler())) || (seed != null && !seed.equals(s.seed()))
                    || (steps != null && !steps.contains(s.steps())) || (cfg != null && !cfg.contains(s.cfg()))) {
                return false;
            }
        }
        if (width != null && !(record.width() > 0 && width.contains(record.width()))) {
            return false;
        }
        if (height != null && !(record.height() > 0 && height.contains(record.height()))) {
            return false;
        }
        return modified == null || modified.contains(record.modifiedAt());
    }

    /** Whether a hit with this similarity passes {@link #minScore}. */
    public boolean passesScore(double score) {
        return minScore == null || score >= minScore;
    }

    /** A record's generator as filters see it: {@code none} when it has none. */
    public static String generatorOf(ImageRecord record) {
        return record.generator() == null ? NO_GENERATOR : record.generator();
    }

    /** The conditions set, e.g. {@code generator comfyui, steps 20..40, distinct prompt}; "no filter" for none. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        add(parts, "path prefix", pathPrefix);
        add(parts, "generator", generator);
        add(parts, "model", modelName);
        add(parts, "sampler", sampler);
        add(parts, "seed", seed);
        add(parts, "steps", steps);
        add(parts, "cfg", cfg);
        add(parts, "width", width);
        add(parts, "height", height);
        add(parts, "modified", modified);
        add(parts, "min score", minScore);
        add(parts, "distinct", distinct == null ? null : distinct.name().toLowerCase(java.util.Locale.ROOT));
        return parts.isEmpty() ? "no filter" : String.join(", ", parts);
    }

    @Override
    public String toString() {
        return "SearchFilter[" + describe() + "]";
    }

    private static void add(List<String> parts, String name, Object value) {
        if (value != null) {
            parts.add(name + " " + value);
        }
    }

    private static String text(String value, String what) {
        NulChecks.requireNoNul(value, "Filter " + what);
        if (value != null && value.isBlank()) {
            throw new InvalidInputException("Filter " + what + " is blank; leave it null to not filter on it");
        }
        return value;
    }

    private static <T extends Comparable<? super T>> void checkOrder(String what, Range<T> range) {
        if (range != null && range.min() != null && range.max() != null && range.min().compareTo(range.max()) > 0) {
            throw new InvalidInputException("Filter " + what + " is " + range.min() + ".." + range.max()
                    + "; expected MIN <= MAX");
        }
    }

    private static void checkAtLeast(String what, Range<Integer> range, int least) {
        if (range != null && ((range.min() != null && range.min() < least) || (range.max() != null && range.max() < least))) {
            throw new InvalidInputException("Filter " + what + " is " + range + "; expected values of " + least
                    + " or more");
        }
    }

    private static Range<Double> finite(String what, Range<Double> range) {
        if (range == null) {
            return null;
        }
        for (Double d : new Double[] {range.min(), range.max()}) {
            if (d != null && !Double.isFinite(d)) {
                throw new InvalidInputException("Filter " + what + " is " + range + "; expected finite numbers");
            }
        }
        // -0.0 and 0.0 are one value to SQL; Double.compareTo would order them.
        return new Range<>(range.min() == null ? null : range.min() + 0.0, range.max() == null ? null : range.max() + 0.0);
    }

    private static Instant ceilMicros(Instant t) {
        Instant down = t.truncatedTo(ChronoUnit.MICROS);
        return down.equals(t) ? t : down.plus(1, ChronoUnit.MICROS);
    }

    /** Collects a {@link SearchFilter}; {@link #build()} validates. Every setter takes null to clear it. */
    public static final class Builder {
        private String pathPrefix;
        private String generator;
        private String modelName;
        private String sampler;
        private Long seed;
        private Range<Integer> steps;
        private Range<Double> cfg;
        private Range<Integer> width;
        private Range<Integer> height;
        private Range<Instant> modified;
        private Double minScore;
        private Distinct distinct;

        private Builder() {
        }

        /** Only paths starting with {@code prefix}, compared as text ({@code /a/b} also matches {@code /a/b2}). */
        public Builder pathPrefix(String prefix) {
            this.pathPrefix = prefix;
            return this;
        }

        /**
         * Only images in {@code folder} and its subfolders: {@code /data/sd} matches {@code /data/sd/x.png} and
         * {@code /data/sd/a/y.png}, not {@code /data/sd2/z.png}. Give it as the store keeps paths (the pipeline
         * stores absolute, normalised paths); trailing separators are ignored.
         */
        public Builder folder(String folder) {
            if (folder == null) {
                this.pathPrefix = null;
                return this;
            }
            if (folder.isEmpty()) {
                throw new InvalidInputException("Filter folder is empty; expected a folder path");
            }
            int end = folder.length();
            while (end > 1 && isSeparator(folder.charAt(end - 1))) {
                end--;
            }
            String base = folder.substring(0, end);
            this.pathPrefix = isSeparator(base.charAt(base.length() - 1)) ? base : base + File.separatorChar;
            return this;
        }

        /**
         * {@link #folder(String)} for a path, written as the bulk pipeline writes the paths it stores
         * ({@code BulkEmbeddingPipeline.storedPath}: absolute, normalised, undecodable name bytes as {@code \xHH}).
         */
        public Builder folder(Path folder) {
            return folder(folder == null ? null : StoredPaths.of(folder));
        }

        /** A front-end id; {@code none} selects images without metadata. */
        public Builder generator(String generator) {
            this.generator = generator;
            return this;
        }

        public Builder modelName(String modelName) {
            this.modelName = modelName;
            return this;
        }

        public Builder sampler(String sampler) {
            this.sampler = sampler;
            return this;
        }

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        /** Steps from {@code min} to {@code max}, both included; either may be null (open). */
        public Builder steps(Integer min, Integer max) {
            return steps(range(min, max));
        }

        public Builder steps(Range<Integer> range) {
            this.steps = range;
            return this;
        }

        /** CFG scale from {@code min} to {@code max}, both included; either may be null (open). */
        public Builder cfg(Double min, Double max) {
            return cfg(range(min, max));
        }

        public Builder cfg(Range<Double> range) {
            this.cfg = range;
            return this;
        }

        /** Width in pixels from {@code min} to {@code max}, both included; either may be null (open). */
        public Builder width(Integer min, Integer max) {
            return width(range(min, max));
        }

        public Builder width(Range<Integer> range) {
            this.width = range;
            return this;
        }

        /** Height in pixels from {@code min} to {@code max}, both included; either may be null (open). */
        public Builder height(Integer min, Integer max) {
            return height(range(min, max));
        }

        public Builder height(Range<Integer> range) {
            this.height = range;
            return this;
        }

        /** Exactly this size in pixels. */
        public Builder size(int width, int height) {
            return width(Range.exactly(width)).height(Range.exactly(height));
        }

        /** Files modified from {@code from} to {@code to}, both included; either may be null (open). */
        public Builder modified(Instant from, Instant to) {
            return modified(range(from, to));
        }

        public Builder modified(Range<Instant> range) {
            this.modified = range;
            return this;
        }

        /** Only hits at least this similar to the query, -1 to 1. */
        public Builder minScore(Double minScore) {
            this.minScore = minScore;
            return this;
        }

        public Builder distinct(Distinct distinct) {
            this.distinct = distinct;
            return this;
        }

        public SearchFilter build() {
            return new SearchFilter(pathPrefix, generator, modelName, sampler, seed, steps, cfg, width, height,
                    modified, minScore, distinct);
        }

        private static <T extends Comparable<? super T>> Range<T> range(T min, T max) {
            return min == null && max == null ? null : new Range<>(min, max);
        }

        private static boolean isSeparator(char c) {
            return c == '/' || c == File.separatorChar;
        }
    }
}
