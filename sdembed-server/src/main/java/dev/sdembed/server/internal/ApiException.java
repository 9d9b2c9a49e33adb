package dev.sdembed.server.internal;

/**
 * A request the server answers with {@code status} and {@code {"error": message}}: what was wrong with it, in words
 * a client can act on. Thrown by routes and the parameter parsing; the one exception mapper turns it into the answer.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String retryAfter;

    public ApiException(int status, String message) {
        this(status, message, null);
    }

    private ApiException(int status, String message, String retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, message);
    }

    /** 503 with {@code Retry-After: seconds}. */
    public static ApiException overloaded(String message, int seconds) {
        return new ApiException(503, message, Integer.toString(seconds));
    }

    public int status() {
        return status;
    }

    /** The {@code Retry-After} value, or null. */
    public String retryAfter() {
        return retryAfter;
    }
}
