package dev.sdembed.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.embedded.internal.SqliteSchema;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoreTestData;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.testing.TestVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-only opens of the embedded store (issue 17): they never create a store, change nothing, read beside the one
 * writer and see its commits. Across processes: {@link EmbeddedStoreProcessTest}; in a folder this process cannot
 * write: {@link EmbeddedStoreReadOnlyFolderTest}.
 */
class EmbeddedStoreReadOnlyTest {
    private static final SlotSpec PROMPT = EmbeddingStoreContract.PROMPT;
    private static final List<SlotSpec> SLOTS = List.of(PROMPT, EmbeddingStoreContract.IMAGE);

    @TempDir
    Path temp;

    private static EmbeddedEmbeddingStore.Builder reader(Path dir) {
        return EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).readOnly(true);
    }

    @Test
    void aReadOnlyOpenWhereThereIsNoStoreSaysSoAndCreatesNothing() throws Exception {
        Path typo = temp.resolve("sdembedd-data");
        assertThatThrownBy(() -> reader(typo).build()).isInstanceOf(StoreException.class)
                .hasMessage("No sdembed store at " + typo + " (no sdembed.db there); index a folder first, or give "
                        + "--store");
        assertThat(typo).doesNotExist();

        Path empty = Files.createDirectories(temp.resolve("empty"));
        assertThatThrownBy(() -> reader(empty).build()).isInstanceOf(StoreException.class)
                .hasMessage("No sdembed store at " + empty + " (no sdembed.db there); index a folder first, or give "
                        + "--store");
        assertThat(empty).isEmptyDirectory();

        Path notAStore = Files.createDirectories(temp.resolve("other"));
        Files.createFile(notAStore.resolve("sdembed.db"));
        assertThatThrownBy(() -> reader(notAStore).build()).isInstanceOf(StoreException.class)
                .hasMessage("No sdembed store at " + notAStore + " (sdembed.db there holds no sdembed tables); index "
                        + "a folder first, or give --store");
        assertThat(notAStore.resolve("sdembed.db")).isEmptyFile();
    }

    @Test
    void aReadOnlyStoreReadsBesideTheWriterSeesItsCommitsAndRefusesToWrite() {
        Path dir = temp.resolve("beside");
        try (EmbeddedEmbeddingStore writer = EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build()) {
            writer.write(EmbeddingStoreContract.overlappingBatch(0, 1, 50));
            try (EmbeddedEmbeddingStore reader = reader(dir).build()) {
                assertThat(reader.readOnly()).isTrue();
                assertThat(reader.toString()).contains(", read-only,");
                long before = reader.stats().images();
                assertThat(before).isEqualTo(writer.stats().images()).isPositive();
                float[] lighthouse = TestVectors.unitVector(777_777, PROMPT.dimension());
                assertThat(top(reader, lighthouse).prompt()).isNotEqualTo("a lighthouse at dusk");

                // The writer commits: the reader's next operations see it, its vectors loaded again.
                writer.write(lighthouseBatch(lighthouse));
                assertThat(reader.stats().images()).isEqualTo(before + 1);
                SearchHit hit = top(reader, lighthouse);
                assertThat(hit.path()).isEqualTo("/lib/lighthouse.png");
                assertThat(hit.score()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));

                assertThatThrownBy(() -> reader.write(EmbeddingStoreContract.overlappingBatch(0, 2, 5)))
                        .isInstanceOf(StoreException.class)
                        .hasMessage("Embedded store " + reader.file() + " was opened read-only and cannot write a "
                                + "batch; open it without readOnly(true) to write (one writer at a time)");
                assertThatThrownBy(reader::removeUnreferenced).isInstanceOf(StoreException.class)
                        .hasMessageContaining("was opened read-only and cannot remove unreferenced contents");
                // A second writer in the same process is refused; readers are not writers.
                assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build())
                        .isInstanceOf(StoreException.class)
                        .hasMessage("Embedded store " + writer.file() + " is already open for writing in this process "
                                + "(another EmbeddedEmbeddingStore of the same folder); the embedded store has one "
                                + "writer at a time. Close that one first, or open this one read-only to read");
                try (EmbeddedEmbeddingStore second = reader(dir).build()) {
                    assertThat(second.stats()).isEqualTo(reader.stats());
                }
            }
        }
        // The writer closed: its lock went with it.
        EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build().close();
    }

    @Test
    void aReadOnlyOpenChecksTheStoreAndChangesNoByteOfIt() throws Exception {
        Path dir = temp.resolve("checked");
        try (EmbeddedEmbeddingStore writer = EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build()) {
            writer.write(EmbeddingStoreContract.overlappingBatch(0, 1, 30));
        }
        Path file = dir.resolve("sdembed.db");
        String bytes = sha256(file);

        SlotSpec unknown = StoreTestData.imageSlot("image_clip_h", 48);
        assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().directory(dir).slot(PROMPT).slot(unknown)
                .readOnly(true).build()).isInstanceOf(StoreException.class)
                .hasMessage("Slot 'image_clip_h' is not in embedded store " + file + ", which has slots [image_test, "
                        + "prompt_test]; index with this configuration first (that adds the slot), or read with a "
                        + "configuration of the store's slots");
        SlotSpec wider = StoreTestData.textSlot(PROMPT.name(), 128);
        assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().directory(dir).slot(wider).readOnly(true).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("holds text 64-d embeddings");
        // A new model for a slot: read with it (its embeddings are stale), the registry left as it is.
        SlotSpec newModel = new SlotSpec(PROMPT.name(), PROMPT.modality(), PROMPT.dimension(), "test-text-encoder-v2",
                "fp-new", null);
        try (EmbeddedEmbeddingStore reader = EmbeddedEmbeddingStore.builder().directory(dir).slot(newModel)
                .readOnly(true).build()) {
            assertThat(reader.stats().slots().get(0).stale()).isEqualTo(reader.stats().slots().get(0).embeddings())
                    .isPositive();
        }
        try (EmbeddedEmbeddingStore reader = reader(dir).build()) {
            reader.stats();
            reader.checkInvariants();
        }
        assertThat(sha256(file)).as("sdembed.db after read-only opens").isEqualTo(bytes);

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 2");
        }
        assertThatThrownBy(() -> reader(dir).build()).isInstanceOf(StoreException.class)
                .hasMessage("Embedded store " + file + " has schema version 2, which this sdembed reads once it is "
                        + "upgraded to " + SqliteSchema.VERSION + "; opening it for writing upgrades it (e.g. run index "
                        + "once), then read it");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = " + (SqliteSchema.VERSION + 1));
        }
        assertThatThrownBy(() -> reader(dir).build()).isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedded store " + file + " has schema version " + (SqliteSchema.VERSION + 1) + " but this "
                        + "sdembed knows at most " + SqliteSchema.VERSION + "; open it with a newer sdembed");
    }

    private static SearchHit top(EmbeddedEmbeddingStore store, float[] vector) {
        List<SearchHit> hits = store.search(SearchRequest.builder(SearchQuery.vector(PROMPT.name(),
                new Embedding(vector))).k(1).build());
        assertThat(hits).hasSize(1);
        return hits.get(0);
    }

    private static WriteBatch lighthouseBatch(float[] vector) {
        WriteBatch.Builder b = WriteBatch.builder();
        ContentHash prompt = b.addText("a lighthouse at dusk");
        ImageContent image = StoreTestData.imageContent("lighthouse");
        return b.image(image).embedding(PROMPT.name(), prompt, vector)
                .record(StoreTestData.record("/lib/lighthouse.png", image, prompt, null)).build();
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
