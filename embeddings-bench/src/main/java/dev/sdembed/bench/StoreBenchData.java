package dev.sdembed.bench;

import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.TextContent;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.testing.PostgresTestServer;
import dev.sdembed.testing.TestVectors;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * The library the store benchmarks load: {@code vectors} SD-style prompts with clustered 1024-d vectors (shaped like
 * real embeddings, see {@link StoreTestData#clustered}), one image record per prompt, and 1,000 held-out query
 * vectors of the same distribution.
 */
final class StoreBenchData {
    static final int DIMENSION = 1024;
    static final SlotSpec SLOT = new SlotSpec("prompt_bench", Modality.TEXT, DIMENSION, "bench-encoder",
            "fp-bench", null);
    private static final int QUERIES = 1000;

    final int vectors;
    final float[][] embeddings;
    final float[][] queries;
    final TextContent[] texts;

    private StoreBenchData(int vectors) {
        this.vectors = vectors;
        float[][] all = TestVectors.clustered(vectors + QUERIES, DIMENSION, 1000, 2.0, 1);
        embeddings = Arrays.copyOf(all, vectors);
        queries = Arrays.copyOfRange(all, vectors, vectors + QUERIES);
        texts = new TextContent[vectors];
        for (int i = 0; i < vectors; i++) {
            texts[i] = TextContent.of("bench prompt " + i + ", masterpiece, best quality, cinematic lighting");
        }
    }

    static StoreBenchData generate(int vectors) {
        return new StoreBenchData(vectors);
    }

    /** Prompts {@code from} (inclusive) to {@code to} with their vectors and, if asked, their images' records. */
    WriteBatch batch(int from, int to, boolean withRecords) {
        WriteBatch.Builder b = WriteBatch.builder();
        for (int i = from; i < to; i++) {
            b.text(texts[i]).embedding(SLOT.name(), texts[i].hash(), embeddings[i]);
            if (withRecords) {
                // A distinct fake image content: hashes are what matter to a store, not pixels.
                ImageContent image = new ImageContent(ContentHash.ofBytes(("image:bench-" + i)
                        .getBytes(StandardCharsets.UTF_8)), 512, 768, "png", 1000);
                b.image(image);
                b.record(ImageRecord.builder("/bench/" + (i % 97) + "/" + i + ".png")
                        .imageHash(image.hash())
                        .promptHash(texts[i].hash())
                        .generator(i % 20 == 0 ? "comfyui" : "a1111")
                        .fileSize(1000).modifiedAt(Instant.EPOCH).build());
            }
        }
        return b.build();
    }

    /** Writes the whole library into {@code store} through its batch write API, {@code batchSize} prompts a batch. */
    void writeAll(EmbeddingStore store, int batchSize) {
        for (int from = 0; from < vectors; from += batchSize) {
            store.write(batch(from, Math.min(vectors, from + batchSize), true));
        }
    }

    /** The throwaway PostgreSQL cluster of the store tests, kept under the benchmark's own {@code target/}. */
    static PostgresTestServer postgres() {
        if (System.getProperty("sdembed.test.pg.dir") == null) {
            System.setProperty("sdembed.test.pg.dir", StoreIngestBenchmark.benchTarget().resolve("pg-test").toString());
        }
        return PostgresTestServer.shared();
    }
}
