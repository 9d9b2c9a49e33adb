package dev.sdembed.pipeline;

import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ContentEmbedding;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.InvariantReport;
import dev.sdembed.store.MaintenanceResult;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.PathOrder;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.store.PixelDuplicates;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.TextContent;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.WriteResult;
import dev.sdembed.store.spi.StoreChecks;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the bulk pipeline asks of a store, held in maps, so the pipeline's own accounting (what it skips, computes,
 * serves from the cache) is tested without a database: image records by path, text and image contents, and each
 * slot's embeddings tagged with the fingerprint of the model that made them. Search, maintenance and the invariant
 * check are not here (they throw): how the real stores hold what the pipeline writes is checked by
 * {@code EmbeddingStoreContract} and by the pipeline tests on PostgreSQL in {@code sdembed-cli}.
 *
 * <p>{@link #reopen} gives the same contents under other slot specs, as a store reopened after a model changed.
 */
final class MemoryStore implements EmbeddingStore {
    private final List<SlotSpec> slots;
    private final Contents contents;
    private volatile Runnable afterLookup = () -> {
    };

    /** Everything stored, shared by a store and its reopened views; every access holds its monitor. */
    private static final class Contents {
        final Map<String, StoredImage> records = new TreeMap<>(PathOrder.COMPARATOR);
        final Set<ContentHash> texts = new HashSet<>();
        final Map<ContentHash, ImageContent> images = new HashMap<>();
        /** Per slot: content → fingerprint of the model that embedded it. */
        final Map<String, Map<ContentHash, String>> embeddings = new HashMap<>();
        long nextId = 1;
    }

    private MemoryStore(List<SlotSpec> slots, Contents contents) {
        this.slots = List.copyOf(slots);
        this.contents = contents;
    }

    /** An empty store with these slots. */
    static MemoryStore of(SlotSpec... slots) {
        return new MemoryStore(List.of(slots), new Contents());
    }

    /** The same contents with these slots, as the store opened again with another model in a slot. */
    MemoryStore reopen(SlotSpec... slots) {
        return new MemoryStore(List.of(slots), contents);
    }

    /**
     * Runs {@code hook} in {@link #embedded} after the answer is read and before it is returned, as the time a real
     * store's answer takes to travel back.
     */
    void afterLookup(Runnable hook) {
        this.afterLookup = hook;
    }

    @Override
    public List<SlotSpec> slots() {
        return slots;
    }

    @Override
    public WriteResult write(WriteBatch batch) {
        synchronized (contents) {
            // As the real stores: an embedding comes with its content or after it, never alone.
            for (SlotSpec s : slots) {
                Set<ContentHash> stored = s.modality() == Modality.TEXT ? contents.texts : contents.images.keySet();
                List<ContentHash> missing = StoreChecks.contentsOutsideBatch(batch, s).stream()
                        .filter(h -> !stored.contains(h)).toList();
                if (!missing.isEmpty()) {
                    throw StoreChecks.missingContent(s, missing.get(0), missing.size());
                }
            }
            Map<String, Integer> written = new LinkedHashMap<>();
            for (ContentEmbedding e : batch.embeddings()) {
                String fingerprint = slot(e.slot()).fingerprint();
                String before = contents.embeddings.computeIfAbsent(e.slot(), s -> new HashMap<>())
                        .put(e.content(), fingerprint);
                if (!fingerprint.equals(before)) {
                    written.merge(e.slot(), 1, Integer::sum);
                }
            }
            int texts = 0;
            for (TextContent t : batch.texts()) {
                texts += contents.texts.add(t.hash()) ? 1 : 0;
            }
            int images = 0;
            int pixelHashes = 0;
            for (ImageContent i : batch.images()) {
                ImageContent known = contents.images.get(i.hash());
                if (known == null) {
                    contents.images.put(i.hash(), i);
                    images++;
                } else if (known.pixelHash() == null && i.pixelHash() != null) {
                    contents.images.put(i.hash(), known.withPixelHash(i.pixelHash()));
                    pixelHashes++;
                }
            }
            Set<ContentHash> released = new HashSet<>();
            for (String path : batch.touchedPaths()) {
                StoredImage s = contents.records.get(path);
                if (s != null) {
                    released.addAll(hashes(s.record()));
                }
            }
            int deleted = 0;
            for (String path : batch.deletions()) {
                deleted += contents.records.remove(path) != null ? 1 : 0;
            }
            int moved = 0;
            List<ImageRecord> records = new ArrayList<>(batch.records());
            for (WriteBatch.Move m : batch.moves()) {
                StoredImage from = contents.records.remove(m.from());
                if (from == null) {
                    records.add(m.record());
                    continue;
                }
                contents.records.put(m.record().path(), new StoredImage(from.id(), m.record()));
                moved++;
            }
            int inserted = 0;
            int updated = 0;
            int unchanged = 0;
            for (ImageRecord r : records) {
                StoredImage known = contents.records.get(r.path());
                long id = known == null ? contents.nextId++ : known.id();
                contents.records.put(r.path(), new StoredImage(id, r));
                if (known == null) {
                    inserted++;
                } else if (known.record().equals(r)) {
                    unchanged++;
                } else {
                    updated++;
                }
            }
            WriteResult.Builder result = WriteResult.builder().imagesInserted(inserted).imagesUpdated(updated)
                    .imagesUnchanged(unchanged).imagesDeleted(deleted).textsAdded(texts).imageContentsAdded(images)
                    .imagesMoved(moved).pixelHashesAdded(pixelHashes);
            if (batch.removesUnreferenced()) {
                Set<ContentHash> used = new HashSet<>();
                contents.records.values().forEach(r -> used.addAll(hashes(r.record())));
                released.removeAll(used);
                int textsRemoved = 0;
                int imagesRemoved = 0;
                for (ContentHash h : released) {
                    textsRemoved += contents.texts.remove(h) ? 1 : 0;
                    imagesRemoved += contents.images.remove(h) != null ? 1 : 0;
                    contents.embeddings.values().forEach(made -> made.remove(h));
                }
                result.textsRemoved(textsRemoved).imageContentsRemoved(imagesRemoved);
            }
            written.forEach(result::embeddingsWritten);
            return result.build();
        }
    }

    @Override
    public Set<ContentHash> embeddedHashes(String slot, Collection<ContentHash> hashes) {
        String current = slot(slot).fingerprint();
        Set<ContentHash> out = new HashSet<>();
        synchronized (contents) {
            Map<ContentHash, String> made = contents.embeddings.getOrDefault(slot, Map.of());
            for (ContentHash h : hashes) {
                if (current.equals(made.get(h))) {
                    out.add(h);
                }
            }
        }
        afterLookup.run();
        return out;
    }

    private static List<ContentHash> hashes(ImageRecord r) {
        List<ContentHash> out = new ArrayList<>(3);
        for (ContentHash h : new ContentHash[] {r.imageHash(), r.promptHash(), r.negativeHash()}) {
            if (h != null) {
                out.add(h);
            }
        }
        return out;
    }

    @Override
    public Map<ContentHash, ImageContent> imageContents(Collection<ContentHash> hashes) {
        synchronized (contents) {
            Map<ContentHash, ImageContent> out = new HashMap<>();
            for (ContentHash h : hashes) {
                ImageContent c = contents.images.get(h);
                if (c != null) {
                    out.put(h, c);
                }
            }
            return out;
        }
    }

    @Override
    public Map<String, StoredImage> findImages(Collection<String> paths) {
        synchronized (contents) {
            Map<String, StoredImage> out = new HashMap<>();
            for (String p : paths) {
                StoredImage s = contents.records.get(p);
                if (s != null) {
                    out.put(p, s);
                }
            }
            return out;
        }
    }

    /** Every record, in path order. */
    List<ImageRecord> records() {
        synchronized (contents) {
            return contents.records.values().stream().map(StoredImage::record).toList();
        }
    }

    /** The record stored at {@code path}, if any. */
    Optional<ImageRecord> record(String path) {
        synchronized (contents) {
            return Optional.ofNullable(contents.records.get(path)).map(StoredImage::record);
        }
    }

    /** Every text content stored. */
    Set<ContentHash> texts() {
        synchronized (contents) {
            return Set.copyOf(contents.texts);
        }
    }

    /** The contents {@code slot} holds an embedding for. */
    Set<ContentHash> embedded(String slot) {
        synchronized (contents) {
            return Set.copyOf(contents.embeddings.getOrDefault(slot, Map.of()).keySet());
        }
    }

    /**
     * What a real store's invariant check and reference counts would show wrong: text and image contents no record
     * references, and embeddings of contents the store does not hold. After a run from an empty store, none.
     */
    List<String> unreferenced() {
        synchronized (contents) {
            Set<ContentHash> used = new HashSet<>();
            for (StoredImage s : contents.records.values()) {
                ImageRecord r = s.record();
                for (ContentHash h : new ContentHash[] {r.imageHash(), r.promptHash(), r.negativeHash()}) {
                    if (h != null) {
                        used.add(h);
                    }
                }
            }
            List<String> out = new ArrayList<>();
            contents.texts.stream().filter(h -> !used.contains(h)).forEach(h -> out.add("text " + h.shortHex()));
            contents.images.keySet().stream().filter(h -> !used.contains(h))
                    .forEach(h -> out.add("image " + h.shortHex()));
            contents.embeddings.forEach((slot, made) -> made.keySet().stream()
                    .filter(h -> !contents.texts.contains(h) && !contents.images.containsKey(h))
                    .forEach(h -> out.add("orphan embedding " + slot + " " + h.shortHex())));
            return out;
        }
    }

    /** The fingerprints of the models that made {@code slot}'s embeddings, one per embedding. */
    List<String> fingerprints(String slot) {
        synchronized (contents) {
            return List.copyOf(contents.embeddings.getOrDefault(slot, Map.of()).values());
        }
    }

    /**
     * The OK records some slot has no current embedding for: after a complete run, none (every file indexed is
     * embedded in every slot by the slot's current model).
     */
    List<String> incompleteRecords() {
        List<String> incomplete = new ArrayList<>();
        for (ImageRecord r : records()) {
            if (r.status() == ImageStatus.OK && slots.stream().anyMatch(s -> !embeddedHashes(s.name(), used(r, s))
                    .containsAll(used(r, s)))) {
                incomplete.add(r.path());
            }
        }
        return incomplete;
    }

    /** The contents of {@code r} that {@code slot} embeds. */
    private static List<ContentHash> used(ImageRecord r, SlotSpec slot) {
        List<ContentHash> used = new ArrayList<>(2);
        if (slot.modality() == Modality.IMAGE) {
            used.add(r.imageHash());
        } else {
            if (r.promptHash() != null) {
                used.add(r.promptHash());
            }
            if (r.negativeHash() != null) {
                used.add(r.negativeHash());
            }
        }
        return used;
    }

    /**
     * Counts as the real stores define them; {@code references} counts the OK records' uses of contents the slot
     * has an embedding for, each vector taking {@code dimension × 4} bytes (float32).
     */
    @Override
    public StoreStats stats() {
        synchronized (contents) {
            List<SlotStats> perSlot = new ArrayList<>();
            for (SlotSpec s : slots) {
                Map<ContentHash, String> made = contents.embeddings.getOrDefault(s.name(), Map.of());
                long stale = made.values().stream().filter(f -> !f.equals(s.fingerprint())).count();
                long references = contents.records.values().stream()
                        .flatMap(r -> used(r.record(), s).stream()).filter(made::containsKey).count();
                perSlot.add(new SlotStats(s.name(), made.size(), stale, references, s.dimension() * 4));
            }
            long failed = contents.records.values().stream()
                    .filter(r -> r.record().status() == ImageStatus.FAILED).count();
            return new StoreStats(contents.records.size(), failed, contents.texts.size(), contents.images.size(),
                    perSlot);
        }
    }

    @Override
    public Map<ContentHash, Long> referenceCounts(Modality kind, Collection<ContentHash> hashes) {
        throw notForThePipeline();
    }

    @Override
    public Map<ContentHash, String> texts(Collection<ContentHash> hashes) {
        throw notForThePipeline();
    }

    @Override
    public Optional<StoredImage> findImage(long id) {
        throw notForThePipeline();
    }

    @Override
    public List<StoredImage> listImages(ImageStatus status, String afterPath, int limit) {
        synchronized (contents) {
            List<StoredImage> page = new ArrayList<>();
            for (StoredImage s : contents.records.values()) {
                if (afterPath != null && PathOrder.compare(s.path(), afterPath) <= 0
                        || status != null && s.record().status() != status) {
                    continue;
                }
                if (page.size() == limit) {
                    break;
                }
                page.add(s);
            }
            return page;
        }
    }

    /** The stored image content of {@code hash}, if any. */
    Optional<ImageContent> imageContent(ContentHash hash) {
        synchronized (contents) {
            return Optional.ofNullable(contents.images.get(hash));
        }
    }

    @Override
    public List<SearchHit> search(SearchRequest request) {
        throw notForThePipeline();
    }

    @Override
    public List<DuplicateGroup> nearDuplicates(NearDuplicateRequest request) {
        throw notForThePipeline();
    }

    @Override
    public List<DuplicateGroup> identicalFiles(SearchFilter filter) {
        throw notForThePipeline();
    }

    @Override
    public PixelDuplicates pixelDuplicates(PixelDuplicateRequest request) {
        throw notForThePipeline();
    }

    @Override
    public MaintenanceResult removeUnreferenced() {
        throw notForThePipeline();
    }

    @Override
    public InvariantReport checkInvariants() {
        throw notForThePipeline();
    }

    @Override
    public void close() {
    }

    private static UnsupportedOperationException notForThePipeline() {
        return new UnsupportedOperationException("The pipeline's test store holds only what the pipeline uses");
    }
}
