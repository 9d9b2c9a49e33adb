package dev.sdembed;

/** The embedding store failed: connection lost, migration failed, constraint violated. */
public class StoreException extends SdembedException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
