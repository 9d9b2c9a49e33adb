package dev.sdembed.runtime;

import dev.sdembed.concurrent.Futures;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.onnx.OnnxEncoders;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The composition root every front end (command line, server, Spark job) opens: a configuration's slots with their
 * encoders loaded, each on its device, and the store a URL names, opened with those slots; closing it closes both.
 *
 * <pre>{@code
 * try (Sdembed sdembed = Sdembed.open(SdembedConfig.read(Path.of("sdembed.json")))) {
 *     try (BulkEmbeddingPipeline pipeline = sdembed.pipeline().build()) {
 *         pipeline.run(List.of(Path.of("/data/images")));
 *     }
 *     sdembed.store().search(...);
 * }
 * }</pre>
 */
public final class Sdembed implements AutoCloseable {
    /** Environment variable holding the PostgreSQL store password, so it need not be in a URL or a file. */
    public static final String PASSWORD_VARIABLE = "SDEMBED_STORE_PASSWORD";

    /** What the encoders are loaded for, and by default how the store is opened. */
    public enum Usage {
        /**
         * Indexing: every load-time optimisation that pays off over many batches (BGE's attention fusion); the store
         * is opened for writing and created if missing.
         */
        BULK,
        /**
         * A few queries, then the process ends (a command): no load-time work that only many inferences repay, no
         * rewrite of the graph, and on the CPU the weights memory-mapped from a kept copy without pre-packing
         * ({@link dev.sdembed.onnx.OnnxOptions.Builder#mappedWeights}); encoders load when first used, so a query
         * loads only the ones it runs, while the store opens; the store is opened read-only, so a query never
         * creates a store where there is none, and reads while an index run writes.
         */
        QUERIES,
        /**
         * Queries for as long as the process lives (a server): as {@link #QUERIES}, but the sessions load their
         * weights pre-packed, a slower start for faster inferences (one bge-small query 6 → 3.5 ms on the CPU).
         */
        SERVING
    }

    /**
     * Starts loading the native libraries an open needs (ONNX Runtime's, the tokenizers', SQLite's) on daemon threads
     * and returns at once: for a process that owns its JVM and will open soon, with other work until then, such as a
     * command parsing its arguments and configuration (~100 ms of a one-shot query on 2 cores). An open meanwhile
     * waits for what is under way; nothing loads twice. SQLite's is loaded even when the store will be PostgreSQL:
     * ~5 ms of the other core, while the configuration that says so is still unread.
     */
    public static void preloadNativeLibraries() {
        OnnxEncoders.preloadNativeLibraries();
        EmbeddedEmbeddingStore.preloadNativeLibrary();
    }

    private final SdembedConfig config;
    private final StoreLocation location;
    private final LoadedSlots slots;
    /** Opened while the caller goes on with Usage.QUERIES: beside the one encoder a query loads. */
    private final CompletableFuture<EmbeddingStore> store;
    private final boolean readOnly;

    private Sdembed(SdembedConfig config, StoreLocation location, LoadedSlots slots,
                    CompletableFuture<EmbeddingStore> store, boolean readOnly) {
        this.config = config;
        this.location = location;
        this.slots = slots;
        this.store = store;
        this.readOnly = readOnly;
    }

    /** Opens {@code config} for bulk work, with its store (the embedded store in ./sdembed-data when it names none). */
    public static Sdembed open(SdembedConfig config) {
        return builder(config).open();
    }

    public static Builder builder(SdembedConfig config) {
        return new Builder(config);
    }

    public SdembedConfig config() {
        return config;
    }

    /** Where the store is; its {@code toString} never shows a password. */
    public StoreLocation storeLocation() {
        return location;
    }

    public LoadedSlots slots() {
        return slots;
    }

    /**
     * The store. With {@link Usage#QUERIES} it opens on a thread of its own while the caller goes on (loading the
     * encoder its query needs): this waits for it, and throws what opening it threw.
     */
    public EmbeddingStore store() {
        return Futures.join(store);
    }

    /** Whether the store was opened read-only ({@link Builder#readOnly(boolean)}). */
    public boolean readOnly() {
        return readOnly;
    }

