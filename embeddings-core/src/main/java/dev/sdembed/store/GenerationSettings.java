package dev.sdembed.store;

import java.util.Map;

/**
 * The generation settings an image record's {@link ImageRecord#parameters() parameters} state, typed: what
 * {@link SearchFilter} compares and what stores keep in columns of their own so filters on them run in the query.
 * This is the one reading of the parameters, so a filter evaluated in memory ({@link SearchFilter#matches}), a column
 * a store writes and one it back-fills from parameters stored before it had the column always agree.
 *
 * <p>A value that is missing, blank or does not parse (a seed of {@code "random"}, a CFG of {@code "NaN"}) is null,
 * and a filter on that setting never matches it.
 *
 * @param sampler the sampler as written, outer whitespace removed ({@code "DPM++ 2M Karras"}, {@code "euler"}), or null
 * @param seed    the seed, or null
 * @param steps   the sampling steps, or null
 * @param cfg     the CFG scale (finite; {@code -0.0} read as {@code 0.0}), or null
 */
public record GenerationSettings(String sampler, Long seed, Integer steps, Double cfg) {

    /** Parameter names the settings are read from (as the bulk pipeline writes them). */
    public static final String SAMPLER = "sampler";
    public static final String SEED = "seed";
    public static final String STEPS = "steps";
    public static final String CFG = "cfg";

    /** No setting known. */
    public static final GenerationSettings NONE = new GenerationSettings(null, null, null, null);

    /** The settings {@code parameters} state; null or empty parameters give {@link #NONE}. */
    public static GenerationSettings of(Map<String, String> parameters) {
        if (parameters == null || parameters.isEmpty()) {
            return NONE;
        }
        return of(parameters.get(SAMPLER), parameters.get(SEED), parameters.get(STEPS), parameters.get(CFG));
    }

    /** The settings from the four parameter values as stored (each may be null). */
    public static GenerationSettings of(String sampler, String seed, String steps, String cfg) {
        return new GenerationSettings(text(sampler), whole(seed), steps(steps), decimal(cfg));
    }

    private static String text(String value) {
        if (value == null) {
            return null;
        }
        String s = value.strip();
        return s.isEmpty() ? null : s;
    }

    private static Long whole(String value) {
        String s = text(value);
        if (s == null) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Integer steps(String value) {
        Long n = whole(value);
        return n == null || n < Integer.MIN_VALUE || n > Integer.MAX_VALUE ? null : n.intValue();
    }

    private static Double decimal(String value) {
        String s = text(value);
        if (s == null) {
            return null;
        }
        try {
            double d = Double.parseDouble(s);
            // + 0.0 turns -0.0 into 0.0: SQL compares them equal, Double.compareTo does not.
            return Double.isFinite(d) ? d + 0.0 : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
