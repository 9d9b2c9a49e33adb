package dev.sdembed.store.spi;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.TextRole;
import java.util.Map;

/**
 * A search request checked against the configured slots, with texts and image files already embedded, so a store's
 * {@link dev.sdembed.store.EmbeddingStore#search} only runs the query and every store refuses the same requests with
 * the same messages. Either {@code vector} is set, or the query is a stored image ({@code imageId} or
 * {@code imagePath}) whose embedding in {@code querySlot} the store looks up.
 *
 * @param querySlot  the slot the query vector belongs to
 * @param targetSlot the slot searched, the query slot or one in its embedding space
 * @param vector     the query vector; null for a stored image
 * @param imageId    the stored query image's id, or null
 * @param imagePath  the stored query image's path, or null
 * @param role       which text of an image a text slot's hits stand for (prompt or negative prompt)
 * @param k          how many hits to return
 * @param filter     the restrictions hits must pass
 */
public record ResolvedSearch(SlotSpec querySlot, SlotSpec targetSlot, Embedding vector, Long imageId,
                             String imagePath, TextRole role, int k, SearchFilter filter) {

    /** Checks the slots and their spaces, then embeds a text or image-file query with its encoder. */
    public static ResolvedSearch resolve(SearchRequest request, Map<String, SlotSpec> slots) {
        if (request == null) {
            throw new InvalidInputException("Search request is null");
        }
        SearchQuery query = request.query();
        SlotSpec querySlot = StoreChecks.slot(slots, query.slot());
        SlotSpec target = StoreChecks.slot(slots, request.targetSlot());
        if (!querySlot.comparableWith(target)) {
            throw new InvalidInputException("Cannot search slot '" + target.name() + "' with a query in slot '"
                    + querySlot.name() + "': their embedding spaces differ (" + space(querySlot) + " vs "
                    + space(target) + "). Cross-slot search needs two slots declared in one embedding space, "
                    + "e.g. prompt_clip_h and image_clip_h");
        }
        Embedding vector = null;
        Long imageId = null;
        String imagePath = null;
        if (query instanceof SearchQuery.ByVector v) {
            vector = v.embedding();
        } else if (query instanceof SearchQuery.ByText t) {
            StoreChecks.checkEncoder(querySlot, t.encoder().info(), Modality.TEXT);
            vector = t.encoder().embedQuery(t.text());
        } else if (query instanceof SearchQuery.ByImageFile f) {
            StoreChecks.checkEncoder(querySlot, f.encoder().info(), Modality.IMAGE);
            vector = f.encoder().embedFile(f.file());
        } else if (query instanceof SearchQuery.ByImageId id) {
            imageId = id.imageId();
        } else if (query instanceof SearchQuery.ByImagePath p) {
            imagePath = p.path();
        }
        if (vector != null) {
            StoreChecks.checkVector(querySlot, vector, "Query vector");
        }
        return new ResolvedSearch(querySlot, target, vector, imageId, imagePath, request.role(), request.k(),
                request.filter());
    }

    /** True when the query is a stored image rather than a vector. */
    public boolean byStoredImage() {
        return vector == null;
    }

    /** How the stored query image is named in messages. */
    public String storedImageName() {
        return imagePath != null ? "'" + imagePath + "'" : "id " + imageId;
    }

    /** The error when the stored query image has no usable embedding in the query slot. */
    public InvalidInputException noStoredEmbedding(String why) {
        return new InvalidInputException("Stored image " + storedImageName() + " has no embedding in slot '"
                + querySlot.name() + "' to search with: " + why);
    }

    private static String space(SlotSpec slot) {
        return slot.embeddingSpace() == null ? "'" + slot.name() + "' only" : "'" + slot.embeddingSpace() + "'";
    }
}
