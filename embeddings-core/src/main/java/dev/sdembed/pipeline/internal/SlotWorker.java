package dev.sdembed.pipeline.internal;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.TextEncoder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One slot's encoder and its counters. Calls go through the {@link DeviceWorker} of the encoder's device, so they
 * take turns with the other encoders on that device and overlap with those on other devices; a batch hands work
 * and waits.
 */
public final class SlotWorker {
    private final String slot;
    private final TextEncoder text;
    private final ImageEncoder image;
    private final DeviceWorker device;
    final AtomicLong computed = new AtomicLong();
    final AtomicLong calls = new AtomicLong();
    final AtomicLong hits = new AtomicLong();

    private SlotWorker(String slot, TextEncoder text, ImageEncoder image, DeviceWorker device) {
        this.slot = slot;
        this.text = text;
        this.image = image;
        this.device = device;
    }

    /** {@code encoder} for text slot {@code slot}, run by {@code device}. */
    public static SlotWorker text(String slot, TextEncoder encoder, DeviceWorker device) {
        return new SlotWorker(slot, encoder, null, device);
    }

    /** {@code encoder} for image slot {@code slot}, run by {@code device}. */
    public static SlotWorker image(String slot, ImageEncoder encoder, DeviceWorker device) {
        return new SlotWorker(slot, null, encoder, device);
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
        return device.submit(slot, () -> {
            calls.incrementAndGet();
            List<Embedding> out = text.embedAll(texts);
            computed.addAndGet(out.size());
            return out;
        });
    }

    CompletableFuture<List<ImageEmbeddingResult>> embedImages(List<Path> files) {
        return device.submit(slot, () -> {
            calls.incrementAndGet();
            List<ImageEmbeddingResult> out = image.embedEach(files);
            computed.addAndGet(out.stream().filter(ImageEmbeddingResult::succeeded).count());
            return out;
        });
    }
}
