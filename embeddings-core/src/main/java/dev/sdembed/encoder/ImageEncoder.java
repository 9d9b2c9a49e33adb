package dev.sdembed.encoder;

import dev.sdembed.ImageDecodeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Turns image files into L2-normalised embeddings, one per input in input order. A file that cannot be decoded
 * raises {@link dev.sdembed.ImageDecodeException} naming the file; bulk callers use {@link #embedEach} instead, where
 * such a file only fails its own result.
 */
public interface ImageEncoder extends Encoder {

    List<Embedding> embedFiles(List<Path> images);

    default Embedding embedFile(Path image) {
        return embedFiles(Collections.singletonList(image)).get(0);
    }

    /**
     * Embeds every file that can be decoded: one result per input, in input order; a truncated, corrupt, empty,
     * unsupported or oversized file gives a failed result and never affects the others. Inference failures (the
     * runtime itself failing) still throw. Implementations should override this; the default embeds the whole list
     * and, if some file fails to decode, falls back to one file at a time.
     */
    default List<ImageEmbeddingResult> embedEach(List<Path> images) {
        List<ImageEmbeddingResult> results = new ArrayList<>(images.size());
        try {
            List<Embedding> embeddings = embedFiles(images);
            for (int i = 0; i < images.size(); i++) {
                results.add(ImageEmbeddingResult.success(images.get(i), embeddings.get(i)));
            }
            return results;
        } catch (ImageDecodeException batchFailed) {
            results.clear();
        }
        for (Path image : images) {
            try {
                results.add(ImageEmbeddingResult.success(image, embedFile(image)));
            } catch (ImageDecodeException e) {
                results.add(ImageEmbeddingResult.failure(image, e));
            }
        }
        return results;
    }
}
