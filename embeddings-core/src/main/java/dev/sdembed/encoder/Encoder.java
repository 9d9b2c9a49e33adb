package dev.sdembed.encoder;

/**
 * An embedding model loaded into memory (often native memory): close it when done. Implementations are safe
 * to call from many threads and {@link #close()} is idempotent.
 */
public interface Encoder extends AutoCloseable {

    /** What this encoder is: name, modality, dimension, input limits, model fingerprint. */
    EncoderInfo info();

    @Override
    void close();
}