    /**
     * A pipeline builder over this store, with every slot's encoder and the configuration's pipeline settings
     * (batch size, batches in flight, most pixels); add a listener or other settings, then build it.
     *
     * @throws IllegalStateException when the store was opened read-only
     */
    public BulkEmbeddingPipeline.Builder pipeline() {
        if (readOnly) {
            throw new IllegalStateException("The store " + location + " was opened read-only (Usage.QUERIES, SERVING"
                    + " or readOnly(true)); open it with Usage.BULK or readOnly(false) to index");
        }
        BulkEmbeddingPipeline.Builder b = BulkEmbeddingPipeline.builder(store());
        slots.textEncoders().forEach(b::textSlot);
        slots.imageEncoders().forEach(b::imageSlot);
        if (config.batchSize() != null) {
            b.batchSize(config.batchSize());
        }
        if (config.batchesInFlight() != null) {
            b.batchesInFlight(config.batchesInFlight());
        }
        if (config.maxPixels() != null) {
            b.imageDecoder(ImageDecoder.builder().maxPixels(config.maxPixels()).build());
        }
        return b;
    }

    /** Closes the store, then the encoders; idempotent. */
    @Override
    public void close() {
        try {
            EmbeddingStore opened = null;
            try {
                opened = store.join();
            } catch (CompletionException e) {
                // Never opened: nothing to close; whoever asked for the store was told why.
            }
            if (opened != null) {
                opened.close();
            }
        } finally {
            slots.close();
        }
    }

    /** Overrides of what the configuration says, as a front end's options give them. */
    public static final class Builder {
        private final SdembedConfig config;
        private String store;
        private String schema;
        private String password = System.getenv(PASSWORD_VARIABLE);
        private Usage usage = Usage.BULK;
        private Boolean readOnly;
        private Path modelCache;

        private Builder(SdembedConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The store's URL or folder, instead of the configuration's {@code store.url}; null keeps it. */
        public Builder store(String urlOrFolder) {
            this.store = urlOrFolder;
            return this;
        }

        /** The PostgreSQL schema, instead of the configuration's {@code store.schema}; null keeps it. */
        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        /**
         * The PostgreSQL password when the URL has none. Default: {@value #PASSWORD_VARIABLE} from the environment
         * (the PostgreSQL store then falls back to {@code PGPASSWORD}).
         */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** What the encoders are loaded for; default {@link Usage#BULK}. */
        public Builder usage(Usage usage) {
            this.usage = Objects.requireNonNull(usage, "usage");
            return this;
        }

        /**
         * Whether the store is opened read-only: it must exist (the error names where it looked: "No sdembed store
         * at ..."), nothing in it is created, migrated or changed, and the embedded store is read while another
         * process writes it. Default: read-only for {@link Usage#QUERIES}, for writing (created if missing) for
         * {@link Usage#BULK}.
         */
        public Builder readOnly(boolean readOnly) {
            this.readOnly = readOnly;
            return this;
        }

        /**
         * A folder for what the encoders derive from their model files ({@code OnnxOptions.modelCache}): fused
         * graphs, which a bulk load writes and later loads, for queries too, read instead of making them again, and
         * the weights' fingerprints. Default none; the command line uses {@code ~/.cache/sdembed/models}
         * ({@link DefaultPaths#userCache()}).
         */
        public Builder modelCache(Path folder) {
            this.modelCache = folder;
            return this;
        }

        /** Where the store is, checked without loading anything. */
        public StoreLocation storeLocation() {
            StoreLocation location = StoreLocation.parse(store != null ? store : config.storeUrl());
            location.checkSchema(schema());
            return location;
        }

        /**
         * Checks the store location (for a read-only open of the embedded store, that a store is there), loads every
         * slot's encoder, then opens the store with their slot specs; what was opened is closed again when a later
         * step fails. With {@link Usage#QUERIES} the encoders whose model folders declare what they will report load
         * when first used, and the store opens on a thread of its own ({@link Sdembed#store()} waits for it).
         */
        public Sdembed open() {
            StoreLocation location = storeLocation();
            boolean readOnly = this.readOnly != null ? this.readOnly : usage != Usage.BULK;
            if (readOnly) {
                location.requireExistingStore();
            }
            LoadedSlots slots = LoadedSlots.load(config, usage, modelCache);
            try {
                String schema = schema();
                String password = this.password;
                CompletableFuture<EmbeddingStore> store;
                if (usage == Usage.QUERIES) {
                    // The slots' encoders load when first used: the store opens beside the first of them.
                    store = CompletableFuture.supplyAsync(
                            () -> location.open(slots.specs(), schema, password, readOnly),
                            Futures.threadPerTask("sdembed-store-open"));
                } else {
                    store = CompletableFuture.completedFuture(location.open(slots.specs(), schema, password, readOnly));
                }
                return new Sdembed(config, location, slots, store, readOnly);
            } catch (RuntimeException e) {
                slots.close();
                throw e;
            }
        }

        private String schema() {
            return schema != null ? schema : config.schema();
        }
    }
}
