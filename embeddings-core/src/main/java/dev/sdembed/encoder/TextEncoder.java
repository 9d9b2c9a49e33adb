package dev.sdembed.encoder;

import java.util.Collections;
import java.util.List;

/**
 * Turns texts into L2-normalised embeddings. Batch methods return one embedding per input, in input order;
 * a {@code null} element is rejected with {@link dev.sdembed.InvalidInputException} naming its index.
 */
public interface TextEncoder extends Encoder {

    /** Embeds texts as stored documents (prompts, negative prompts). */
    List<Embedding> embedAll(List<String> texts);

    /**
     * Embeds texts as search queries. Models trained with a query instruction (BGE) prepend it here and only
     * here; for other models this is {@link #embedAll(List)}.
     */
    default List<Embedding> embedQueries(List<String> queries) {
        return embedAll(queries);
    }

    default Embedding embed(String text) {
        return embedAll(Collections.singletonList(text)).get(0);
    }

    default Embedding embedQuery(String query) {
        return embedQueries(Collections.singletonList(query)).get(0);
    }
}
