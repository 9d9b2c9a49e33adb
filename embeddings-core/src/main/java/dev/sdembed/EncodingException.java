package dev.sdembed;

/** Inference failed at run time (the runtime rejected a tensor, ran out of memory, ...). */
public class EncodingException extends SdembedException {
    private static final long serialVersionUID = 1L;

    public EncodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
