package dev.sdembed.server.internal;

import dev.sdembed.runtime.FilterRequest;
import dev.sdembed.store.SearchFilter;
import java.time.ZoneId;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every query parameter of the search, similar and duplicates routes, parsed and checked in one place: the filters
 * (parsed by the runtime's {@link FilterRequest}, as the command line parses its filter options, into a
 * {@link SearchFilter} the store applies in its query), the page ({@code offset} and {@code k}, alias {@code limit})
 * and the route's own parameters. A parameter no route knows is an error naming the known ones, so a typo never
 * silently widens a search.
 */
public final class SearchParams {
    /** Hits or groups per page by default. */
    public static final int DEFAULT_PAGE = 20;

    /**
     * The filter parameters, in the order the API documents them. {@code date} is a day or a range of days
     * ({@code 2024-05-01..2024-05-31}, either end open), the same as {@code since} and {@code until} together.
     */
    private static final List<String> FILTERS = List.of("folder", "generator", "model", "sampler", "seed", "steps",
            "cfg", "size", "width", "height", "date", "since", "until", "minScore", "distinct");

    private final Map<String, List<String>> query;
    private final Set<String> allowed;

    /**
     * @param query      the request's query parameters
     * @param routeNames the route's own parameters besides the filters and the page
     */
    public SearchParams(Map<String, List<String>> query, Set<String> routeNames) {
        this.query = query;
        this.allowed = new LinkedHashSet<>(routeNames);
        allowed.addAll(FILTERS);
        allowed.addAll(List.of("k", "limit", "offset"));
        for (String name : query.keySet()) {
            if (!allowed.contains(name)) {
                throw ApiException.badRequest("unknown parameter '" + name + "'; expected one of "
                        + new TreeSet<>(allowed));
            }
        }
    }

    /** The filter parameters every search, similar and duplicates route takes. */
    public static List<String> filters() {
        return FILTERS;
    }

    /** The filter the parameters describe; {@link SearchFilter#NONE} when none is given. */
    public SearchFilter filter() {
        String date = text("date", 64);
        String since = text("since", 64);
        String until = text("until", 64);
        if (date != null) {
            if (since != null || until != null) {
                throw ApiException.badRequest("parameter 'date' gives the date range that 'since' and 'until' give;"
                        + " use one or the other");
            }
            int dots = date.indexOf("..");
            since = dots < 0 ? date : date.substring(0, dots).isBlank() ? null : date.substring(0, dots);
            until = dots < 0 ? date : date.substring(dots + 2).isBlank() ? null : date.substring(dots + 2);
        }
        return new FilterRequest(text("generator", 64), text("model", 512), text("sampler", 128), text("seed", 32),
                text("steps", 32), text("cfg", 64), text("size", 32), text("width", 32), text("height", 32), since,
                until, text("folder", 4096), text("minScore", 32), text("distinct", 16))
                .toFilter(ZoneId.systemDefault(), name -> name);
    }

    /** A single-valued parameter, null when absent; blank, repeated or longer than {@code maxLength} is an error. */
    public String text(String name, int maxLength) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw ApiException.badRequest("parameter '" + name + "' is given " + values.size() + " times; give it once");
        }
        String v = values.get(0);
        if (v.isBlank()) {
            throw ApiException.badRequest("parameter '" + name + "' is empty");
        }
        if (v.length() > maxLength) {
            throw ApiException.badRequest("parameter '" + name + "' has " + v.length() + " characters; at most "
                    + maxLength + " are accepted");
        }
        if (v.indexOf('\0') >= 0) {
            throw ApiException.badRequest("parameter '" + name + "' contains a NUL character");
        }
        return v;
    }

    /** A required parameter. */
    public String requiredText(String name, int maxLength) {
        String v = text(name, maxLength);
        if (v == null) {
            throw ApiException.badRequest("parameter '" + name + "' is missing");
        }
        return v;
    }

    /** A whole number from {@code min} to {@code max}; {@code fallback} when absent. */
    public int integer(String name, int fallback, int min, int max) {
        String v = text(name, 20);
        if (v == null) {
            return fallback;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("parameter '" + name + "' is '" + v + "'; expected a whole number from "
                    + min + " to " + max);
        }
        if (n < min || n > max) {
            throw ApiException.badRequest("parameter '" + name + "' is " + n + "; expected " + min + " to " + max);
        }
        return (int) n;
    }

    /** A number in ({@code exclusiveMin}, {@code max}]; {@code fallback} when absent. */
    public double number(String name, double fallback, double exclusiveMin, double max) {
        String v = text(name, 32);
        if (v == null) {
            return fallback;
        }
        double d;
        try {
            d = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            d = Double.NaN;
        }
        if (!(d > exclusiveMin && d <= max)) {
            throw ApiException.badRequest("parameter '" + name + "' is '" + v + "'; expected a number greater than "
                    + exclusiveMin + " and at most " + max);
        }
        return d;
    }

    /** One of {@code choices} (case-insensitive, returned lower-case); {@code fallback} when absent. */
    public String choice(String name, String fallback, List<String> choices) {
        String v = text(name, 64);
        if (v == null) {
            return fallback;
        }
        String lower = v.toLowerCase(Locale.ROOT);
        if (!choices.contains(lower)) {
            throw ApiException.badRequest("parameter '" + name + "' is '" + v + "'; expected one of " + choices);
        }
        return lower;
    }

    /**
     * The page asked for: {@code offset} (0 on) and {@code k} or its alias {@code limit} (1 to {@code maxPage}),
     * with {@code offset + k} at most {@code maxEnd} (the deepest a ranking is computed).
     */
    public Page page(int maxPage, int maxEnd) {
        int k = integer("k", -1, 1, maxPage);
        int limit = integer("limit", -1, 1, maxPage);
        if (k > 0 && limit > 0 && k != limit) {
            throw ApiException.badRequest("parameters 'k' (" + k + ") and 'limit' (" + limit
                    + ") disagree; 'limit' is another name for 'k': give one");
        }
        int size = k > 0 ? k : limit > 0 ? limit : Math.min(DEFAULT_PAGE, maxPage);
        int offset = integer("offset", 0, 0, maxEnd - 1);
        if ((long) offset + size > maxEnd) {
            throw ApiException.badRequest("offset " + offset + " + k " + size + " is past " + maxEnd
                    + ", the deepest page served; narrow the search with filters instead");
        }
        return new Page(offset, size);
    }

    /** {@code k} results from {@code offset}. */
    public record Page(int offset, int k) {
        public int end() {
            return offset + k;
        }

        /** The next page's offset when this one was full and {@code maxEnd} allows more, else null. */
        public Integer next(int returned, int available, int maxEnd) {
            return returned == k && available > end() && end() < maxEnd ? end() : null;
        }
    }

    /** A folder as a path prefix: with its trailing separator, so {@code /a/b} does not match {@code /a/bc}. */
}
