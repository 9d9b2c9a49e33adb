package dev.sdembed.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where benchmarks that measure more than JMH records (ingest time of a store they load, a pipeline run) leave those
 * figures for {@link BenchReport}: JSON files in the folder named by system property {@value #PROPERTY}.
 * JMH forks inherit the launching JVM's {@code -D} options, so {@code bin/bench} sets it once.
 */
final class BenchOutput {
    static final String PROPERTY = "sdembed.bench.out";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchOutput() {
    }

    /** Writes {@code value} as {@code name} into the output folder; does nothing when no folder is configured. */
    static void write(String name, Object value) {
        String dir = System.getProperty(PROPERTY);
        if (dir == null || dir.isBlank()) {
            return;
        }
        try {
            Path folder = Path.of(dir);
            Files.createDirectories(folder);
            JSON.writeValue(folder.resolve(name).toFile(), value);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write benchmark result " + name + " into " + dir, e);
        }
    }
}
