package dev.sdembed.cli;

import dev.sdembed.runtime.FilterRequest;
import dev.sdembed.store.SearchFilter;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import picocli.CommandLine.Option;

/**
 * The filters of {@code search}, {@code similar} and {@code duplicates} (a picocli mixin): each option's text is
 * parsed by {@link FilterRequest} (with {@code FilterText}), so a bad value is refused naming the option, the value and the form expected, and
 * the whole becomes one {@link SearchFilter} the store applies in its query.
 */
public final class FilterOptions {
    @Option(names = "--generator", paramLabel = "ID", description = "Only images from this front-end: a1111,"
            + " comfyui, forge, ... as sdembed metadata prints it; none: files without generation metadata.")
    String generator;

    @Option(names = "--model", paramLabel = "NAME", description = "Only images made with this checkpoint, as the"
            + " metadata names it (exact).")
    String model;

    @Option(names = "--sampler", paramLabel = "NAME", description = "Only images made with this sampler, as the"
            + " metadata names it (exact, e.g. 'DPM++ 2M Karras').")
    String sampler;

    @Option(names = "--seed", paramLabel = "N", description = "Only images with this seed.")
    String seed;

    @Option(names = "--steps", paramLabel = "MIN[..MAX]", description = "Only images with these sampling steps:"
            + " N, MIN..MAX, MIN.. or ..MAX (both ends included).")
    String steps;

    @Option(names = "--cfg", paramLabel = "MIN[..MAX]", description = "Only images with this CFG scale: N, MIN..MAX,"
            + " MIN.. or ..MAX (e.g. 5.5..7.5).")
    String cfg;

    @Option(names = "--size", paramLabel = "WxH", description = "Only images of exactly this size in pixels.")
    String size;

    @Option(names = "--width", paramLabel = "MIN[..MAX]", description = "Only images this wide, in pixels.")
    String width;

    @Option(names = "--height", paramLabel = "MIN[..MAX]", description = "Only images this high, in pixels.")
    String height;

    @Option(names = "--since", paramLabel = "DATE", description = "Only files modified on or after this date"
            + " (2024-05-01, or 2024-05-01T18:30; this computer's time zone unless Z or +02:00 follows).")
    String since;

    @Option(names = "--until", paramLabel = "DATE", description = "Only files modified on or before this date"
            + " (the whole day for a date).")
    String until;

    @Option(names = "--folder", paramLabel = "DIR", description = "Only images in this folder and its subfolders.")
    Path folder;

    @Option(names = "--min-score", paramLabel = "SIMILARITY", description = "Only hits at least this similar, -1"
            + " to 1 (for duplicates: links at least this similar, when above --threshold).")
    String minScore;

    @Option(names = "--distinct", paramLabel = "prompt|file", description = "One hit per identical prompt or per"
            + " identical file (the same bytes at several paths): the best of each stands for the others. For"
            + " duplicates: one member per prompt or file in each group.")
    String distinct;

    /** The filter the options describe; {@link SearchFilter#NONE} when none is given. */
    SearchFilter filter() {
        // The zone only reads --since and --until; looking it up loads the time-zone database (a few ms of every
        // one-shot search otherwise).
        return filter(since == null && until == null ? ZoneOffset.UTC : ZoneId.systemDefault());
    }

    SearchFilter filter(ZoneId zone) {
        return new FilterRequest(generator, model, sampler, seed, steps, cfg, size, width, height, since, until,
                folder == null ? null : folder.toString(), minScore, distinct).toFilter(zone, FilterOptions::option);
    }

    /** How the command line spells a filter: {@code minScore} is {@code --min-score}. */
    private static String option(String component) {
        return "--" + component.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code "; only <conditions>"} for a heading, or nothing without a filter. */
    static String describe(SearchFilter filter) {
        return filter.isEmpty() ? "" : "; only " + filter.describe();
    }
}
