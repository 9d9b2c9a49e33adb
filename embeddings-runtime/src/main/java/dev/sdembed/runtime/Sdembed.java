package dev.sdembed.runtime;

import dev.sdembed.image.ImageDecoder;
import dev.sdembed.onnx.OnnxEncoders;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import java.nio.file.Path;
import java.util.Objects;

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
         * ({@link dev.sdembed.onnx.OnnxOptions.Builder#mappedWeights}); the store is opened read-only, so a query
         * never creates a store where there is none, and reads while an index run writes.
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
    private final EmbeddingStore store;
    private final boolean readOnly;

    private Sdembed(SdembedConfig config, StoreLocation location, LoadedSlots slots, EmbeddingStore store,
                    boolean readOnly) {
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

    public EmbeddingStore store() {
        return store;
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
            throw new IllegalStateException("The store " + location + " was opened read-only (Usage.QUERIES, SERVING or "
                    + "readOnly(true)); open it with Usage.BULK or readOnly(false) to index");
        }
        BulkEmbeddingPipeline.Builder b = BulkEmbeddingPipeline.builder(store);
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
            store.close();
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
         * step fails.
         */
        public Sdembed open() {
            StoreLocation location = storeLocation();
            boolean readOnly = this.readOnly != null ? this.readOnly : usage != Usage.BULK;
            if (readOnly) {
                location.requireExistingStore();
            }
            LoadedSlots slots = LoadedSlots.load(config, usage, modelCache);
            try {
                return new Sdembed(config, location, slots, location.open(slots.specs(), schema(), password, readOnly),
                        readOnly);
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
