package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A persistent embedding cache keyed by content hash, reference-counted by the image records that use it, with
 * search on top. Implementations: the PostgreSQL + pgvector store ({@code embeddings-store-postgres}) and an
 * embedded single-file store.
 *
 * <p>Contract shared by every implementation:
 * <ul>
 *   <li>Each text and image content is stored once, whatever number of images and writers use it; each slot holds
 *       at most one embedding per content, tagged with the model fingerprint that made it.</li>
 *   <li>Reference counts are exact at every commit: writing, re-pointing and deleting image records adjust them in
 *       the same transaction. {@link #removeUnreferenced()} removes contents (and their embeddings) at 0.</li>
 *   <li>{@link #write(WriteBatch)} applies a batch atomically; bad input (unknown slot, wrong dimension, a vector
 *       that is not L2-normalised, null hashes) is rejected with {@link dev.sdembed.InvalidInputException} before
 *       anything is sent to the database; storage failures raise {@link dev.sdembed.StoreException}.</li>
 *   <li>Thread-safe; {@link #close()} is idempotent.</li>
 * </ul>
 */
public interface EmbeddingStore extends AutoCloseable {

    /** The configured slots, in configuration order. */
    List<SlotSpec> slots();

    /** The configured slot called {@code name}; {@link InvalidInputException} naming the known ones if none. */
    default SlotSpec slot(String name) {
        return slots().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new InvalidInputException("Unknown slot '" + name
                        + "'; this store has slots " + slots().stream().map(SlotSpec::name).toList()));
    }

    /** Applies the batch in one transaction, entirely or not at all. */
    WriteResult write(WriteBatch batch);

    /**
     * Which of {@code hashes} already have an embedding in {@code slot} made with the slot's current fingerprint (stale
     * ones are not included, so they get re-embedded). One round trip, whatever the number of hashes.
     */
    Set<ContentHash> embeddedHashes(String slot, Collection<ContentHash> hashes);

    /** The stored reference counts of those of {@code hashes} the store holds as {@code kind} contents. */
    Map<ContentHash, Long> referenceCounts(Modality kind, Collection<ContentHash> hashes);

    /**
     * The stored texts (prompts and negative prompts) of those of {@code hashes} the store holds, keyed by hash; a
     * record names its texts by hash only, so a front end showing an image's negative prompt asks here. One round
     * trip, whatever the number of hashes.
     */
    Map<ContentHash, String> texts(Collection<ContentHash> hashes);

    /**
     * The stored image contents among {@code hashes} (size, format, pixel hash), keyed by hash; those the store does
     * not hold are absent. One round trip, whatever the number of hashes.
     */
    Map<ContentHash, ImageContent> imageContents(Collection<ContentHash> hashes);

    /** The stored records at {@code paths}, keyed by path; unknown paths are absent. One round trip. */
    Map<String, StoredImage> findImages(Collection<String> paths);

    /** The stored record with this id. */
    Optional<StoredImage> findImage(long id);

    /**
     * Records in {@linkplain PathOrder path order} after {@code afterPath} (exclusive; null to start), at most
     * {@code limit}; with a status, only records of that status. Page through a library of any size with the last
     * path of each page.
     */
    List<StoredImage> listImages(ImageStatus status, String afterPath, int limit);

    /** The top-k images for the request, best first. */
    List<SearchHit> search(SearchRequest request);

    /** Groups of near-identical images in one slot's embeddings, largest first. */
    List<DuplicateGroup> nearDuplicates(NearDuplicateRequest request);

    /**
     * Groups of indexed images whose files are byte for byte the same (one image content), largest first, members by
     * path, each group's {@link DuplicateGroup#lowestLink()} 1.0.
     */
    List<DuplicateGroup> identicalFiles(SearchFilter filter);

    /**
     * Groups of indexed images showing the same picture: their contents' pixel hashes within the request's distance
     * (transitively), found through the hashes' bands; largest first, members by path. Images without a pixel hash
     * are counted, not compared.
     */
    PixelDuplicates pixelDuplicates(PixelDuplicateRequest request);

    StoreStats stats();

    /** Removes contents whose reference count is 0, and their embeddings in every slot. */
    MaintenanceResult removeUnreferenced();

    /** Checks that every reference count equals the references the image records make; used by tests and ops. */
    InvariantReport checkInvariants();

    @Override
    void close();
}
