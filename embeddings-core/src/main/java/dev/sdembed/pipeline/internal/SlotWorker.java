package dev.sdembed.pipeline.internal;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.TextEncoder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One slot's encoder with its own thread, so encoders on different devices run at the same time; a batch hands it
 * work and waits. Its queue holds at most one request per batch in flight.
 */
public final class SlotWorker implements AutoCloseable {
    private final String slot;
    private final TextEncoder text;
    private final ImageEncoder image;
    private final ExecutorService thread;
    final AtomicLong computed = new AtomicLong();
    final AtomicLong calls = new AtomicLong();
    final AtomicLong hits = new AtomicLong();

    private SlotWorker(String slot, TextEncoder text, ImageEncoder image) {
        this.slot = slot;
        this.text = text;
        this.image = image;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sdembed-encoder-" + slot);
            t.setDaemon(true);
            return t;
        });
    }

    public static SlotWorker text(String slot, TextEncoder encoder) {
        return new SlotWorker(slot, encoder, null);
    }

    public static SlotWorker image(String slot, ImageEncoder encoder) {
        return new SlotWorker(slot, null, encoder);
    }

    public String slot() {
        return slot;
    }

    public boolean isImage() {
        return image != null;
    }

    public long computed() {
        return computed.get();
    }

    public long calls() {
        return calls.get();
    }

    public long hits() {
        return hits.get();
    }

    CompletableFuture<List<Embedding>> embedTexts(List<String> texts) {
        return CompletableFuture.supplyAsync(() -> {
            calls.incrementAndGet();
            List<Embedding> out = text.embedAll(texts);
            computed.addAndGet(out.size());
            return out;
        }, thread);
    }

    CompletableFuture<List<ImageEmbeddingResult>> embedImages(List<Path> files) {
        return CompletableFuture.supplyAsync(() -> {
            calls.incrementAndGet();
            List<ImageEmbeddingResult> out = image.embedEach(files);
            computed.addAndGet(out.stream().filter(ImageEmbeddingResult::succeeded).count());
            return out;
        }, thread);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
