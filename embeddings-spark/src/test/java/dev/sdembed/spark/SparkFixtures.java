package dev.sdembed.spark;

import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** A generated library, its configuration, Spark contexts and a comparable dump of a store for the Spark tests. */
final class SparkFixtures {
    static final String TEXT_SLOT = "prompt_bge";
    static final String IMAGE_SLOT = "image_clip";

    private SparkFixtures() {
    }

    /**
     * {@code count} 32 px PNGs in 8 folders: A1111 and ComfyUI metadata, 40 prompts and 5 negatives shared between
     * them, and every tenth file an exact copy of an earlier one (the same image content twice).
     */
    static Path library(String name, int count) {
        Path dir = TestPaths.targetDir("spark-libraries/" + name);
        try {
            for (int i = 0; i < count; i++) {
                Path file = dir.resolve("d" + (i % 8)).resolve("img-" + i + ".png");
                if (Files.exists(file)) {
                    continue;
                }
                Files.createDirectories(file.getParent());
                if (i % 10 == 9) {
                    Files.copy(dir.resolve("d" + ((i - 9) % 8)).resolve("img-" + (i - 9) + ".png"), file);
                    continue;
                }
                String prompt = "a watercolor landscape, scene " + (i % 40) + ", soft light, best quality";
                String negative = i % 7 == 0 ? null : "blurry, lowres, variant " + (i % 5);
                if (i % 3 == 0) {
                    SdTestImages.comfy(file, 32, i, prompt, negative == null ? "" : negative);
                } else {
                    SdTestImages.a1111(file, 32, i, prompt, negative);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** bge-small (the real one) for prompts and a tiny generated CLIP vision model for pixels. */
    static Path config() {
        Path vision = ClipModelDirectories.vision("spark-vision", f -> ClipTestModels.hfVisionWithProjection(f,
                new ClipTestModels.VisionSpec(224, 32, 16, 8, 7)), null, null);
        String json = "{\"slots\": {"
                + "\"" + TEXT_SLOT + "\": {\"model\": " + quote(TestModels.bgeSmall()) + ", \"modality\": \"text\","
                + " \"threads\": 2},"
                + "\"" + IMAGE_SLOT + "\": {\"model\": " + quote(vision) + ", \"modality\": \"image\","
                + " \"decodeThreads\": 1, \"threads\": 1}}}";
        try {
            return Files.writeString(TestPaths.targetDir("spark-configs").resolve("sdembed.json"), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String quote(Path p) {
        return "\"" + p.toAbsolutePath().toString().replace("\\", "\\\\") + "\"";
    }

    static String storeUrl() {
        return PostgresTestServer.shared().url();
    }

    static String newSchema(String prefix) {
        return PostgresTestServer.shared().newSchema(prefix);
    }

    /** A Spark context on {@code master}, quiet and on loopback. */
    static JavaSparkContext spark(String master) {
        return spark(new SparkConf().setMaster(master));
    }

    static JavaSparkContext spark(SparkConf conf) {
        conf.setAppName("sdembed-spark-test").set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                // Heartbeats carry running tasks' counts to the driver's progress line.
                .set("spark.executor.heartbeatInterval", "2s");
        return new JavaSparkContext(conf);
    }

    /**
     * What a store holds, in a form two stores can be compared by: every image record (path, hashes, metadata,
     * size, time, status), every content with its reference count, every embedding's hash and fingerprint, per
     * table in key order. Ids and write times are left out: they depend on the order of the writes.
     */
    static Map<String, List<String>> dump(String schema) throws SQLException {
        Map<String, String> queries = new LinkedHashMap<>();
        queries.put("images", "SELECT path, encode(image_hash, 'hex'), encode(prompt_hash, 'hex'),"
                + " encode(negative_hash, 'hex'), generator, model_name, parameters::text, width, height, file_size,"
                + " modified_at, status, error FROM %s.images ORDER BY path");
        queries.put("text_contents", "SELECT encode(hash, 'hex'), text, ref_count FROM %s.text_contents ORDER BY 1");
        queries.put("image_contents", "SELECT encode(hash, 'hex'), width, height, format, byte_size, ref_count"
                + " FROM %s.image_contents ORDER BY 1");
        queries.put("emb_" + TEXT_SLOT, "SELECT encode(hash, 'hex'), fingerprint FROM %s.emb_" + TEXT_SLOT
                + " ORDER BY 1");
        queries.put("emb_" + IMAGE_SLOT, "SELECT encode(hash, 'hex'), fingerprint FROM %s.emb_" + IMAGE_SLOT
                + " ORDER BY 1");
        queries.put("slots", "SELECT name, modality, dimension, vector_type, encoder_name, fingerprint,"
                + " embedding_space FROM %s.slots ORDER BY 1");
        Map<String, List<String>> dump = new LinkedHashMap<>();
        try (Connection c = PostgresTestServer.shared().connect(); Statement st = c.createStatement()) {
            for (Map.Entry<String, String> q : queries.entrySet()) {
                List<String> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery(String.format(q.getValue(), schema))) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder();
                        for (int i = 1; i <= columns; i++) {
                            row.append(i > 1 ? " | " : "").append(rs.getString(i));
                        }
                        rows.add(row.toString());
                    }
                }
                dump.put(q.getKey(), rows);
            }
        }
        return dump;
    }

    /**
     * The embeddings of {@code slot} in schema {@code a} whose vector differs from the same content's in schema
     * {@code b} (cosine below 0.9999: another batch may pad a text to another length, which moves the last bits).
     */
    static long differingVectors(String a, String b, String slot) throws SQLException {
        try (Connection c = PostgresTestServer.shared().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + a + ".emb_" + slot + " x JOIN " + b + ".emb_"
                     + slot + " y USING (hash) WHERE (x.embedding <#> y.embedding) > -0.9999")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
