package dev.sdembed.encoder;

/**
 * An embedding model loaded into memory (often native memory): close it when done. Implementations are safe
 * to call from many threads and {@link #close()} is idempotent.
 */
public interface Encoder extends AutoCloseable {

    /** What this encoder is: name, modality, dimension, input limits, model fingerprint. */
    EncoderInfo info();

    /**
     * The device this encoder actually runs on (after any fallback). The bulk pipeline runs encoders that share a
     * device one at a time and encoders on different devices concurrently. Default {@link Device#CPU}: an encoder
     * that does not say is assumed to use the machine's cores.
     */
    default Device device() {
        return Device.CPU;
    }

    @Override
    void close();
}
