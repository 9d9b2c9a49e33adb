package dev.sdembed.cli;

import dev.sdembed.runtime.DefaultPaths;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.runtime.StoreLocation;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the store is and which slots it has: {@code --config}, {@code --store}, {@code --schema} (a picocli mixin
 * shared by the commands that open the store). The password comes from the URL, {@value Sdembed#PASSWORD_VARIABLE}
 * or {@code PGPASSWORD}; it is never printed.
 */
public final class StoreOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON configuration: store, pipeline and slots (model folder, device, batch sizes). Without"
                    + " it, slot prompt_bge uses models/bge-small-en-v1.5 on the CPU.")
    Path config;

    @Option(names = "--store", paramLabel = "URL",
            description = "A folder (or file:FOLDER) for the embedded store, or postgresql://user[:password]@host:port/db"
                    + " or jdbc:postgresql://host:port/db; overrides the configuration's store.url. Default: the"
                    + " embedded store in ./" + StoreLocation.DEFAULT_FOLDER + ". Password also from "
                    + Sdembed.PASSWORD_VARIABLE + " or PGPASSWORD.")
    String store;

    @Option(names = "--schema", paramLabel = "NAME",
            description = "PostgreSQL schema of the store (default: the configuration's store.schema, else sdembed).")
    String schema;

    /** The configuration file's content, or the default when no file is given. */
    public SdembedConfig readConfig() {
        return config != null ? SdembedConfig.read(config) : SdembedConfig.defaults(DefaultPaths.bgeSmall());
    }

    /** The configuration with these options' overrides, ready to open. */
    public Sdembed.Builder sdembed(Sdembed.Usage usage) {
        return Sdembed.builder(readConfig()).store(store).schema(schema).usage(usage)
                .modelCache(DefaultPaths.modelCache());
    }
}
