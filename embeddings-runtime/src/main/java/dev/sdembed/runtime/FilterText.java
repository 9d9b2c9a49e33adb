package dev.sdembed.runtime;

import dev.sdembed.InvalidInputException;
import dev.sdembed.metadata.Generator;
import dev.sdembed.store.SearchFilter;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text forms of {@link SearchFilter} values that front ends accept (command-line options, query parameters),
 * parsed in one place. Every error is an {@link InvalidInputException} naming the option or parameter as the caller
 * gives it, the value and what was expected: {@code --steps is '20..x'; expected N or MIN..MAX}.
 *
 * <ul>
 *   <li>Ranges: {@code N}, {@code MIN..MAX}, or an open end ({@code 20..}, {@code ..40}); both ends included.</li>
 *   <li>Sizes: {@code WxH}, e.g. {@code 832x1216}.</li>
 *   <li>Times: a date ({@code 2024-05-01}: from its first instant, or up to its last for the end of a range) or a date
 *       and time ({@code 2024-05-01T18:30}), in the given zone unless it names one ({@code Z}, {@code +02:00}).</li>
 * </ul>
 */
public final class FilterText {
    private static final Pattern SIZE = Pattern.compile("\\s*(\\d{1,9})\\s*[xX\u00d7]\\s*(\\d{1,9})\\s*");

    private FilterText() {
    }

    /** A range of whole numbers, each at least {@code least}: steps, widths, heights. */
    public static SearchFilter.Range<Integer> wholeRange(String name, String text, int least) {
        SearchFilter.Range<Integer> range = range(name, text, "", s -> {
            long v = Long.parseLong(s);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new NumberFormatException(s);
            }
            return (int) v;
        });
        for (Integer v : new Integer[] {range.min(), range.max()}) {
            if (v != null && v < least) {
                throw new InvalidInputException(name + " is '" + text.strip() + "'; expected values of " + least
                        + " or more");
            }
        }
        return range;
    }

    /** A range of decimal numbers: CFG scales. */
    public static SearchFilter.Range<Double> decimalRange(String name, String text) {
        return range(name, text, ", e.g. 7 or 5.5..7.5", s -> {
            if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)")) {
                throw new NumberFormatException(s);
            }
            return Double.parseDouble(s) + 0.0;
        });
    }

    private static <T extends Comparable<? super T>> SearchFilter.Range<T> range(String name, String text,
                                                                               String example,
                                                                               Function<String, T> parse) {
        String s = text == null ? "" : text.strip();
        String expected = name + " is '" + s + "'; expected N or MIN..MAX" + example;
        int dots = s.indexOf("..");
        try {
            if (dots < 0) {
                if (s.isEmpty()) {
                    throw new InvalidInputException(expected);
                }
                return SearchFilter.Range.exactly(parse.apply(s));
            }
            String left = s.substring(0, dots).strip();
            String right = s.substring(dots + 2).strip();
            if ((left.isEmpty() && right.isEmpty()) || right.contains("..")) {
                throw new InvalidInputException(expected);
            }
            T min = left.isEmpty() ? null : parse.apply(left);
            T max = right.isEmpty() ? null : parse.apply(right);
            if (min != null && max != null && min.compareTo(max) > 0) {
                throw new InvalidInputException(name + " is '" + s + "'; expected MIN <= MAX");
            }
            return new SearchFilter.Range<>(min, max);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(expected);
        }
    }

    /** {@code WxH} as {@code {width, height}}, each at least 1. */
    public static int[] size(String name, String text) {
        Matcher m = text == null ? null : SIZE.matcher(text);
        if (m == null || !m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(2)) < 1) {
            throw new InvalidInputException(name + " is '" + (text == null ? "" : text.strip())
                    + "'; expected WxH, e.g. 832x1216");
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /** The first instant {@code text} names: a date's start of day in {@code zone}, or the date and time given. */
    public static Instant from(String name, String text, ZoneId zone) {
        return time(name, text, zone, false);
    }

    /** The last instant {@code text} names: a date's last microsecond in {@code zone}, or the date and time given. */
    public static Instant until(String name, String text, ZoneId zone) {
        return time(name, text, zone, true);
    }

    private static Instant time(String name, String text, ZoneId zone, boolean end) {
        String s = text == null ? "" : text.strip();
        try {
            if (s.length() == 10) {
                LocalDate day = LocalDate.parse(s);
                return end ? day.plusDays(1).atStartOfDay(zone).toInstant().minus(1, ChronoUnit.MICROS)
                        : day.atStartOfDay(zone).toInstant();
            }
            if (s.endsWith("Z") || s.matches(".*[+-]\\d\\d:?\\d\\d$")) {
                return OffsetDateTime.parse(s).toInstant();
            }
            return LocalDateTime.parse(s).atZone(zone).toInstant();
        } catch (DateTimeException e) {
            throw new InvalidInputException(name + " is '" + s + "'; expected a date (2024-05-01) or a date and time "
                    + "(2024-05-01T18:30; add Z or an offset such as +02:00 for another zone than " + zone + ")");
        }
    }

    /** A whole number such as a seed. */
    public static long whole(String name, String text) {
        try {
            return Long.parseLong(text == null ? "" : text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(name + " is '" + (text == null ? "" : text.strip())
                    + "'; expected a whole number from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE);
        }
    }

    /** A similarity from -1 to 1. */
    public static double similarity(String name, String text) {
        String s = text == null ? "" : text.strip();
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!(v >= -1 && v <= 1)) {
            throw new InvalidInputException(name + " is '" + s + "'; expected a similarity from -1 to 1");
        }
        return v;
    }

    /** {@code prompt} or {@code file}, in any case. */
    public static SearchFilter.Distinct distinct(String name, String text) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "prompt" -> SearchFilter.Distinct.PROMPT;
            case "file" -> SearchFilter.Distinct.FILE;
            default -> throw new InvalidInputException(name + " is '" + (text == null ? "" : text.strip())
                    + "'; expected prompt (one hit per identical prompt) or file (one per identical file)");
        };
    }

    /**
     * A generator id as the metadata reader writes it ({@code a1111}, {@code comfyui}, ..., {@code none} for files
     * without generation metadata), in any case; another name is refused, listing the known ones, so a typo never
     * silently finds nothing.
     */
    public static String generator(String name, String text) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        for (Generator g : Generator.values()) {
            if (g.id().equals(s)) {
                return s;
            }
        }
        throw new InvalidInputException(name + " is '" + (text == null ? "" : text.strip()) + "'; expected one of "
                + String.join(", ", Arrays.stream(Generator.values()).map(Generator::id).toList()));
    }
}
