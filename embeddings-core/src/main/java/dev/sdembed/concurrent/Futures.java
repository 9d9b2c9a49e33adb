package dev.sdembed.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for work started on another thread as if it had run on this one. */
public final class Futures {
    private Futures() {
    }

    /**
     * The value of {@code future}, waiting for it; its failure rethrown as it was thrown (a {@link RuntimeException}
     * or {@link Error}), not wrapped in a {@link CompletionException}, so callers see the loader's own message.
     */
    public static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
