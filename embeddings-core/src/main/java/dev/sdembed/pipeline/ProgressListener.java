package dev.sdembed.pipeline;

import java.nio.file.Path;

/**
 * Follows a {@link BulkEmbeddingPipeline} run. Called from the pipeline's worker threads, one call at a time;
 * implementations must return quickly (they run between batches).
 */
public interface ProgressListener {

    /** A listener that ignores everything. */
    ProgressListener NONE = new ProgressListener() {
    };

    /** After each batch of files has been written (or skipped), with the counts so far. */
    default void onProgress(Progress progress) {
    }

    /**
     * A file could not be indexed; it is stored as a failed record with {@code reason} and the run goes on.
     * The reason names the file and the fault, never prompt text.
     */
    default void onFileFailed(Path file, String reason) {
    }

    /**
     * An indexed file is gone from a folder the run walked; called once the walk is complete, after the record was
     * re-pointed or deleted when the run prunes. Not called for a run that was stopped or failed.
     */
    default void onVanished(VanishedFile file) {
    }

    /**
     * A root is missing or an empty folder (an unmounted drive, a disconnected share): nothing under it was walked,
     * and none of its records is judged gone or pruned.
     */
    default void onRootNotScanned(Path root) {
    }
}
