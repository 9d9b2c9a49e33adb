package dev.sdembed.store.spi;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ContentEmbedding;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.WriteBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The checks every {@link dev.sdembed.store.EmbeddingStore} runs before it touches its database, so all stores reject
 * the same inputs with the same {@link InvalidInputException} messages: slots by name, hash lists, a write batch's
 * vectors (dimension, unit norm) and contents, and a query encoder against its slot.
 */
public final class StoreChecks {

    /**
     * How far from 1 an embedding's L2 norm may be. Encoders normalise in float32 (error ~1e-6) or float16 (~1e-3);
     * an unnormalised model output is off by far more. Inner-product search is only cosine similarity for unit
     * vectors, so anything else would rank wrongly without an error.
     */
    public static final double NORM_TOLERANCE = 1e-2;

    private StoreChecks() {
    }

    /** The configured slots by name, rejecting two slots with one name. */
    public static Map<String, SlotSpec> slotsByName(Collection<SlotSpec> slots) {
        if (slots == null || slots.isEmpty()) {
            throw new InvalidInputException("No slots configured; a store needs at least one slot");
        }
        Map<String, SlotSpec> byName = new LinkedHashMap<>();
        for (SlotSpec slot : slots) {
            if (slot == null) {
                throw new InvalidInputException("Slot list contains null");
            }
            if (byName.putIfAbsent(slot.name(), slot) != null) {
                throw new InvalidInputException("Slot '" + slot.name() + "' is configured twice");
            }
        }
        return byName;
    }

    /** The slot called {@code name}, or an error naming the known ones. */
    public static SlotSpec slot(Map<String, SlotSpec> slots, String name) {
        SlotSpec slot = slots.get(name);
        if (slot == null) {
            throw new InvalidInputException("Unknown slot '" + name + "'; this store has slots " + List.copyOf(slots.keySet()));
        }
        return slot;
    }

    /** The hashes of a lookup as a list, rejecting a null collection or a null element by position. */
    public static List<ContentHash> hashes(Collection<ContentHash> hashes) {
        if (hashes == null) {
            throw new InvalidInputException("Hash collection is null");
        }
        List<ContentHash> list = new ArrayList<>(hashes.size());
        for (ContentHash h : hashes) {
            if (h == null) {
                throw new InvalidInputException("Hash collection contains null at position " + list.size());
            }
            list.add(h);
        }
        return list;
    }

    /** Checks every embedding of the batch against its slot. */
    public static void checkBatch(WriteBatch batch, Map<String, SlotSpec> slots) {
        if (batch == null) {
            throw new InvalidInputException("Write batch is null");
        }
        for (ContentEmbedding e : batch.embeddings()) {
            SlotSpec slot = slot(slots, e.slot());
            // The message is built only for a bad vector: hex-formatting every hash cost a batch more than the check.
            checkVector(slot, e.embedding(), () -> "Embedding of content " + e.content().shortHex());
        }
    }

    /**
     * The contents of {@code slot}'s embeddings in {@code batch} that the batch does not carry itself, in batch
     * order: the store must already hold them. An embedding never outlives its content, and stores check this per
     * batch in one lookup instead of per row.
     */
    public static List<ContentHash> contentsOutsideBatch(WriteBatch batch, SlotSpec slot) {
        Set<ContentHash> carried = new HashSet<>();
        if (slot.modality() == Modality.TEXT) {
            batch.texts().forEach(t -> carried.add(t.hash()));
        } else {
            batch.images().forEach(i -> carried.add(i.hash()));
        }
        List<ContentHash> outside = new ArrayList<>();
        for (ContentEmbedding e : batch.embeddings()) {
            if (e.slot().equals(slot.name()) && !carried.contains(e.content())) {
                outside.add(e.content());
            }
        }
        return outside;
    }

    /** The error for embeddings whose content is neither in their batch nor in the store. */
    public static InvalidInputException missingContent(SlotSpec slot, ContentHash first, int missing) {
        String kind = slot.modality() == Modality.TEXT ? "text" : "image";
        return new InvalidInputException("Embedding of content " + first.shortHex() + " for slot '" + slot.name()
                + "' has no " + kind + " content: it is neither in the batch nor in the store"
                + (missing > 1 ? " (" + missing + " such embeddings in the batch)" : "")
                + "; put the content in the same batch, or write it before");
    }

    /** Checks that {@code embedding} fits {@code slot}: its dimension and unit length. */
    public static void checkVector(SlotSpec slot, Embedding embedding, String what) {
        checkVector(slot, embedding, () -> what);
    }

    private static void checkVector(SlotSpec slot, Embedding embedding, Supplier<String> what) {
        if (embedding.dimension() != slot.dimension()) {
            throw new InvalidInputException(what.get() + " has " + embedding.dimension() + " dimensions but slot '"
                    + slot.name() + "' (" + slot.encoderName() + ") holds " + slot.dimension()
                    + "; embed it with the slot's encoder or configure a slot of that dimension");
        }
        double norm = embedding.norm();
        if (Math.abs(norm - 1) > NORM_TOLERANCE) {
            throw new InvalidInputException(what.get() + " for slot '" + slot.name() + "' has L2 norm " + (float) norm
                    + "; expected an L2-normalised vector (norm 1 ± " + NORM_TOLERANCE + ")");
        }
    }

    /**
     * Checks that a query's encoder reads what the query is ({@code expected}: text or image), that {@code slot}
     * holds that modality, and then that the encoder is the slot's ({@link SlotSpec#requireEncoder}), so a query lands
     * in the slot's space.
     */
    public static void checkEncoder(SlotSpec slot, EncoderInfo info, Modality expected) {
        if (info.modality() != expected) {
            throw new InvalidInputException("Query encoder '" + info.name() + "' reads " + info.modality()
                    + " but the query needs a " + expected + " encoder for slot '" + slot.name() + "'");
        }
        if (slot.modality() != expected) {
            throw new InvalidInputException("Slot '" + slot.name() + "' holds " + slot.modality()
                    + " embeddings; a " + expected + " query cannot be embedded with its encoder");
        }
        slot.requireEncoder(info);
    }
}
