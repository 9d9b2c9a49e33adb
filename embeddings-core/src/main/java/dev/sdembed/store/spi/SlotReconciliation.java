package dev.sdembed.store.spi;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.SlotSpec;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What opening a store does with a configured slot, given what the store's slot registry holds under that name.
 * Every store decides this the same way and says so in the same words: a slot keeps its contents' embeddings across
 * opens, a new model of the same shape takes the slot over with the old model's embeddings stale (not searched,
 * re-embedded by the next run), and a slot of another shape is refused, since its vectors could not be stored or
 * compared with the ones it holds.
 *
 * <pre>{@code
 * StoredSlot stored = readRegistry(slot.name());          // null when the store has no such slot
 * switch (SlotReconciliation.decide(slot, null, stored, "embedded store " + file)) {
 *     case CREATE -> { createTable(slot); register(slot); }
 *     case UPDATE -> updateRegistry(slot);                 // encoder name, fingerprint, embedding space
 *     case KEEP -> { }
 * }
 * }</pre>
 */
public enum SlotReconciliation {
    /** The store has no slot of that name: create its table and register it. Logged at INFO. */
    CREATE,
    /** The store holds the slot exactly as configured: nothing to do. */
    KEEP,
    /**
     * The same shape with another encoder name, model fingerprint or embedding space: write the configured values to
     * the registry. With a new fingerprint the slot's existing embeddings are stale until re-embedded (logged at
     * WARN), which the stores' fingerprint column already expresses, so no row is touched.
     */
    UPDATE;

    private static final Logger LOG = LoggerFactory.getLogger(SlotReconciliation.class);

    /**
     * A slot as a store's registry holds it.
     *
     * @param modality       what the slot's contents are
     * @param dimension      the length of its vectors
     * @param storage        how the store keeps the vectors when it has more than one way (PostgreSQL: {@code vector}
     *                       or {@code halfvec}); null for a store with one way. Part of the slot's shape.
     * @param encoderName    the encoder that filled it, for humans
     * @param fingerprint    the model fingerprint its current embeddings carry
     * @param embeddingSpace its declared embedding space, or null
     */
    public record StoredSlot(Modality modality, int dimension, String storage, String encoderName, String fingerprint,
                             String embeddingSpace) {

        /**
         * The entry as a registry row holds it, the modality by name in any case ({@code text}, {@code image}).
         *
         * @throws StoreException when the modality is neither: the registry was not written by a store
         */
        public static StoredSlot of(String modality, int dimension, String storage, String encoderName,
                                    String fingerprint, String embeddingSpace) {
            for (Modality m : Modality.values()) {
                if (m.name().equalsIgnoreCase(modality)) {
                    return new StoredSlot(m, dimension, storage, encoderName, fingerprint, embeddingSpace);
                }
            }
            throw new StoreException("The slot registry holds modality '" + modality + "'; expected one of "
                    + List.of(Modality.values()) + ". The store was changed by something other than sdembed");
        }
    }

    /**
     * Decides what opening a store does with {@code configured}.
     *
     * @param configured the slot as configured for this open
     * @param storage    how the store would keep its vectors (see {@link StoredSlot#storage()}); null for a store
     *                   with one way
     * @param stored     the registry's entry of that name, or null when there is none
     * @param where      the store as messages name it, e.g. {@code schema 'sdembed'} or
     *                   {@code embedded store /data/sdembed.db}
     * @throws InvalidInputException when the stored slot has another modality, dimension or storage: naming both
     *                               shapes and both encoders, and the fix (a new slot name)
     */
    public static SlotReconciliation decide(SlotSpec configured, String storage, StoredSlot stored, String where) {
        if (stored == null) {
            LOG.info("Created slot {} ({}, encoder {}) in {}", configured.name(),
                    shape(configured.modality(), configured.dimension(), storage), configured.encoderName(), where);
            return CREATE;
        }
        if (stored.modality() != configured.modality() || stored.dimension() != configured.dimension()
                || !Objects.equals(stored.storage(), storage)) {
            throw new InvalidInputException("Slot '" + configured.name() + "' in " + where + " holds "
                    + shape(stored.modality(), stored.dimension(), stored.storage()) + " embeddings (encoder '"
                    + stored.encoderName() + "') but is configured as " + shape(configured.modality(),
                    configured.dimension(), storage) + " (encoder '" + configured.encoderName()
                    + "'); configure a new slot name for a different encoder shape");
        }
        boolean newModel = !stored.fingerprint().equals(configured.fingerprint());
        if (!newModel && stored.encoderName().equals(configured.encoderName())
                && Objects.equals(stored.embeddingSpace(), configured.embeddingSpace())) {
            return KEEP;
        }
        if (newModel) {
            LOG.warn("Slot {} in {}: model fingerprint changed from {} to {} ({}); its embeddings made by the previous "
                    + "model are stale until re-embedded", configured.name(), where,
                    ContentHash.shortHex(stored.fingerprint()), ContentHash.shortHex(configured.fingerprint()),
                    configured.encoderName());
        }
        return UPDATE;
    }

    /**
     * What a read-only open does with {@code configured}: it checks the slot as {@link #decide} does but never
     * creates or changes one. A slot the registry lacks is refused, naming the slots it has: a read could only answer
     * "nothing" for it, which looks like a result. {@link #UPDATE} means the registry names another encoder or model
     * than the configuration (a new model is logged at WARN as by {@link #decide}); nothing is written, and a search
     * finds only the embeddings the configured model made.
     *
     * @param storedNames the names of every slot the registry holds, for the message
     * @throws StoreException        when the store has no slot of that name
     * @throws InvalidInputException when the stored slot has another shape (as {@link #decide})
     */
    public static SlotReconciliation decideForReading(SlotSpec configured, String storage, StoredSlot stored,
                                                      Collection<String> storedNames, String where) {
        if (stored == null) {
            throw new StoreException("Slot '" + configured.name() + "' is not in " + where + ", which has slots "
                    + List.copyOf(storedNames) + "; index with this configuration first (that adds the slot), or "
                    + "read with a configuration of the store's slots");
        }
        return decide(configured, storage, stored, where);
    }

    /** {@code text 384-d}, or {@code text 384-d halfvec} for a store with several ways to keep vectors. */
    private static String shape(Modality modality, int dimension, String storage) {
        String kind = modality.name().toLowerCase(Locale.ROOT);
        return kind + " " + dimension + "-d" + (storage == null ? "" : " " + storage);
    }
}
