package dev.sdembed.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.image.PixelHash;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.StoreTestData;
import dev.sdembed.store.TextContent;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.embedded.internal.SqliteSchema;
import dev.sdembed.testing.TestVectors;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the embedded store has: its folder, its file and its slot registry across opens. */
class EmbeddedEmbeddingStoreTest {
    @TempDir
    Path temp;

    @Test
    void aSlotReopenedWithAnotherDimensionIsRefusedByName() {
        Path dir = temp.resolve("dims");
        EmbeddedEmbeddingStore.builder().directory(dir).slot(EmbeddingStoreContract.PROMPT).build().close();
        SlotSpec wider = new SlotSpec("prompt_test", Modality.TEXT, 128, "other-encoder", "fp-other", null);
        assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().directory(dir).slot(wider).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Slot 'prompt_test' in embedded store " + dir.resolve("sdembed.db") + " holds text 64-d "
                        + "embeddings (encoder 'test-text-encoder') but is configured as text 128-d (encoder "
                        + "'other-encoder'); configure a new slot name for a different encoder shape");
        // The refused open released the file: the original slots open again.
        EmbeddedEmbeddingStore.builder().directory(dir).slot(EmbeddingStoreContract.PROMPT).build().close();
    }

    @Test
    void lookupsOfMoreKeysThanOneInListTakeSeveralStatements() {
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(temp.resolve("chunks"))
                .slot(EmbeddingStoreContract.PROMPT).build()) {
            // 1,200 records: their writer looks the paths up in three IN lists of at most 500.
            List<String> paths = StoreTestData.paths("/lib/chunk", 1200);
            WriteBatch.Builder batch = WriteBatch.builder();
            ContentHash prompt = batch.addText("a lighthouse at dusk");
            for (String path : paths) {
                ImageContent image = StoreTestData.imageContent(path);
                batch.image(image).record(StoreTestData.record(path, image, prompt, null));
            }
            assertThat(store.write(batch.build()).imagesInserted()).isEqualTo(1200);
            List<String> asked = new ArrayList<>(paths.subList(100, 1200));
            asked.add("/lib/absent.png");
            assertThat(store.findImages(asked).keySet()).containsExactlyInAnyOrderElementsOf(paths.subList(100, 1200));
        }
    }

    @Test
    void aFileIsNotAStoreFolderAndAClosedStoreSaysSo() throws Exception {
        Path file = Files.writeString(temp.resolve("not-a-folder"), "x");
        assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().directory(file)
                .slot(EmbeddingStoreContract.PROMPT).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedded store location " + file + " is a file; expected a folder (the store keeps "
                        + "sdembed.db inside it)");
        assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().slot(EmbeddingStoreContract.PROMPT).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Embedded store directory is required, e.g. ./sdembed-data");

        EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(temp.resolve("closed"))
                .slot(EmbeddingStoreContract.PROMPT).build();
        store.close();
        store.close();
        assertThatThrownBy(store::stats).isInstanceOf(StoreException.class)
                .hasMessage("Embedded store " + store.file() + " is closed");
        assertThat(store.file()).isRegularFile();
    }

    @Test
    void aVersion1FileIsUpgradedKeepingEveryEmbedding() throws Exception {
        Path dir = temp.resolve("v1");
        SlotSpec slot = EmbeddingStoreContract.PROMPT;
        List<TextContent> texts = new ArrayList<>();
        WriteBatch.Builder batch = WriteBatch.builder();
        for (int i = 0; i < 50; i++) {
            TextContent t = TextContent.of("prompt " + i);
            texts.add(t);
            batch.text(t).embedding(slot.name(), t.hash(), TestVectors.unitVector(i, slot.dimension()));
        }
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slot(slot).build()) {
            store.write(batch.build());
        }
        // Back to the version 1 layout: the embeddings in a WITHOUT ROWID table.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("sdembed.db"));
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE old (hash BLOB PRIMARY KEY, fingerprint TEXT NOT NULL, embedding BLOB NOT NULL) "
                    + "WITHOUT ROWID");
            s.execute("INSERT INTO old SELECT hash, fingerprint, embedding FROM emb_" + slot.name());
            s.execute("DROP TABLE emb_" + slot.name());
            s.execute("ALTER TABLE old RENAME TO emb_" + slot.name());
            s.execute("PRAGMA user_version = 1");
        }

        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slot(slot).build()) {
            Set<ContentHash> all = texts.stream().map(TextContent::hash).collect(Collectors.toSet());
            assertThat(store.embeddedHashes(slot.name(), all)).isEqualTo(all);
            float[] query = TestVectors.unitVector(7, slot.dimension());
            assertThat(store.search(SearchRequest.builder(SearchQuery.vector(slot.name(), new Embedding(query)))
                    .k(1).build())).isEmpty(); // no image references the texts: nothing to return, but no error
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("sdembed.db"));
             Statement s = c.createStatement();
             ResultSet version = s.executeQuery("PRAGMA user_version")) {
            assertThat(version.getInt(1)).isEqualTo(SqliteSchema.VERSION);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("sdembed.db"));
             Statement s = c.createStatement();
             ResultSet table = s.executeQuery("SELECT sql FROM sqlite_master WHERE name = 'emb_" + slot.name() + "'")) {
            assertThat(table.getString(1)).doesNotContain("WITHOUT ROWID");
        }
    }

    /**
     * Versions 1 and 2 kept sampler, seed, steps and CFG only in the parameters JSON: opening such a file adds their
     * columns and the filter indexes and fills the columns from the stored parameters, read as
     * {@code GenerationSettings} reads them, so a filter finds an old record as it finds a new one.
     */
    @Test
    void aVersion2FileGetsTheFilterColumnsFilledFromTheStoredParameters() throws Exception {
        Path dir = temp.resolve("v2");
        SlotSpec slot = EmbeddingStoreContract.IMAGE;
        Map<String, Map<String, String>> parameters = new LinkedHashMap<>();
        parameters.put("/v2/a.png", Map.of("sampler", " DPM++ 2M Karras", "seed", "3000000000", "steps", "28",
                "cfg", "7.5"));
        parameters.put("/v2/b.png", Map.of("seed", "random", "steps", "many", "cfg", "NaN"));
        parameters.put("/v2/c.png", Map.of());
        parameters.put("/v2/d.png", Map.of("cfg", "-0.0", "steps", "20"));
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slot(slot).build()) {
            WriteBatch.Builder b = WriteBatch.builder();
            for (Map.Entry<String, Map<String, String>> e : parameters.entrySet()) {
                ImageContent image = StoreTestData.imageContent(e.getKey());
                b.image(image).embedding(slot.name(), image.hash(), TestVectors.unitVector(e.getKey().hashCode(),
                        slot.dimension())).record(StoreTestData.record(e.getKey(), image, null, null).toBuilder()
                        .parameters(e.getValue()).build());
            }
            store.write(b.build());
        }
        // Back to the version 2 layout: no settings columns, no filter indexes.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("sdembed.db"));
             Statement s = c.createStatement()) {
            for (String index : List.of("generator", "model_name", "sampler", "seed", "steps", "cfg", "size",
                    "modified_at")) {
                s.execute("DROP INDEX images_" + index);
            }
            for (String column : List.of("sampler", "seed", "steps", "cfg")) {
                s.execute("ALTER TABLE images DROP COLUMN " + column);
            }
            s.execute("PRAGMA user_version = 2");
        }

        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slot(slot).build()) {
            List<SearchHit> hits = store.search(SearchRequest.builder(SearchQuery.vector(slot.name(),
                    new Embedding(TestVectors.unitVector(3, slot.dimension())))).filter(SearchFilter.builder()
                    .seed(3_000_000_000L).sampler("DPM++ 2M Karras").build()).build());
            assertThat(hits).extracting(SearchHit::path).containsExactly("/v2/a.png");
            assertThat(store.checkInvariants().isConsistent()).isTrue();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("sdembed.db"));
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT group_concat(path || '=' || coalesce(sampler, '-') || '|' "
                    + "|| coalesce(seed, '-') || '|' || coalesce(steps, '-') || '|' || coalesce(cfg, '-'), ' ') FROM "
                    + "(SELECT * FROM images ORDER BY path)")) {
                assertThat(rs.getString(1)).isEqualTo("/v2/a.png=DPM++ 2M Karras|3000000000|28|7.5 "
                        + "/v2/b.png=-|-|-|- /v2/c.png=-|-|-|- /v2/d.png=-|-|20|0.0");
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                    + "('images_generator', 'images_model_name', 'images_sampler', 'images_seed', 'images_steps', "
                    + "'images_cfg', 'images_size', 'images_modified_at')")) {
                assertThat(rs.getInt(1)).isEqualTo(8);
            }
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                assertThat(rs.getInt(1)).isEqualTo(SqliteSchema.VERSION);
            }
        }
    }

    /**
     * Version 4 keeps a pixel hash per image content. A file of an earlier version gets the column when a writer opens
     * it; contents stored before have none (counted by pixel duplicate searches) until a batch carries theirs, as the
     * next index run over their files does.
     */
    @Test
    void aVersion2FileTakesPixelHashesFromLaterBatches() throws Exception {
        Path dir = temp.resolve("v2");
        ImageContent image = StoreTestData.imageContent("indexed under version 2");
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir)
                .slot(EmbeddingStoreContract.PROMPT).build()) {
            store.write(WriteBatch.builder().image(image).record(StoreTestData.record("/v2/a.png", image, null, null))
                    .build());
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("sdembed.db"));
             Statement s = c.createStatement()) {
            s.execute("ALTER TABLE image_contents DROP COLUMN pixel_hash");
            s.execute("PRAGMA user_version = 2");
        }

        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir)
                .slot(EmbeddingStoreContract.PROMPT).build()) {
            assertThat(store.imageContents(List.of(image.hash())).get(image.hash())).isEqualTo(image);
            assertThat(store.pixelDuplicates(PixelDuplicateRequest.defaults()).imagesWithoutPixelHash()).isEqualTo(1);
            PixelHash hash = new PixelHash(-1L);
            assertThat(store.write(WriteBatch.builder().image(image.withPixelHash(hash)).build()).pixelHashesAdded())
                    .isEqualTo(1);
            assertThat(store.imageContents(List.of(image.hash())).get(image.hash()).pixelHash()).isEqualTo(hash);
            assertThat(store.pixelDuplicates(PixelDuplicateRequest.defaults()).imagesWithoutPixelHash()).isZero();
        }
    }
}
