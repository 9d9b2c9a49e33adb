package dev.sdembed.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/** Work started on threads of its own, and waiting for it as if it had run on this one. */
public final class Futures {
    private Futures() {
    }

    /**
     * An executor that runs each task on a new daemon thread named {@code name}: for a few loading steps run beside
     * each other at start-up (the common pool has a single thread on 2 cores, and would queue them), which must not
     * keep a process alive.
     */
    public static Executor threadPerTask(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            thread.start();
        };
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
