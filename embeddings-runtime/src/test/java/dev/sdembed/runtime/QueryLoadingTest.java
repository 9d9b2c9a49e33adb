package dev.sdembed.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sdembed.StoreException;
import dev.sdembed.onnx.ModelDirectory;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How {@link Sdembed.Usage#QUERIES} loads (a query command's usage), with real bge-small sessions and a real store:
 * a slot whose model folder declares its kind and dimension gets its spec from the declaration and loads its encoder
 * only when a query runs it; the store opens beside it, and what keeps it from opening is said where it is used; a
 * slot at precision int8 indexes and answers with a fingerprint of its own.
 */
class QueryLoadingTest {

    @Test
    void aQueryOpenLoadsNoEncoderUntilAQueryRunsOneAndFindsWhatABulkOpenFinds() throws IOException {
        Path store = indexedStore("query-loading-lazy", TestModels.bgeSmall());
        SdembedConfig config = config(TestModels.bgeSmall(), store);
        List<SlotSpec> bulkSpecs;
        List<SearchHit> bulkHits;
        try (Sdembed bulk = Sdembed.builder(config).usage(Sdembed.Usage.SERVING).open()) {
            assertThat(bulk.slots().loaded("prompt_bge")).isTrue();
            bulkSpecs = bulk.slots().specs();
            bulkHits = search(bulk);
        }

        try (Sdembed queries = Sdembed.builder(config).usage(Sdembed.Usage.QUERIES).open()) {
            assertThat(queries.slots().specs()).as("declared: the same specs").isEqualTo(bulkSpecs);
            assertThat(queries.slots().loaded("prompt_bge")).isFalse();
            assertThat(queries.store().stats().images()).isEqualTo(2);
            assertThat(queries.slots().loaded("prompt_bge")).as("the store's counts need no encoder").isFalse();

            List<SearchHit> hits = search(queries);
            assertThat(queries.slots().loaded("prompt_bge")).isTrue();
            assertThat(hits).hasSameSizeAs(bulkHits);
            for (int i = 0; i < hits.size(); i++) {
                assertThat(hits.get(i).path()).isEqualTo(bulkHits.get(i).path());
                assertThat(hits.get(i).score()).isCloseTo(bulkHits.get(i).score(), within(1e-5));
            }
            assertThat(queries.slots().textEncoders().get("prompt_bge").info().dimension()).isEqualTo(384);
        }
    }

    @Test
    void aModelFolderThatDoesNotDeclareItsDimensionLoadsAtOnce() throws IOException {
        Path model = TestModels.bgeSmallCopy("query-loading-undeclared");
        Path manifest = model.resolve("sdembed.json");
        Files.writeString(manifest, Files.readString(manifest).replaceAll("\"dimension\"\\s*:\\s*384\\s*,?", ""));
        assertThat(Files.readString(manifest)).doesNotContain("dimension");
        Path store = indexedStore("query-loading-undeclared", model);

        try (Sdembed queries = Sdembed.builder(config(model, store)).usage(Sdembed.Usage.QUERIES).open()) {
            assertThat(queries.slots().loaded("prompt_bge")).as("only loading tells the dimension").isTrue();
            assertThat(queries.slots().specs()).singleElement().satisfies(s -> assertThat(s.dimension())
                    .isEqualTo(384));
            assertThat(search(queries)).isNotEmpty();
        }
    }

    @Test
    void aStoreThatCannotOpenIsReportedWhereItIsFirstUsedAndClosingStillClosesTheEncoders() throws IOException {
        Path store = TestPaths.emptyDir(TestPaths.targetDir("query-loading-damaged"));
        Files.write(store.resolve("sdembed.db"), "not a database, but long enough to look like a header".repeat(40)
                .getBytes(StandardCharsets.UTF_8));
        Sdembed queries = Sdembed.builder(config(TestModels.bgeSmall(), store)).usage(Sdembed.Usage.QUERIES).open();
        try (queries) {
            assertThatThrownBy(queries::store).isInstanceOf(StoreException.class)
                    .hasMessageContaining(store.resolve("sdembed.db").toString());
            // The encoder still answers; the store's failure is not its own.
            assertThat(queries.slots().textEncoders().get("prompt_bge").embed("a castle").vector()).hasSize(384);
        }
        assertThatThrownBy(() -> queries.slots().textEncoders().get("prompt_bge").embed("a castle"))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anInt8SlotIndexesAndAnswersQueriesWithAFingerprintOfItsOwn() throws IOException {
        Path images = CastleAndFox.library("query-loading-int8-images");
        Path store = TestPaths.emptyDir(TestPaths.targetDir("query-loading-int8-store"));
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("query-loading-int8-cache"));
        Path file = Files.writeString(store.resolveSibling("query-loading-int8.json"), "{\"store\": {\"url\": \""
                + store + "\"}, \"slots\": {\"prompt_bge\": {\"model\": \"" + TestModels.bgeSmall()
                + "\", \"precision\": \"int8\"}}}");
        SdembedConfig config = SdembedConfig.read(file);
        try (Sdembed bulk = Sdembed.builder(config).modelCache(cache).open();
             BulkEmbeddingPipeline pipeline = bulk.pipeline().build()) {
            assertThat(pipeline.run(List.of(images)).indexed()).isEqualTo(2);
            ModelDirectory dir = ModelDirectory.open(TestModels.bgeSmall());
            assertThat(bulk.slots().spec("prompt_bge").fingerprint())
                    .isEqualTo(dir.fingerprint(OnnxOptions.Precision.INT8)).isNotEqualTo(dir.fingerprint());
        }
        try (Sdembed queries = Sdembed.builder(config).modelCache(cache).usage(Sdembed.Usage.QUERIES).open()) {
            List<SearchHit> hits = search(queries);
            assertThat(hits).isNotEmpty();
            assertThat(hits.get(0).path()).endsWith("castle.png");
        }
    }

    private static List<SearchHit> search(Sdembed sdembed) {
        SlotSpec slot = sdembed.slots().spec("prompt_bge");
        SearchQuery query = new QuerySlots(sdembed.slots()).text(slot, "a castle by moonlight");
        return sdembed.store().search(SearchRequest.builder(query).k(2).build());
    }

    private static Path indexedStore(String name, Path model) throws IOException {
        Path images = CastleAndFox.library(name + "-images");
        Path store = TestPaths.emptyDir(TestPaths.targetDir(name + "-store"));
        try (Sdembed bulk = Sdembed.open(config(model, store));
             BulkEmbeddingPipeline pipeline = bulk.pipeline().build()) {
            assertThat(pipeline.run(List.of(images)).indexed()).isEqualTo(2);
        }
        return store;
    }

    private static SdembedConfig config(Path model, Path store) throws IOException {
        Path file = Files.writeString(store.resolveSibling(store.getFileName() + ".json"), "{\"store\": {\"url\": \""
                + store + "\"}, \"slots\": {\"prompt_bge\": {\"model\": \"" + model + "\"}}}");
        return SdembedConfig.read(file);
    }
}
