package dev.sdembed.runtime;

import dev.sdembed.InvalidInputException;
import dev.sdembed.store.SearchFilter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.function.UnaryOperator;

/**
 * The filters of a search, similar or duplicates request as a front end receives them: text, each null when not
 * given. {@link #toFilter} parses every value with {@link FilterText} and checks combinations, naming each value
 * as its front end does ({@code --steps} on the command line, {@code steps} in a query string), so the command line
 * and the server accept the same forms and refuse the same mistakes alike.
 *
 * @param generator a generator id, {@code none} for files without generation metadata
 * @param model     a checkpoint name (exact)
 * @param sampler   a sampler name (exact)
 * @param seed      a seed
 * @param steps     {@code N} or {@code MIN..MAX} (either end open)
 * @param cfg       {@code N} or {@code MIN..MAX}
 * @param size      {@code WxH}: exactly this size
 * @param width     {@code MIN..MAX} pixels
 * @param height    {@code MIN..MAX} pixels
 * @param since     files modified on or after this date or date-time
 * @param until     files modified on or before this date (its whole day) or date-time
 * @param folder    a folder: its files and subfolders
 * @param minScore  a similarity from -1 to 1
 * @param distinct  {@code prompt} or {@code file}
 */
public record FilterRequest(String generator, String model, String sampler, String seed, String steps, String cfg,
                            String size, String width, String height, String since, String until, String folder,
                            String minScore, String distinct) {

    /**
     * The filter these values describe; {@link SearchFilter#NONE} when none is given.
     *
     * @param zone   the zone of dates and date-times that name none
     * @param nameOf how the caller names each record component, for messages ({@code "steps" -> "--steps"})
     */
    public SearchFilter toFilter(ZoneId zone, UnaryOperator<String> nameOf) {
        SearchFilter.Builder b = SearchFilter.builder();
        if (generator != null) {
            b.generator(FilterText.generator(nameOf.apply("generator"), generator));
        }
        b.modelName(text(nameOf.apply("model"), model)).sampler(text(nameOf.apply("sampler"), sampler));
        if (seed != null) {
            b.seed(FilterText.whole(nameOf.apply("seed"), seed));
        }
        if (steps != null) {
            b.steps(FilterText.wholeRange(nameOf.apply("steps"), steps, 0));
        }
        if (cfg != null) {
            b.cfg(FilterText.decimalRange(nameOf.apply("cfg"), cfg));
        }
        if (size != null) {
            if (width != null || height != null) {
                String other = width != null ? nameOf.apply("width") + " " + width.strip()
                        : nameOf.apply("height") + " " + height.strip();
                throw new InvalidInputException(nameOf.apply("size") + " " + size.strip() + " and " + other
                        + " both give the size; use " + nameOf.apply("size") + " WxH for an exact size or "
                        + nameOf.apply("width") + "/" + nameOf.apply("height") + " for ranges");
            }
            int[] wh = FilterText.size(nameOf.apply("size"), size);
            b.size(wh[0], wh[1]);
        }
        if (width != null) {
            b.width(FilterText.wholeRange(nameOf.apply("width"), width, 1));
        }
        if (height != null) {
            b.height(FilterText.wholeRange(nameOf.apply("height"), height, 1));
        }
        Instant from = since == null ? null : FilterText.from(nameOf.apply("since"), since, zone);
        Instant to = until == null ? null : FilterText.until(nameOf.apply("until"), until, zone);
        if (from != null && to != null && from.isAfter(to)) {
            throw new InvalidInputException(nameOf.apply("since") + " " + since.strip() + " is after "
                    + nameOf.apply("until") + " " + until.strip() + "; no file can be modified in between");
        }
        b.modified(from, to);
        if (folder != null) {
            String name = nameOf.apply("folder");
            try {
                // A relative folder is relative to the working folder, as the paths the pipeline stores are.
                b.folder(Path.of(text(name, folder)));
            } catch (InvalidPathException e) {
                throw new InvalidInputException(name + " is '" + folder + "'; expected a folder path (" + e.getReason()
                        + ")", e);
            }
        }
        if (minScore != null) {
            b.minScore(FilterText.similarity(nameOf.apply("minScore"), minScore));
        }
        if (distinct != null) {
            b.distinct(FilterText.distinct(nameOf.apply("distinct"), distinct));
        }
        return b.build();
    }

    private static String text(String name, String value) {
        if (value != null && value.isBlank()) {
            throw new InvalidInputException(name + " is empty; leave it out to not filter on it");
        }
        return value;
    }
}
