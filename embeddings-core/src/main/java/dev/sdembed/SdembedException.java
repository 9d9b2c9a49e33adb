package dev.sdembed;

/**
 * The root of every exception sdembed throws. Unchecked, like Jdbi's {@code JdbiException}: callers catch the
 * subclass they can act on. Messages name the file, field, model or value at fault, never input text or vectors.
 */
public class SdembedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SdembedException(String message) {
        super(message);
    }

    public SdembedException(String message, Throwable cause) {
        super(message, cause);
    }
}
