package dev.sdembed.spark.internal;

import dev.sdembed.runtime.SdembedConfig;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * What every task needs to open the job's encoders and store, small and serializable: the configuration is sent as
 * the path of its file (on storage every executor reads, as the models and images are), never as loaded encoders or
 * connections. Equal settings share one set of encoders in an executor JVM.
 *
 * @param configFile   the configuration file (absolute), or null for the default slot
 * @param defaultModel bge-small's folder (absolute) for the default slot when there is no configuration file
 * @param store        the PostgreSQL store's URL, or null for the configuration's {@code store.url}
 * @param schema       the store's schema, or null for the configuration's (else the store's default)
 * @param retryFailed  whether files stored as failed are indexed again
 * @param batchSize    files per store transaction, or null for the configuration's (else the pipeline's default)
 */
public record JobSettings(String configFile, String defaultModel, String store, String schema, boolean retryFailed,
                          Integer batchSize) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Reads the configuration as the command line does: the file, or the default slot on bge-small. */
    public SdembedConfig readConfig() {
        return configFile != null ? SdembedConfig.read(Path.of(configFile))
                : SdembedConfig.defaults(Path.of(defaultModel));
    }
}
