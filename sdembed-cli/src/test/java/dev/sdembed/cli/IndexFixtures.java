package dev.sdembed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.runtime.LoadedSlots;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.TestModels;
import dev.sdembed.store.postgres.PostgresEmbeddingStore;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Models, configuration files and store access shared by the index/search command tests. */
final class IndexFixtures {
    static final String TEXT_SLOT = "prompt_bge";
    static final String IMAGE_SLOT = "image_clip";

    private IndexFixtures() {
    }

    static String storeUrl() {
        return PostgresTestServer.shared().url();
    }

    static String newSchema(String prefix) {
        return PostgresTestServer.shared().newSchema(prefix);
    }

    /** A tiny CLIP vision model directory (seeded; another seed gives another fingerprint). */
    static Path vision(String name, long seed) {
        return ClipModelDirectories.vision(name, f -> ClipTestModels.hfVisionWithProjection(f,
                new VisionSpec(224, 32, 16, 8, seed)), null, null);
    }

    /** A configuration with the real bge-small text slot and, when {@code visionDir} is not null, an image slot. */
    static Path config(String name, Path visionDir, String pipelineJson) {
        StringBuilder json = new StringBuilder("{");
        if (pipelineJson != null) {
            json.append("\"pipeline\": ").append(pipelineJson).append(", ");
        }
        json.append("\"slots\": {\"" + TEXT_SLOT + "\": {\"model\": ").append(quote(TestModels.bgeSmall()))
                .append(", \"modality\": \"text\", \"threads\": 2}");
        if (visionDir != null) {
            json.append(", \"" + IMAGE_SLOT + "\": {\"model\": ").append(quote(visionDir))
                    .append(", \"modality\": \"image\", \"decodeThreads\": 1, \"threads\": 1}");
        }
        json.append("}}");
        try {
            return Files.writeString(TestPaths.targetDir("index-configs").resolve(name + ".json"), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(Path p) {
        return "\"" + p.toAbsolutePath().toString().replace("\\", "\\\\") + "\"";
    }

    /** Runs {@code sdembed index --json-summary} on the test server. */
    static CliRun index(Path config, String schema, Object... rootsAndOptions) {
        List<String> args = new ArrayList<>(List.of("index", "--config", config.toString(), "--store", storeUrl(),
                "--schema", schema, "--json-summary"));
        for (Object o : rootsAndOptions) {
            args.add(o.toString());
        }
        return CliRun.of(args.toArray(String[]::new));
    }

    /** The summary line of an index run. */
    static JsonNode summary(CliRun run) throws IOException {
        List<String> lines = run.outLines();
        return Json.MAPPER.readTree(lines.get(lines.size() - 1));
    }

    /** The store of {@code schema}, opened with the slots of {@code config}; the caller closes both. */
    static Opened open(Path config, String schema) {
        LoadedSlots slots = LoadedSlots.load(SdembedConfig.read(config), Sdembed.Usage.BULK);
        PostgresEmbeddingStore store = PostgresEmbeddingStore.builder().url(storeUrl()).schema(schema)
                .slots(slots.specs()).build();
        return new Opened(slots, store);
    }

    record Opened(LoadedSlots slots, PostgresEmbeddingStore store) implements AutoCloseable {
        @Override
        public void close() {
            store.close();
            slots.close();
        }
    }
}
