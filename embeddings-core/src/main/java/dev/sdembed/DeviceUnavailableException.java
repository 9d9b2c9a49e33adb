package dev.sdembed;

/** The device an encoder was pinned to (for example {@code cuda:0}) cannot be used on this machine. */
public class DeviceUnavailableException extends ModelLoadException {
    private static final long serialVersionUID = 1L;

    public DeviceUnavailableException(String message) {
        super(message);
    }

    public DeviceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
