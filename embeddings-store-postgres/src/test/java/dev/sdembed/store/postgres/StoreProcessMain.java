package dev.sdembed.store.postgres;

import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.StoreTestData;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.WriteResult;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.testing.TestVectors;
import java.time.Instant;
import java.util.List;

/**
 * What the multi-process tests run in a second JVM. Modes:
 * <ul>
 *   <li>{@code open URL SCHEMA START_MILLIS}: waits until the given time (so two processes start together), opens
 *       the store and prints {@code applied=[...]}.</li>
 *   <li>{@code write URL SCHEMA WRITER BATCHES}: writes the contract's overlapping batches, prints {@code done}.</li>
 *   <li>{@code write-forever URL SCHEMA APPLICATION_NAME}: writes batches of 200 images that all share one prompt,
 *       printing {@code committed N} after each, until killed.</li>
 * </ul>
 */
public final class StoreProcessMain {
    /** The prompt every write-forever batch references: a test that locks its row stalls the writer mid-batch. */
    public static final String SHARED_PROMPT = "shared prompt of the killed writer";
    public static final int FOREVER_BATCH = 200;

    private StoreProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[1];
        String schema = args[2];
        switch (args[0]) {
            case "open" -> {
                long start = Long.parseLong(args[3]);
                Thread.sleep(Math.max(0, start - System.currentTimeMillis()));
                try (PostgresEmbeddingStore store = builder(url, schema).build()) {
                    System.out.println("applied=" + store.appliedMigrations());
                }
            }
            case "write" -> {
                int writer = Integer.parseInt(args[3]);
                int batches = Integer.parseInt(args[4]);
                try (PostgresEmbeddingStore store = builder(url, schema).build()) {
                    for (int b = 0; b < batches; b++) {
                        store.write(EmbeddingStoreContract.overlappingBatch(writer, b, 60));
                    }
                }
                System.out.println("done");
            }
            case "write-forever" -> {
                try (PostgresEmbeddingStore store = builder(url, schema).applicationName(args[3]).build()) {
                    System.out.println("opened");
                    for (int n = 0; ; n++) {
                        WriteResult result = store.write(foreverBatch(n));
                        System.out.println("committed " + n + " " + result.imagesInserted());
                    }
                }
            }
            default -> throw new IllegalArgumentException("Unknown mode " + args[0]);
        }
        System.out.flush();
    }

    /** Batch {@code n} of the write-forever mode: 200 new images, one new prompt each, plus the shared prompt. */
    public static WriteBatch foreverBatch(int n) {
        WriteBatch.Builder b = WriteBatch.builder();
        ContentHash shared = b.addText(SHARED_PROMPT);
        b.embedding(EmbeddingStoreContract.PROMPT.name(), shared,
                TestVectors.unitVector(0, EmbeddingStoreContract.PROMPT.dimension()));
        for (int i = 0; i < FOREVER_BATCH; i++) {
            String key = n + "-" + i;
            ImageContent image = StoreTestData.imageContent("forever-" + key);
            ContentHash own = b.addText("own prompt " + key);
            b.image(image)
                    .embedding(EmbeddingStoreContract.PROMPT.name(), own,
                            TestVectors.unitVector(key.hashCode(), EmbeddingStoreContract.PROMPT.dimension()))
                    .embedding(EmbeddingStoreContract.IMAGE.name(), image.hash(),
                            TestVectors.unitVector(31L * key.hashCode(), EmbeddingStoreContract.IMAGE.dimension()))
                    .record(StoreTestData.record("/forever/" + n + "/" + i + ".png", image, own, shared).toBuilder()
                            .modifiedAt(Instant.now()).build());
        }
        return b.build();
    }

    static PostgresEmbeddingStore.Builder builder(String url, String schema) {
        return PostgresEmbeddingStore.builder().url(url).schema(schema)
                .slots(List.of(EmbeddingStoreContract.PROMPT, EmbeddingStoreContract.IMAGE));
    }
}
