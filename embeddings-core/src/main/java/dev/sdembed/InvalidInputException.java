package dev.sdembed;

/** An argument was rejected before any work was done: null text, wrong dimension, NaN component, bad option. */
public class InvalidInputException extends SdembedException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
