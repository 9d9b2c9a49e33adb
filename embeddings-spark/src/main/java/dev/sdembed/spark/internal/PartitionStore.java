package dev.sdembed.spark.internal;

import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.InvariantReport;
import dev.sdembed.store.MaintenanceResult;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.store.PixelDuplicates;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.WriteResult;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The executor's store as one partition's pipeline sees it: every call goes to the store, except {@link #stats()},
 * which answers zeros. A pipeline run ends by asking the store for its totals (counts over every table, seconds on
 * a store of ten million images); a job of thousands of partitions would pay that once per partition for figures
 * nobody reads, since the driver asks the store once when the job ends. Not closed by the pipeline: the store is the
 * executor's.
 */
final class PartitionStore implements EmbeddingStore {
    private final EmbeddingStore store;

    PartitionStore(EmbeddingStore store) {
        this.store = store;
    }

    @Override
    public List<SlotSpec> slots() {
        return store.slots();
    }

    @Override
    public WriteResult write(WriteBatch batch) {
        return store.write(batch);
    }

    @Override
    public Set<ContentHash> embeddedHashes(String slot, Collection<ContentHash> hashes) {
        return store.embeddedHashes(slot, hashes);
    }

    @Override
    public Map<ContentHash, Long> referenceCounts(Modality kind, Collection<ContentHash> hashes) {
        return store.referenceCounts(kind, hashes);
    }

    @Override
    public Map<ContentHash, String> texts(Collection<ContentHash> hashes) {
        return store.texts(hashes);
    }

    @Override
    public Map<ContentHash, ImageContent> imageContents(Collection<ContentHash> hashes) {
        return store.imageContents(hashes);
    }

    @Override
    public Map<String, StoredImage> findImages(Collection<String> paths) {
        return store.findImages(paths);
    }

    @Override
    public Optional<StoredImage> findImage(long id) {
        return store.findImage(id);
    }

    @Override
    public List<StoredImage> listImages(ImageStatus status, String afterPath, int limit) {
        return store.listImages(status, afterPath, limit);
    }

    @Override
    public List<SearchHit> search(SearchRequest request) {
        return store.search(request);
    }

    @Override
    public List<DuplicateGroup> nearDuplicates(NearDuplicateRequest request) {
        return store.nearDuplicates(request);
    }

    @Override
    public List<DuplicateGroup> identicalFiles(SearchFilter filter) {
        return store.identicalFiles(filter);
    }

    @Override
    public PixelDuplicates pixelDuplicates(PixelDuplicateRequest request) {
        return store.pixelDuplicates(request);
    }

    /** Zeros for every slot: the driver reads the store's totals once, after the job. */
    @Override
    public StoreStats stats() {
        return new StoreStats(0, 0, 0, 0, store.slots().stream()
                .map(s -> new SlotStats(s.name(), 0, 0, 0, 0)).toList());
    }

    @Override
    public MaintenanceResult removeUnreferenced() {
        return store.removeUnreferenced();
    }

    @Override
    public InvariantReport checkInvariants() {
        return store.checkInvariants();
    }

    /** The executor's store stays open for the next partition. */
    @Override
    public void close() {
    }
}
