package dev.sdembed;

/**
 * The range checks of every setting and input, so that all of them fail alike: an {@link InvalidInputException}
 * reading {@code "<name> is <value>; expected <range>"}, e.g. {@code "maxBatchSize is 0; expected 1 to 4096"}. The
 * name is the one the caller knows (a builder property, a command-line option, a configuration key), so the
 * message points at what to change. As OkHttp routes every timeout through one {@code checkDuration}.
 *
 * <p>Each check returns the value, for {@code this.threads = Checks.inRange("threads", threads, 1, MAX_THREADS)}.
 * Public because every module checks its settings with it; it holds no state.
 */
public final class Checks {

    /**
     * The most threads any one setting takes (ONNX Runtime intra- and inter-op threads, decode threads, CPU
     * partitions). The largest two-socket servers have 384 cores (768 hardware threads), a two-GPU workstation 16 to
     * 64; more threads than cores only adds contention, so a value past 1,024 is a typo (an extra zero) that would
     * otherwise start that many threads, each with its own stack.
     */
    public static final int MAX_THREADS = 1024;

    private Checks() {
    }

    /** {@code value} if it is at least 1. */
    public static int positive(String name, int value) {
        return atLeast(name, value, 1);
    }

    /** {@code value} if it is at least 1. */
    public static long positive(String name, long value) {
        return atLeast(name, value, 1L);
    }

    /** {@code value} if it is a finite number above 0 (NaN and infinities are refused too). */
    public static double positive(String name, double value) {
        if (!Double.isFinite(value) || value <= 0) {
            throw refused(name, value, "a finite number above 0");
        }
        return value;
    }

    /** {@code value} if it is at least {@code min}. */
    public static int atLeast(String name, int value, int min) {
        return (int) atLeast(name, (long) value, min);
    }

    /** {@code value} if it is at least {@code min}. */
    public static long atLeast(String name, long value, long min) {
        if (value < min) {
            throw refused(name, value, "at least " + min);
        }
        return value;
    }

    /** {@code value} if it lies in {@code min} to {@code max}, both included. */
    public static int inRange(String name, int value, int min, int max) {
        return (int) inRange(name, (long) value, min, max);
    }

    /** {@code value} if it lies in {@code min} to {@code max}, both included. */
    public static long inRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw refused(name, value, min + " to " + max);
        }
        return value;
    }

    /** {@code value} if it is not null and lies in {@code min} to {@code max}, both included. */
    public static java.time.Duration inRange(String name, java.time.Duration value, java.time.Duration min,
                                             java.time.Duration max) {
        if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw refused(name, value == null ? "null" : format(value), format(min) + " to " + format(max));
        }
        return value;
    }

    /** A duration as people write it: {@code 500 ms}, {@code 2 s}, {@code 10 min}, {@code 7 d}, or in seconds. */
    public static String format(java.time.Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0 && ms != 0) {
            return ms / 86_400_000 + " d";
        }
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + " h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + " min";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + " s";
        }
        return ms + " ms";
    }

    private static InvalidInputException refused(String name, Object value, String expected) {
        return new InvalidInputException(name + " is " + value + "; expected " + expected);
    }
}
