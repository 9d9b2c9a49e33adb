package dev.sdembed.encoder;

import dev.sdembed.InvalidInputException;
import java.util.Objects;

/**
 * Describes a loaded encoder.
 *
 * @param name        human-readable model name, e.g. {@code bge-small-en-v1.5}
 * @param modality    what the encoder reads
 * @param dimension   length of every embedding it returns
 * @param maxTokens   text encoders: the longest token sequence the model takes (including special tokens);
 *                    0 for image encoders
 * @param imageSize   image encoders: the square input side in pixels (224, 336, ...); 0 for text encoders
 * @param fingerprint SHA-256 (lower-case hex) of the model file(s); changes whenever the weights change
 */
public record EncoderInfo(String name, Modality modality, int dimension, int maxTokens, int imageSize,
                          String fingerprint) {
    public EncoderInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modality, "modality");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (dimension <= 0) {
            throw new InvalidInputException("Encoder '" + name + "' has dimension " + dimension + "; expected > 0");
        }
        if (maxTokens < 0 || imageSize < 0) {
            throw new InvalidInputException("Encoder '" + name + "' has negative input limits: maxTokens="
                    + maxTokens + ", imageSize=" + imageSize);
        }
    }
}
