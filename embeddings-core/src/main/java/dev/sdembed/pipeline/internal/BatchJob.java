package dev.sdembed.pipeline.internal;

import dev.sdembed.ImageDecodeException;
import dev.sdembed.InvalidInputException;
import dev.sdembed.SdembedException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.ImageHeader;
import dev.sdembed.image.PixelHash;
import dev.sdembed.internal.PerFileErrors;
import dev.sdembed.internal.StoredPaths;
import dev.sdembed.io.FileErrors;
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
import dev.sdembed.store.WriteResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Indexes one batch of files in one store transaction: skips what is already done, reads the rest, embeds only
 * contents that neither the store nor another batch in flight has, and writes records, contents and embeddings
 * together.
 *
 * <p>Whatever one file does is that file's failure, never the run's: any exception or error a reader, the hash or
 * the decoder throws for it (but those {@link PerFileErrors} names as the JVM's or the installation's), metadata
 * the store cannot hold, pixels that cannot be decoded. The header, hash, size and metadata of a file come from one
 * read: the file is looked at (size, time, identity) before and after, and read again once if it changed; a file
 * still changing, or gone, fails without a record, so the next run reads it again. A failed file's contents are not
 * written: the batch writes only the texts, images and embeddings its indexed records reference. Only encoder and
 * store failures end the run.
 */
public final class BatchJob {

    /**
     * What every batch of a run shares.
     *
     * @param pixelHashes whether image contents get a {@link PixelHash} (computed for those the store has none for,
     *                    which makes unchanged files whose content lacks one be read again)
     * @param arrivals    told, per indexed file at a path the store had no record for, when its image content was
     *                    stored already: a copy, or a file moved from a path that is gone
     */
    public record Context(EmbeddingStore store, List<SlotWorker> slots, MetadataReader reader, ImageDecoder decoder,
                          boolean retryFailed, InFlightEmbeddings inFlight, BiConsumer<Path, String> onFailure,
                          boolean pixelHashes, BiConsumer<String, ContentHash> arrivals) {
    }

    /**
     * How the batch's files ended, the stored contents that got a pixel hash, and the stored records rewritten with
     * other values (changed files: their old contents may have lost their last reference).
     */
    public record Outcome(int indexed, int skipped, int failed, int pixelHashesAdded, int rewritten) {
        Outcome(int indexed, int skipped, int failed) {
            this(indexed, skipped, failed, 0, 0);
        }
    }

