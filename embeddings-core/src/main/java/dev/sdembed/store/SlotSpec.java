package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One configured embedding slot: which encoder fills it and which contents it holds. A {@link Modality#TEXT} slot
 * holds embeddings of text contents (prompts and negative prompts share one key space), an {@link Modality#IMAGE}
 * slot embeddings of image files. Stores keep one embedding per content and slot.
 *
 * @param name           lower-case identifier such as {@code prompt_bge} or {@code image_clip_h}; stores use it in
 *                       table names, so it matches {@code [a-z][a-z0-9_]{0,47}}
 * @param modality       what the slot's contents are
 * @param dimension      length of every embedding in the slot
 * @param encoderName    the encoder that fills the slot, for humans
 * @param fingerprint    the encoder's model fingerprint; stored embeddings made with another fingerprint are stale
 * @param embeddingSpace slots declaring the same space are comparable (text to image search, e.g. CLIP ViT-H text
 *                       and vision towers); {@code null} when the slot is only comparable with itself
 */
public record SlotSpec(String name, Modality modality, int dimension, String encoderName, String fingerprint,
                       String embeddingSpace) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,47}");

    public SlotSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidInputException("Slot name '" + name
                    + "' is invalid; expected a lower-case identifier matching [a-z][a-z0-9_]{0,47}, e.g. prompt_bge");
        }
        if (modality == null) {
            throw new InvalidInputException("Slot '" + name + "' has no modality; expected TEXT or IMAGE");
        }
        if (dimension <= 0) {
            throw new InvalidInputException("Slot '" + name + "' has dimension " + dimension + "; expected > 0");
        }
        if (encoderName == null || encoderName.isBlank()) {
            throw new InvalidInputException("Slot '" + name + "' has no encoder name");
        }
        if (fingerprint == null || fingerprint.isBlank()) {
            throw new InvalidInputException("Slot '" + name + "' has no model fingerprint");
        }
        if (embeddingSpace != null && embeddingSpace.isBlank()) {
            throw new InvalidInputException("Slot '" + name + "' has a blank embedding space; use null for none");
        }
    }

    /** A slot filled by the encoder described by {@code info}, in the encoder's embedding space (if it declares one). */
    public static SlotSpec of(String name, EncoderInfo info) {
        return of(name, info, info == null ? null : info.embeddingSpace());
    }

    /** A slot filled by the encoder described by {@code info}, comparable with the other slots of {@code space}. */
    public static SlotSpec of(String name, EncoderInfo info, String embeddingSpace) {
        if (info == null) {
            throw new InvalidInputException("Slot '" + name + "' has no encoder info");
        }
        return new SlotSpec(name, info.modality(), info.dimension(), info.name(), info.fingerprint(), embeddingSpace);
    }

    /** True when vectors of this slot and {@code other} may be compared: the same slot or the same declared space. */
    public boolean comparableWith(SlotSpec other) {
        if (name.equals(other.name)) {
            return true;
        }
        return embeddingSpace != null && embeddingSpace.equals(other.embeddingSpace) && dimension == other.dimension;
    }

    /**
     * Checks that the encoder described by {@code info} is this slot's: the same modality, dimension and model
     * fingerprint. Another model's vectors live in another space, so storing them in this slot or searching it with
     * them would rank by noise without any error. Every place an encoder meets a slot calls this (the pipeline
     * builder, a store embedding a text or image query), so all of them say the same thing.
     *
     * @throws InvalidInputException naming the slot, both encoders (name, modality, dimension, fingerprint) and the fix
     */
    public void requireEncoder(EncoderInfo info) {
        if (info == null) {
            throw new InvalidInputException("Slot '" + name + "' has no encoder info to check");
        }
        boolean sameShape = info.modality() == modality && info.dimension() == dimension;
        if (sameShape && info.fingerprint().equals(fingerprint)) {
            return;
        }
        String fix = sameShape
                ? "embed with the slot's encoder, or open the store with SlotSpec.of(\"" + name + "\", encoder.info()) "
                        + "to fill the slot with this model (the other model's embeddings then become stale)"
                : "embed with the slot's encoder, or configure a new slot for this encoder";
        throw new InvalidInputException("Encoder '" + info.name() + "' (" + shape(info.modality(), info.dimension(),
                info.fingerprint()) + ") is not the encoder of slot '" + name + "' ('" + encoderName + "', "
                + shape(modality, dimension, fingerprint) + "); " + fix);
    }

    private static String shape(Modality modality, int dimension, String fingerprint) {
        return modality.name().toLowerCase(Locale.ROOT) + ", " + dimension + " dimensions, fingerprint "
                + ContentHash.shortHex(fingerprint);
    }
}
