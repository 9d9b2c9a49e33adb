package dev.sdembed.encoder;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * Turns image files into L2-normalised embeddings, one per input in input order. A file that cannot be decoded
 * raises {@link dev.sdembed.ImageDecodeException} naming the file.
 */
public interface ImageEncoder extends Encoder {

    List<Embedding> embedFiles(List<Path> images);

    default Embedding embedFile(Path image) {
        return embedFiles(Collections.singletonList(image)).get(0);
    }
}
