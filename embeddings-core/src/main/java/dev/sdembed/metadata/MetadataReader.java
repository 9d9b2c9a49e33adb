package dev.sdembed.metadata;

import dev.sdembed.MetadataReadException;
import java.nio.file.Path;

/**
 * Reads the generation metadata (prompt, negative prompt, sampling settings) that a Stable Diffusion front-end
 * stored in an image file. Implementations are thread-safe; {@link MetadataReaders#standard()} reads PNG, JPEG and
 * WebP files from every major front-end.
 */
public interface MetadataReader {

    /**
     * The generation metadata of {@code file}. A readable image without recognised metadata gives a record with
     * {@link Generator#NONE}; content that is recognised but damaged (malformed JSON, a broken node graph) gives a
     * partial record whose {@link GenerationMetadata#warnings()} say what was wrong.
     *
     * @throws MetadataReadException if the file cannot be read, is empty, is not a supported image, or its container
     *     is corrupt or truncated; the message names the file and the fault
     */
    GenerationMetadata read(Path file);
}
