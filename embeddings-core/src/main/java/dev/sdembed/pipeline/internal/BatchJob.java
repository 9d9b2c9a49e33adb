package dev.sdembed.pipeline.internal;

import dev.sdembed.ImageDecodeException;
import dev.sdembed.InvalidInputException;
import dev.sdembed.SdembedException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.ImageHeader;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.Generator;
import dev.sdembed.metadata.MetadataReader;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.TextContent;
import dev.sdembed.store.WriteBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * Indexes one batch of files in one store transaction: skips what is already done, hashes and reads the rest,
 * embeds only contents that neither the store nor another batch in flight has, and writes records, contents and
 * embeddings together. A file that cannot be read becomes a failed record; only encoder and store failures end the
 * run.
 */
public final class BatchJob {

    /** What every batch of a run shares. */
    public record Context(EmbeddingStore store, List<SlotWorker> slots, MetadataReader reader, ImageDecoder decoder,
                          boolean retryFailed, InFlightEmbeddings inFlight, BiConsumer<Path, String> onFailure) {
    }

    /** How the batch's files ended. */
    public record Outcome(int indexed, int skipped, int failed) {
    }

    private record FileState(Path file, String key, long size, Instant modifiedAt, String error) {
        static FileState of(Path file) {
            String key = StoredPaths.of(file);
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileState(file, key, a.size(), a.lastModifiedTime().toInstant().truncatedTo(ChronoUnit.MICROS),
                        null);
            } catch (IOException e) {
                return new FileState(file, key, 0, Instant.EPOCH, "Cannot read " + file + ": " + e);
            }
        }
    }

    /** A file read for indexing: its hashes and metadata, or why it failed. */
    private static final class Prepared {
        final FileState state;
        ContentHash imageHash;
        ImageHeader header;
        GenerationMetadata metadata;
        ContentHash promptHash;
        ContentHash negativeHash;
        String error;

        Prepared(FileState state) {
            this.state = state;
            this.error = state.error;
        }
    }

    /** One slot's contents for this batch: those it computes and those it waits for. */
    private record SlotRequest(SlotWorker worker, Map<ContentHash, CompletableFuture<Embedding>> own,
                               Map<ContentHash, CompletableFuture<Embedding>> waitFor) {
    }

    private final Context ctx;

    public BatchJob(Context ctx) {
        this.ctx = ctx;
    }

    public Outcome run(List<Path> files) {
        Map<String, FileState> states = new LinkedHashMap<>();
        for (Path f : files) {
            FileState s = FileState.of(f);
            states.putIfAbsent(s.key(), s);
        }
        Map<String, StoredImage> stored = ctx.store().findImages(states.keySet());
        List<FileState> work = new ArrayList<>();
        List<ImageRecord> unchanged = new ArrayList<>();
        int skipped = 0;
        for (FileState s : states.values()) {
            StoredImage known = stored.get(s.key());
            boolean same = s.error() == null && known != null && known.record().fileSize() == s.size()
                    && known.record().modifiedAt().equals(s.modifiedAt());
            if (!same) {
                work.add(s);
            } else if (known.record().status() == ImageStatus.FAILED) {
                if (ctx.retryFailed()) {
                    work.add(s);
                } else {
                    skipped++;
                }
            } else {
                unchanged.add(known.record());
            }
        }
        Set<String> incomplete = incompleteRecords(unchanged);
        for (ImageRecord r : unchanged) {
            if (incomplete.contains(r.path())) {
                work.add(states.get(r.path()));
            } else {
                skipped++;
            }
        }
        if (work.isEmpty()) {
            return new Outcome(0, skipped, 0);
        }
        Outcome written = index(work);
        return new Outcome(written.indexed(), skipped + written.skipped(), written.failed());
    }

    /** Paths of unchanged records some slot has no current embedding for (new slot or model changed). */
    private Set<String> incompleteRecords(List<ImageRecord> records) {
        Set<String> incomplete = new HashSet<>();
        if (records.isEmpty()) {
            return incomplete;
        }
        for (SlotWorker w : ctx.slots()) {
            Map<ContentHash, List<String>> users = new HashMap<>();
            for (ImageRecord r : records) {
                for (ContentHash h : contentsOf(r.imageHash(), r.promptHash(), r.negativeHash(), w)) {
                    users.computeIfAbsent(h, k -> new ArrayList<>()).add(r.path());
                }
            }
            Set<ContentHash> present = users.isEmpty() ? Set.of()
                    : ctx.store().embeddedHashes(w.slot(), users.keySet());
            users.forEach((h, paths) -> {
                if (!present.contains(h)) {
                    incomplete.addAll(paths);
                }
            });
        }
        return incomplete;
    }

    private static List<ContentHash> contentsOf(ContentHash image, ContentHash prompt, ContentHash negative,
                                                SlotWorker w) {
        List<ContentHash> out = new ArrayList<>(2);
        if (w.isImage()) {
            if (image != null) {
                out.add(image);
            }
        } else {
            if (prompt != null) {
                out.add(prompt);
            }
            if (negative != null) {
                out.add(negative);
            }
        }
        return out;
    }

    private Outcome index(List<FileState> work) {
        List<Prepared> prepared = new ArrayList<>(work.size());
        Map<ContentHash, String> texts = new LinkedHashMap<>();
        Map<ContentHash, Path> images = new LinkedHashMap<>();
        for (FileState s : work) {
            Prepared p = prepare(s);
            prepared.add(p);
            if (p.error == null) {
                putText(texts, p.metadata.prompt(), h -> p.promptHash = h);
                putText(texts, p.metadata.negativePrompt(), h -> p.negativeHash = h);
                images.putIfAbsent(p.imageHash, s.file());
            }
        }
        List<SlotRequest> requests = new ArrayList<>();
        try {
            for (SlotWorker w : ctx.slots()) {
                requests.add(w.isImage() ? requestImages(w, images, prepared) : requestTexts(w, texts, prepared));
            }
            WriteBatch.Builder batch = WriteBatch.builder();
            Map<ContentHash, String> imageFailures = new HashMap<>();
            for (SlotRequest r : requests) {
                collect(r, batch, imageFailures);
            }
            texts.forEach((h, text) -> batch.text(new TextContent(h, text)));
            int indexed = 0;
            int failed = 0;
            for (Prepared p : prepared) {
                String error = p.error != null ? p.error : reasonFor(imageFailures.get(p.imageHash), images.get(p.imageHash),
                        p.state.file());
                ImageRecord ok = null;
                if (error == null) {
                    try {
                        ok = record(p);
                    } catch (InvalidInputException e) {
                        // Metadata the store cannot hold (e.g. a NUL in a parameter) fails this file only.
                        error = "Cannot index " + p.state.file() + ": " + e.getMessage();
                    }
                }
                if (ok == null) {
                    batch.record(ImageRecord.failed(p.state.key(), p.state.size(), p.state.modifiedAt(), error));
                    ctx.onFailure().accept(p.state.file(), error);
                    failed++;
                } else {
                    batch.image(new ImageContent(p.imageHash, p.header.width(), p.header.height(),
                            p.header.format().name().toLowerCase(Locale.ROOT), p.state.size()));
                    batch.record(ok);
                    indexed++;
                }
            }
            ctx.store().write(batch.build());
            return new Outcome(indexed, 0, failed);
        } finally {
            // After the commit the store answers for these contents; on failure borrowers must stop waiting.
            SdembedException abandoned = new SdembedException("The batch computing this embedding failed");
            for (SlotRequest r : requests) {
                ctx.inFlight().release(r.worker().slot(), r.own(), abandoned);
            }
        }
    }

    private static void putText(Map<ContentHash, String> texts, String raw, java.util.function.Consumer<ContentHash> to) {
        // Stores cannot hold NUL characters in text, and a blank prompt says nothing to embed (no text is kept).
        String text = raw == null ? null : raw.replace("\0", "");
        if (text == null || text.isBlank()) {
            return;
        }
        ContentHash h = ContentHash.ofText(text);
        texts.putIfAbsent(h, text);
        to.accept(h);
    }

    private Prepared prepare(FileState s) {
        Prepared p = new Prepared(s);
        if (p.error != null) {
            return p;
        }
        try {
            p.header = ctx.decoder().readHeader(s.file());
            p.imageHash = ContentHash.ofFile(s.file());
            p.metadata = ctx.reader().read(s.file());
        } catch (SdembedException | UncheckedIOException e) {
            p.error = e.getMessage();
        }
        return p;
    }

    private SlotRequest requestTexts(SlotWorker w, Map<ContentHash, String> texts, List<Prepared> prepared) {
        long references = prepared.stream().filter(p -> p.error == null)
                .mapToLong(p -> (p.promptHash != null ? 1 : 0) + (p.negativeHash != null ? 1 : 0)).sum();
        SlotRequest r = resolve(w, texts.keySet(), references);
        if (!r.own().isEmpty()) {
            List<ContentHash> order = new ArrayList<>(r.own().keySet());
            w.embedTexts(order.stream().map(texts::get).toList()).whenComplete((out, e) -> {
                for (int i = 0; i < order.size(); i++) {
                    complete(r.own().get(order.get(i)), e == null ? out.get(i) : null, e);
                }
            });
        }
        return r;
    }

    private SlotRequest requestImages(SlotWorker w, Map<ContentHash, Path> images, List<Prepared> prepared) {
        long references = prepared.stream().filter(p -> p.error == null).count();
        SlotRequest r = resolve(w, images.keySet(), references);
        if (!r.own().isEmpty()) {
            List<ContentHash> order = new ArrayList<>(r.own().keySet());
            w.embedImages(order.stream().map(images::get).toList()).whenComplete((out, e) -> {
                for (int i = 0; i < order.size(); i++) {
                    CompletableFuture<Embedding> f = r.own().get(order.get(i));
                    if (e != null) {
                        f.completeExceptionally(e);
                    } else if (out.get(i).succeeded()) {
                        f.complete(out.get(i).embedding());
                    } else {
                        f.completeExceptionally(out.get(i).error());
                    }
                }
            });
        }
        return r;
    }

    private static void complete(CompletableFuture<Embedding> f, Embedding value, Throwable error) {
        if (error != null) {
            f.completeExceptionally(error);
        } else {
            f.complete(value);
        }
    }

    /**
     * Which of {@code contents} this batch computes: those no batch in flight is computing and the store does not
     * hold with the slot's current model. They are claimed before the store is asked: a batch releases its claims
     * only after its commit, so a content this claim did not find in flight is in the store if any batch computed
     * it. (Asked the other way round, another batch could claim, compute, commit and release a content between this
     * batch's store lookup and its claim, and the content was computed twice.) Claimed contents the store has are
     * released at once, telling whoever borrowed them that they are stored.
     */
    private SlotRequest resolve(SlotWorker w, Set<ContentHash> contents, long references) {
        InFlightEmbeddings.Claim claim = ctx.inFlight().claim(w.slot(), contents);
        Map<ContentHash, CompletableFuture<Embedding>> own = new LinkedHashMap<>(claim.own());
        Map<ContentHash, CompletableFuture<Embedding>> stored = new LinkedHashMap<>();
        try {
            Set<ContentHash> inStore = own.isEmpty() ? Set.of() : ctx.store().embeddedHashes(w.slot(), own.keySet());
            inStore.forEach(c -> stored.put(c, own.remove(c)));
        } catch (RuntimeException e) {
            ctx.inFlight().release(w.slot(), claim.own(), e);
            throw e;
        }
        ctx.inFlight().releaseStored(w.slot(), stored);
        Map<ContentHash, CompletableFuture<Embedding>> waitFor = new LinkedHashMap<>(claim.borrowed());
        waitFor.putAll(own);
        w.hits.addAndGet(references - own.size());
        return new SlotRequest(w, own, waitFor);
    }

    /** Waits for the slot's embeddings and adds them; image contents that cannot be decoded are noted. */
    private static void collect(SlotRequest r, WriteBatch.Builder batch, Map<ContentHash, String> imageFailures) {
        for (Map.Entry<ContentHash, CompletableFuture<Embedding>> e : r.waitFor().entrySet()) {
            try {
                Embedding embedding = e.getValue().join();
                if (embedding != null) {
                    // null: the batch that claimed it found it stored, so this batch's write needs no copy.
                    batch.embedding(r.worker().slot(), e.getKey(), embedding.vector());
                }
            } catch (CompletionException failure) {
                Throwable cause = failure.getCause();
                if (r.worker().isImage() && cause instanceof ImageDecodeException decode) {
                    imageFailures.put(e.getKey(), decode.getMessage());
                } else if (cause instanceof SdembedException s) {
                    throw s;
                } else {
                    throw new SdembedException("Encoder of slot '" + r.worker().slot() + "' failed: " + cause, cause);
                }
            }
        }
    }

    /** The decode failure of a content, told about this file (another file with the same bytes may have been read). */
    private static String reasonFor(String failure, Path decoded, Path file) {
        if (failure == null) {
            return null;
        }
        return decoded == null || decoded.equals(file) ? failure : failure.replace(decoded.toString(), file.toString());
    }

    private static ImageRecord record(Prepared p) {
        GenerationMetadata m = p.metadata;
        Map<String, String> parameters = new LinkedHashMap<>();
        putIfSet(parameters, "seed", m.seed());
        putIfSet(parameters, "steps", m.steps());
        putIfSet(parameters, "cfg", m.cfg());
        putIfSet(parameters, "sampler", m.sampler());
        putIfSet(parameters, "model_hash", m.modelHash());
        m.parameters().forEach(parameters::putIfAbsent);
        return ImageRecord.builder(p.state.key())
                .imageHash(p.imageHash)
                .promptHash(p.promptHash)
                .negativeHash(p.negativeHash)
                .generator(m.generator() == Generator.NONE ? null : m.generator().id())
                .modelName(m.model())
                .parameters(parameters)
                .size(p.header.width(), p.header.height())
                .fileSize(p.state.size())
                .modifiedAt(p.state.modifiedAt())
                .build();
    }

    private static void putIfSet(Map<String, String> parameters, String key, Object value) {
        if (value != null) {
            parameters.put(key, value.toString());
        }
    }
}
