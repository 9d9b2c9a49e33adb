package dev.sdembed.cli;

import dev.sdembed.InvalidInputException;
import dev.sdembed.cli.config.IndexConfig;
import dev.sdembed.cli.config.LoadedSlots;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import dev.sdembed.store.postgres.PostgresEmbeddingStore;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the store is and which slots it has: {@code --config}, {@code --store}, {@code --schema} (a picocli mixin
 * shared by the commands that open the store). The password comes from the URL, {@code SDEMBED_STORE_PASSWORD} or
 * {@code PGPASSWORD}; it is never printed.
 */
public final class StoreOptions {
    /** Environment variable holding the store password, so it need not be on the command line. */
    public static final String PASSWORD_VARIABLE = "SDEMBED_STORE_PASSWORD";

    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON configuration: store, pipeline and slots (model folder, device, batch sizes). Without"
                    + " it, slot prompt_bge uses models/bge-small-en-v1.5 on the CPU.")
    Path config;

    @Option(names = "--store", paramLabel = "URL",
            description = "A folder (or file:FOLDER) for the embedded store, or postgresql://user[:password]@host:port/db"
                    + " or jdbc:postgresql://host:port/db; overrides the configuration's store.url. Default: the"
                    + " embedded store in ./" + StoreLocation.DEFAULT_FOLDER + ". Password also from "
                    + PASSWORD_VARIABLE + " or PGPASSWORD.")
    String store;

    @Option(names = "--schema", paramLabel = "NAME",
            description = "PostgreSQL schema of the store (default: the configuration's store.schema, else sdembed).")
    String schema;

    /** The configuration file's content, or the default when no file is given. */
    public IndexConfig readConfig() {
        return config != null ? IndexConfig.read(config) : IndexConfig.defaults(DefaultPaths.bgeSmall());
    }

    /**
     * Where the store is, from {@code --store}, else the configuration, else the embedded store in the working
     * folder; checked before any model is loaded.
     */
    public StoreLocation storeLocation(IndexConfig cfg) {
        StoreLocation location = StoreLocation.parse(store != null ? store : cfg.storeUrl());
        if (location.isEmbedded() && schema != null) {
            throw new InvalidInputException("--schema applies to PostgreSQL stores only; the embedded store in "
                    + location.embeddedDirectory() + " has no schemas");
        }
        return location;
    }

    /** Opens the store with the loaded slots. */
    public EmbeddingStore openStore(IndexConfig cfg, LoadedSlots slots) {
        StoreLocation location = storeLocation(cfg);
        if (location.isEmbedded()) {
            return EmbeddedEmbeddingStore.builder().directory(location.embeddedDirectory()).slots(slots.specs()).build();
        }
        PostgresEmbeddingStore.Builder b = PostgresEmbeddingStore.builder().url(location.postgresUrl())
                .slots(slots.specs());
        String s = schema != null ? schema : cfg.schema();
        if (s != null) {
            b.schema(s);
        }
        String password = System.getenv(PASSWORD_VARIABLE);
        if (password != null && !password.isEmpty()) {
            b.password(password);
        }
        return b.build();
    }
}
