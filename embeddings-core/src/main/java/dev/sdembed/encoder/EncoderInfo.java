package dev.sdembed.encoder;

import dev.sdembed.Checks;
import java.util.Objects;

/**
 * Describes a loaded encoder.
 *
 * @param name           human-readable model name, e.g. {@code bge-small-en-v1.5}
 * @param modality       what the encoder reads
 * @param dimension      length of every embedding it returns
 * @param maxTokens      text encoders: the longest token sequence the model takes (including special tokens);
 *                       0 for image encoders
 * @param imageSize      image encoders: the square input side in pixels (224, 336, ...); 0 for text encoders
 * @param fingerprint    SHA-256 (lower-case hex) of the model file(s); changes whenever the weights change
 * @param embeddingSpace the joint embedding space the encoder maps into (e.g. {@code openclip-vit-h-14}), as its
 *                       model declares it; null when undeclared. A text and an image encoder with the same space
 *                       make text-to-image search possible; see {@link #sharesSpaceWith(EncoderInfo)}
 */
public record EncoderInfo(String name, Modality modality, int dimension, int maxTokens, int imageSize,
                          String fingerprint, String embeddingSpace) {
    public EncoderInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modality, "modality");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Checks.positive("Encoder '" + name + "' dimension", dimension);
        Checks.atLeast("Encoder '" + name + "' maxTokens", maxTokens, 0);
        Checks.atLeast("Encoder '" + name + "' imageSize", imageSize, 0);
        if (embeddingSpace != null && embeddingSpace.isBlank()) {
            embeddingSpace = null;
        }
    }

    /** An encoder that declares no embedding space. */
    public EncoderInfo(String name, Modality modality, int dimension, int maxTokens, int imageSize,
                       String fingerprint) {
        this(name, modality, dimension, maxTokens, imageSize, fingerprint, null);
    }

    /**
     * Whether embeddings of this encoder and {@code other} can be compared: both declare the same embedding space
     * and have the same dimension. Encoders without a declared space share it with nothing.
     */
    public boolean sharesSpaceWith(EncoderInfo other) {
        return embeddingSpace != null && other != null && embeddingSpace.equals(other.embeddingSpace)
                && dimension == other.dimension;
    }
}
