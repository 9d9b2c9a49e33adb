package dev.sdembed;

/** A model directory or model file cannot be loaded: missing file, unreadable graph, contradicting manifest. */
public class ModelLoadException extends SdembedException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