    /**
     * A file as one look at it saw it: size, modification time and identity (device and inode where the file system
     * has them), which together tell whether it changed; or why it could not be looked at.
     */
    private record FileState(Path file, String key, long size, FileTime modified, Object identity, String error,
                             boolean gone) {
        static FileState of(Path file, String key) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileState(file, key, a.size(), a.lastModifiedTime(), a.fileKey(), null, false);
            } catch (NoSuchFileException e) {
                return new FileState(file, key, 0, FileTime.from(Instant.EPOCH), null, null, true);
            } catch (IOException e) {
                return new FileState(file, key, 0, FileTime.from(Instant.EPOCH), null,
                        "Cannot read " + file + ": " + FileErrors.reason(e), false);
            }
        }

        boolean readable() {
            return error == null && !gone;
        }

        /** The time as records keep it: to the microsecond. */
        Instant modifiedAt() {
            return modified.toInstant().truncatedTo(ChronoUnit.MICROS);
        }

        boolean sameAs(FileState other) {
            return readable() && other.readable() && size == other.size && modified.equals(other.modified)
                    && Objects.equals(identity, other.identity);
        }
    }

    /** A file read for indexing: its record to write, or why it failed and whether that is recorded. */
    private static final class Prepared {
        final FileState state;
        ImageHeader header;
        ContentHash imageHash;
        String prompt;
        String negative;
        ImageRecord record;
        String error;
        /** False for a failure that passes (the file changed or went away while read): no record is written. */
        boolean recorded = true;

        Prepared(FileState state) {
            this.state = state;
        }

        boolean ok() {
            return error == null;
        }

        Prepared fail(String reason, boolean recordIt) {
            this.error = reason;
            this.recorded = recordIt;
            this.record = null;
            return this;
        }
    }

    /** One slot's contents for this batch: those it computes and those it waits for. */
    private record SlotRequest(SlotWorker worker, Map<ContentHash, CompletableFuture<Embedding>> own,
                               Map<ContentHash, CompletableFuture<Embedding>> waitFor) {
    }

    /** The image encoder read a file that is no longer what the batch hashed. */
    private static final class ChangedWhileRead extends SdembedException {
        private static final long serialVersionUID = 1L;

        ChangedWhileRead(Path file) {
            this(file, "the image encoder read other bytes than were hashed");
        }

        ChangedWhileRead(Path file, String how) {
            super(changedReason(file, how));
        }
    }

    private final Context ctx;

    public BatchJob(Context ctx) {
        this.ctx = ctx;
    }

    public Outcome run(List<Path> files) {
        Map<String, FileState> states = new LinkedHashMap<>();
        for (Path f : files) {
            String key = StoredPaths.of(f);
            states.computeIfAbsent(key, k -> FileState.of(f, k));
        }
        Map<String, StoredImage> stored = ctx.store().findImages(states.keySet());
        List<FileState> work = new ArrayList<>();
        List<ImageRecord> unchanged = new ArrayList<>();
        int skipped = 0;
        for (FileState s : states.values()) {
            StoredImage known = stored.get(s.key());
            boolean same = s.readable() && known != null && known.record().fileSize() == s.size()
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
        Outcome written = index(work, stored.keySet());
        return new Outcome(written.indexed(), skipped + written.skipped(), written.failed(),
                written.pixelHashesAdded(), written.rewritten());
    }

    /**
     * Paths of unchanged records some slot has no current embedding for (new slot or model changed), or, when pixel
     * hashes are on, whose image content has no pixel hash yet (indexed before they existed).
     */
    private Set<String> incompleteRecords(List<ImageRecord> records) {
        Set<String> incomplete = new HashSet<>();
        if (records.isEmpty()) {
            return incomplete;
        }
        if (ctx.pixelHashes()) {
            Set<ContentHash> images = new HashSet<>();
            records.forEach(r -> images.add(r.imageHash()));
            Map<ContentHash, ImageContent> known = ctx.store().imageContents(images);
            for (ImageRecord r : records) {
                ImageContent c = known.get(r.imageHash());
                if (c == null || c.pixelHash() == null) {
                    incomplete.add(r.path());
                }
            }
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

    private Outcome index(List<FileState> work, Set<String> storedPaths) {
        List<Prepared> prepared = new ArrayList<>(work.size());
        Map<ContentHash, String> texts = new LinkedHashMap<>();
        Map<ContentHash, Prepared> images = new LinkedHashMap<>();
        for (FileState s : work) {
            Prepared p = prepare(s);
            prepared.add(p);
            if (p.ok()) {
                putText(texts, p.record.promptHash(), p.prompt);
                putText(texts, p.record.negativeHash(), p.negative);
                images.putIfAbsent(p.imageHash, p);
            }
        }
        Map<ContentHash, ImageContent> known = images.isEmpty() ? Map.of()
                : ctx.store().imageContents(images.keySet());
        for (Prepared p : prepared) {
            if (p.ok() && !storedPaths.contains(p.state.key()) && known.containsKey(p.imageHash)) {
                ctx.arrivals().accept(p.state.key(), p.imageHash);
            }
        }
        List<SlotRequest> requests = new ArrayList<>();
        try {
            Map<ContentHash, PixelHash> fromEncoders = new ConcurrentHashMap<>();
            Set<ContentHash> decodedByEncoders = new HashSet<>();
            for (SlotWorker w : ctx.slots()) {
                SlotRequest r = w.isImage() ? requestImages(w, images, prepared, fromEncoders)
                        : requestTexts(w, texts, prepared);
                requests.add(r);
                if (w.isImage()) {
                    decodedByEncoders.addAll(r.own().keySet());
                }
            }
            // While the encoders work: the pixel hashes the store lacks of contents no image encoder decodes here.
            Map<ContentHash, SdembedException> imageFailures = new HashMap<>();
            Map<ContentHash, PixelHash> pixels = new HashMap<>();
            if (ctx.pixelHashes()) {
                pixels.putAll(pixelHashes(images, known, c -> !decodedByEncoders.contains(c), imageFailures));
            }
            Map<String, Map<ContentHash, float[]>> embeddings = new LinkedHashMap<>();
            for (SlotRequest r : requests) {
                embeddings.put(r.worker().slot(), collect(r, imageFailures));
            }
            if (ctx.pixelHashes()) {
                // An image encoder's decode gives the pixel hash too (ClipVisionEncoder does); one that offers none
                // leaves its contents to be decoded here.
                pixels.putAll(fromEncoders);
                pixels.putAll(pixelHashes(images, known, c -> decodedByEncoders.contains(c)
                        && !fromEncoders.containsKey(c) && !imageFailures.containsKey(c), imageFailures));
            }
            for (Prepared p : prepared) {
                SdembedException failure = p.ok() ? imageFailures.get(p.imageHash) : null;
                if (failure != null) {
                    p.fail(reasonFor(failure.getMessage(), images.get(p.imageHash).state.file(), p.state.file()),
                            !(failure instanceof ChangedWhileRead));
                }
            }
            Outcome outcome = write(prepared, texts, embeddings, pixels, known);
            // Told once the batch is committed: a failure the listener saw is one the store holds.
            prepared.stream().filter(p -> !p.ok()).forEach(p -> ctx.onFailure().accept(p.state.file(), p.error));
            return outcome;
        } finally {
            // After the commit the store answers for these contents; on failure borrowers must stop waiting.
            SdembedException abandoned = new SdembedException("The batch computing this embedding failed");
            for (SlotRequest r : requests) {
                ctx.inFlight().release(r.worker().slot(), r.own(), abandoned);
            }
        }
    }

    /**
     * Writes the batch: the indexed records with the contents and embeddings they reference (and nothing else, so
     * no content is stored without a reference), and the failed records.
     */
    private Outcome write(List<Prepared> prepared, Map<ContentHash, String> texts,
                          Map<String, Map<ContentHash, float[]>> embeddings, Map<ContentHash, PixelHash> pixels,
                          Map<ContentHash, ImageContent> known) {
        WriteBatch.Builder batch = WriteBatch.builder();
        Set<ContentHash> usedTexts = new HashSet<>();
        Set<ContentHash> usedImages = new HashSet<>();
        int indexed = 0;
        int failed = 0;
        for (Prepared p : prepared) {
            if (p.ok()) {
                ImageRecord r = p.record;
                PixelHash pixelHash = pixels.get(p.imageHash);
                if (pixelHash == null && known.containsKey(p.imageHash)) {
                    pixelHash = known.get(p.imageHash).pixelHash();
                }
                batch.image(new ImageContent(p.imageHash, p.header.width(), p.header.height(),
                        p.header.format().name().toLowerCase(Locale.ROOT), p.state.size(), pixelHash));
                batch.record(r);
                usedImages.add(r.imageHash());
                if (r.promptHash() != null) {
                    usedTexts.add(r.promptHash());
                }
                if (r.negativeHash() != null) {
                    usedTexts.add(r.negativeHash());
                }
                indexed++;
            } else {
                if (p.recorded) {
                    batch.record(ImageRecord.failed(p.state.key(), p.state.size(), p.state.modifiedAt(), p.error));
                }
                failed++;
            }
        }
        usedTexts.forEach(h -> batch.text(new TextContent(h, texts.get(h))));
        for (SlotWorker w : ctx.slots()) {
            Set<ContentHash> used = w.isImage() ? usedImages : usedTexts;
            embeddings.get(w.slot()).forEach((h, vector) -> {
                if (used.contains(h)) {
                    batch.embedding(w.slot(), h, vector);
                }
            });
        }
        WriteBatch built = batch.build();
        WriteResult result = WriteResult.builder().build();
        if (!built.isEmpty()) {
            // Empty when every file went away or kept changing: nothing to record.
            result = ctx.store().write(built);
        }
        return new Outcome(indexed, 0, failed, result.pixelHashesAdded(), result.imagesUpdated());
    }

    /**
     * The pixel hash of each content whose stored copy has none (or that the store lacks), from one decode of its
     * first file; a decode failure fails the content's files as the image encoder's does (recorded), and so does a
     * file that changed since it was hashed (not recorded: the next run reads it again), so a stored pixel hash always
     * describes the bytes its content hash names.
     */
    private Map<ContentHash, PixelHash> pixelHashes(Map<ContentHash, Prepared> images,
                                                    Map<ContentHash, ImageContent> known,
                                                    Predicate<ContentHash> which,
                                                    Map<ContentHash, SdembedException> failures) {
        Map<ContentHash, PixelHash> out = new HashMap<>();
        for (Map.Entry<ContentHash, Prepared> e : images.entrySet()) {
            ImageContent stored = known.get(e.getKey());
            if (stored != null && stored.pixelHash() != null || !which.test(e.getKey())) {
                continue;
            }
            FileState hashed = e.getValue().state;
            try {
                PixelHash hash = PixelHash.of(ctx.decoder().decode(hashed.file()));
                if (!FileState.of(hashed.file(), hashed.key()).sameAs(hashed)) {
                    failures.put(e.getKey(), new ChangedWhileRead(hashed.file(), "its pixels were decoded from other"
                            + " bytes than were hashed"));
                } else {
                    out.put(e.getKey(), hash);
                }
            } catch (ImageDecodeException decode) {
                failures.put(e.getKey(), decode);
            } catch (RuntimeException | Error fault) {
                if (!PerFileErrors.isTheFilesFault(fault)) {
                    throw new SdembedException("Decoding " + hashed.file() + " failed with " + fault + "; the run"
                            + " stopped, since this error is not the file's own. Batches already written are kept;"
                            + " run again to continue.", fault);
                }
                failures.put(e.getKey(), new ImageDecodeException(hashed.file(), "unexpected " + fault, fault));
            }
        }
        return out;
    }

    private static void putText(Map<ContentHash, String> texts, ContentHash hash, String text) {
        if (hash != null) {
            texts.putIfAbsent(hash, text);
        }
    }

    /** Stores cannot hold NUL characters in text, and a blank prompt says nothing to embed (no text is kept). */
    private static String cleanText(String raw) {
        String text = raw == null ? null : raw.replace("\0", "");
        return text == null || text.isBlank() ? null : text;
    }

    /**
     * Reads {@code first}'s file so that its header, hash, size and metadata describe the same bytes: looked at
     * again after the read, and read once more if it changed meanwhile.
     */
    private Prepared prepare(FileState first) {
        FileState state = first;
        for (int attempt = 1; ; attempt++) {
            if (state.gone()) {
                return new Prepared(state).fail("Cannot index " + state.file() + ": it no longer exists (deleted"
                        + " during the run); it is not recorded", false);
            }
            if (state.error() != null) {
                return new Prepared(state).fail(state.error(), true);
            }
            Prepared p = read(state);
            FileState after = FileState.of(state.file(), state.key());
            if (after.sameAs(state)) {
                return p;
            }
            if (attempt == 2) {
                return p.fail(changedReason(state.file(), "twice"), false);
            }
            state = after;
        }
    }

    private static String changedReason(Path file, String how) {
        return "Cannot index " + file + ": it changed while it was read (" + how + "); it is not recorded, so the"
                + " next run reads it again";
    }

    /** One read of the file: header, hash, metadata and the record they make, or why the file fails. */
    private Prepared read(FileState s) {
        Prepared p = new Prepared(s);
        Path file = s.file();
        GenerationMetadata metadata;
        try {
            p.header = ctx.decoder().readHeader(file);
            p.imageHash = ContentHash.ofFile(file);
            metadata = ctx.reader().read(file);
        } catch (SdembedException | UncheckedIOException e) {
            return p.fail(e.getMessage(), true);
        } catch (RuntimeException | Error e) {
            if (!PerFileErrors.isTheFilesFault(e)) {
                throw new SdembedException("Reading " + file + " failed with " + e + "; the run stopped, since this"
                        + " error is not the file's own. Batches already written are kept; run again to continue.", e);
            }
            return p.fail("Cannot read " + file + ": " + e, true);
        }
        p.prompt = cleanText(metadata.prompt());
        p.negative = cleanText(metadata.negativePrompt());
        try {
            p.record = record(p, metadata);
        } catch (InvalidInputException e) {
            // Metadata the store cannot hold (e.g. a NUL in a parameter name) fails this file only.
            return p.fail("Cannot index " + file + ": " + e.getMessage(), true);
        }
        return p;
    }

    private SlotRequest requestTexts(SlotWorker w, Map<ContentHash, String> texts, List<Prepared> prepared) {
        long references = prepared.stream().filter(Prepared::ok)
                .mapToLong(p -> (p.record.promptHash() != null ? 1 : 0) + (p.record.negativeHash() != null ? 1 : 0))
                .sum();
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

    private SlotRequest requestImages(SlotWorker w, Map<ContentHash, Prepared> images, List<Prepared> prepared,
                                      Map<ContentHash, PixelHash> pixelHashes) {
        long references = prepared.stream().filter(Prepared::ok).count();
        SlotRequest r = resolve(w, images.keySet(), references);
        if (!r.own().isEmpty()) {
            List<ContentHash> order = new ArrayList<>(r.own().keySet());
            w.embedImages(order.stream().map(h -> images.get(h).state.file()).toList()).whenComplete((out, e) -> {
                for (int i = 0; i < order.size(); i++) {
                    CompletableFuture<Embedding> f = r.own().get(order.get(i));
                    FileState hashed = images.get(order.get(i)).state;
                    if (e != null) {
                        f.completeExceptionally(e);
                    } else if (!out.get(i).succeeded()) {
                        f.completeExceptionally(out.get(i).error());
                    } else if (!FileState.of(hashed.file(), hashed.key()).sameAs(hashed)) {
                        // Pixels of other bytes than the hash names: stored, they would serve every copy of the
                        // hashed bytes the wrong vector.
                        f.completeExceptionally(new ChangedWhileRead(hashed.file()));
                    } else {
                        if (out.get(i).pixelHash() != null) {
                            pixelHashes.put(order.get(i), out.get(i).pixelHash());
                        }
                        f.complete(out.get(i).embedding());
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

    /**
     * Waits for the slot's embeddings. Image contents that cannot be decoded, or changed before the encoder read
     * them, are noted in {@code imageFailures}; their files fail.
     */
    private static Map<ContentHash, float[]> collect(SlotRequest r, Map<ContentHash, SdembedException> imageFailures) {
        Map<ContentHash, float[]> vectors = new LinkedHashMap<>();
        for (Map.Entry<ContentHash, CompletableFuture<Embedding>> e : r.waitFor().entrySet()) {
            try {
                Embedding embedding = e.getValue().join();
                if (embedding != null) {
                    // null: the batch that claimed it found it stored, so this batch's write needs no copy.
                    vectors.put(e.getKey(), embedding.vector());
                }
            } catch (CompletionException failure) {
                Throwable cause = failure.getCause();
                if (r.worker().isImage() && (cause instanceof ImageDecodeException
                        || cause instanceof ChangedWhileRead)) {
                    imageFailures.put(e.getKey(), (SdembedException) cause);
                } else if (cause instanceof SdembedException s) {
                    throw s;
                } else {
                    throw new SdembedException("Encoder of slot '" + r.worker().slot() + "' failed: " + cause, cause);
                }
            }
        }
        return vectors;
    }

    /** The decode failure of a content, told about this file (another file with the same bytes may have been read). */
    private static String reasonFor(String failure, Path decoded, Path file) {
        if (failure == null) {
            return null;
        }
        return decoded == null || decoded.equals(file) ? failure : failure.replace(decoded.toString(), file.toString());
    }

    private static ImageRecord record(Prepared p, GenerationMetadata m) {
        Map<String, String> parameters = new LinkedHashMap<>();
        putIfSet(parameters, "seed", m.seed());
        putIfSet(parameters, "steps", m.steps());
        putIfSet(parameters, "cfg", m.cfg());
        putIfSet(parameters, "sampler", m.sampler());
        putIfSet(parameters, "model_hash", m.modelHash());
        m.parameters().forEach(parameters::putIfAbsent);
        return ImageRecord.builder(p.state.key())
                .imageHash(p.imageHash)
                .promptHash(p.prompt == null ? null : ContentHash.ofText(p.prompt))
                .negativeHash(p.negative == null ? null : ContentHash.ofText(p.negative))
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
