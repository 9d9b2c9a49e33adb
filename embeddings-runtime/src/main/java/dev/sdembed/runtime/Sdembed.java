package dev.sdembed.runtime;

import dev.sdembed.image.ImageDecoder;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.store.EmbeddingStore;
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

    /** What the encoders are loaded for. */
    public enum Usage {
        /** Indexing: every load-time optimisation that pays off over many batches (BGE's attention fusion). */
        BULK,
        /** A few queries: no load-time rewrite that only many batches repay. */
        QUERIES
    }

    private final SdembedConfig config;
    private final StoreLocation location;
    private final LoadedSlots slots;
    private final EmbeddingStore store;

    private Sdembed(SdembedConfig config, StoreLocation location, LoadedSlots slots, EmbeddingStore store) {
        this.config = config;
        this.location = location;
        this.slots = slots;
        this.store = store;
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

    /**
     * A pipeline builder over this store, with every slot's encoder and the configuration's pipeline settings
     * (batch size, batches in flight, most pixels); add a listener or other settings, then build it.
     */
    public BulkEmbeddingPipeline.Builder pipeline() {
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

        /** Where the store is, checked without loading anything. */
        public StoreLocation storeLocation() {
            StoreLocation location = StoreLocation.parse(store != null ? store : config.storeUrl());
            location.checkSchema(schema());
            return location;
        }

        /**
         * Checks the store location, loads every slot's encoder, then opens the store with their slot specs; what
         * was opened is closed again when a later step fails.
         */
        public Sdembed open() {
            StoreLocation location = storeLocation();
            LoadedSlots slots = LoadedSlots.load(config, usage);
            try {
                return new Sdembed(config, location, slots, location.open(slots.specs(), schema(), password));
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
