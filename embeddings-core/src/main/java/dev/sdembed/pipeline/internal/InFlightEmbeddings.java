package dev.sdembed.pipeline.internal;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.hash.ContentHash;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embeddings being computed right now, per slot and content: a batch that needs a content another batch is
 * already computing waits for that computation instead of starting its own. An entry stays until the batch that
 * claimed it has committed (then the store answers for it), failed, or found the content stored; in the last case
 * its future completes with null.
 */
public final class InFlightEmbeddings {
    private final ConcurrentHashMap<Key, CompletableFuture<Embedding>> running = new ConcurrentHashMap<>();

    private record Key(String slot, ContentHash content) {
    }

    /** The contents of one request: those this caller must compute, and every future it must wait for. */
    public record Claim(Map<ContentHash, CompletableFuture<Embedding>> own,
                        Map<ContentHash, CompletableFuture<Embedding>> borrowed) {
    }

    /** Claims {@code contents} of {@code slot}: new ones become this caller's to compute, the others are borrowed. */
    public Claim claim(String slot, Collection<ContentHash> contents) {
        Map<ContentHash, CompletableFuture<Embedding>> own = new LinkedHashMap<>();
        Map<ContentHash, CompletableFuture<Embedding>> borrowed = new LinkedHashMap<>();
        for (ContentHash c : contents) {
            CompletableFuture<Embedding> mine = new CompletableFuture<>();
            CompletableFuture<Embedding> other = running.putIfAbsent(new Key(slot, c), mine);
            if (other == null) {
                own.put(c, mine);
            } else {
                borrowed.put(c, other);
            }
        }
        return new Claim(own, borrowed);
    }

    /**
     * Ends this caller's computations of {@code slot}: futures not yet completed fail with {@code failure} (so
     * borrowers stop waiting), and the entries go.
     */
    public void release(String slot, Map<ContentHash, CompletableFuture<Embedding>> own, Throwable failure) {
        List<ContentHash> contents = new ArrayList<>(own.keySet());
        for (ContentHash c : contents) {
            CompletableFuture<Embedding> f = own.get(c);
            if (!f.isDone()) {
                f.completeExceptionally(failure);
            }
            running.remove(new Key(slot, c), f);
        }
    }

    /**
     * Ends this caller's claims on contents it found stored: their futures complete with null, which tells borrowers
     * the store has the embedding, and the entries go.
     */
    public void releaseStored(String slot, Map<ContentHash, CompletableFuture<Embedding>> claimed) {
        claimed.forEach((c, f) -> {
            f.complete(null);
            running.remove(new Key(slot, c), f);
        });
    }

    public int size() {
        return running.size();
    }
}
