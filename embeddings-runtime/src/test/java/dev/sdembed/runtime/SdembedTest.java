package dev.sdembed.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The composition root as a front end uses it: a configuration, its slots, its store and a pipeline over them. */
class SdembedTest {

    @Test
    void opensTheConfiguredSlotsAndStoreIndexesWithItsPipelineAndSearches() throws IOException {
        Path images = CastleAndFox.library("sdembed-root-images");
        Path store = TestPaths.emptyDir(TestPaths.targetDir("sdembed-root-store"));
        Path config = Files.writeString(images.resolveSibling("sdembed-root.json"), "{\"store\": {\"url\": \""
                + store + "\"}, \"pipeline\": {\"batchSize\": 1}, \"slots\": {\"prompt_bge\": {\"model\": \""
                + TestModels.bgeSmall() + "\"}}}");

        Sdembed sdembed = Sdembed.open(SdembedConfig.read(config));
        try (sdembed) {
            assertThat(sdembed.storeLocation().embeddedDirectory()).isEqualTo(store);
            assertThat(sdembed.slots().specs()).singleElement()
                    .satisfies(s -> assertThat(s.dimension()).isEqualTo(384));
            assertThat(sdembed.store().slots()).isEqualTo(sdembed.slots().specs());
            PipelineSummary summary;
            try (BulkEmbeddingPipeline pipeline = sdembed.pipeline().build()) {
                summary = pipeline.run(List.of(images));
            }
            assertThat(summary.indexed()).isEqualTo(2);
            // pipeline.batchSize 1 from the file: one transaction per file.
            assertThat(summary.slot("prompt_bge").computed()).isEqualTo(4);
            List<SearchHit> hits = sdembed.store().search(SearchRequest.builder(SearchQuery.text("prompt_bge",
                    "castle by moonlight", sdembed.slots().textEncoders().get("prompt_bge"))).k(1).build());
            assertThat(hits).singleElement().satisfies(h -> assertThat(h.path()).endsWith("castle.png"));
        }
        assertThatThrownBy(() -> sdembed.store().stats()).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> sdembed.slots().textEncoders().get("prompt_bge").embedAll(List.of("x")))
                .isInstanceOf(IllegalStateException.class);
        sdembed.close();
    }

    @Test
    void aSchemaForTheEmbeddedStoreIsRefusedBeforeAnyModelLoads() {
        SdembedConfig config = SdembedConfig.defaults(TestModels.bgeSmall());
        Sdembed.Builder builder = Sdembed.builder(config).store("target/sdembed-root-no-schema").schema("lib");

        assertThatThrownBy(builder::storeLocation).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("applies to PostgreSQL stores only");
        assertThatThrownBy(builder::open).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("applies to PostgreSQL stores only");
        assertThat(Path.of("target/sdembed-root-no-schema")).doesNotExist();
    }

    @Test
    void queriesOpenTheStoreReadOnlyAndWhereThereIsNoneSaySoBeforeAnyModelLoads() throws IOException {
        Path typo = TestPaths.targetDir("sdembed-root-queries").resolve("sdembedd-data");
        // A model folder that does not load: the store's absence must be what is reported.
        SdembedConfig unloadable = SdembedConfig.defaults(TestPaths.targetDir("sdembed-root-no-model"));
        assertThatThrownBy(() -> Sdembed.builder(unloadable).store(typo.toString()).usage(Sdembed.Usage.QUERIES)
                .open()).isInstanceOf(StoreException.class)
                .hasMessage("No sdembed store at " + typo + " (no sdembed.db there); index a folder first, or give "
                        + "--store");
        assertThat(typo).doesNotExist();

        Path store = TestPaths.emptyDir(TestPaths.targetDir("sdembed-root-queries-store"));
        SdembedConfig config = SdembedConfig.defaults(TestModels.bgeSmall());
        Sdembed.builder(config).store(store.toString()).open().close();
        try (Sdembed queries = Sdembed.builder(config).store(store.toString()).usage(Sdembed.Usage.QUERIES).open();
             Sdembed alsoQueries = Sdembed.builder(config).store(store.toString()).usage(Sdembed.Usage.QUERIES)
                     .open()) {
            assertThat(queries.readOnly()).isTrue();
            assertThat(alsoQueries.store().stats()).isEqualTo(queries.store().stats());
            assertThatThrownBy(queries::pipeline).isInstanceOf(IllegalStateException.class)
                    .hasMessage("The store " + store + " was opened read-only (Usage.QUERIES, SERVING or"
                            + " readOnly(true)); open it with Usage.BULK or readOnly(false) to index");
            // Indexing beside the readers: one writer.
            try (Sdembed writer = Sdembed.builder(config).store(store.toString()).usage(Sdembed.Usage.QUERIES)
                    .readOnly(false).open()) {
                assertThat(writer.readOnly()).isFalse();
                writer.pipeline().build().close();
            }
        }
    }

    @Test
    void theVersionIsTheProjectsAndNamesTheCommitItWasBuiltFrom() throws Exception {
        SdembedVersion version = SdembedVersion.current();

        assertThat(version.version()).isEqualTo(System.getProperty("sdembed.test.projectVersion"));
        Path repo = TestPaths.repoRoot();
        if (Files.exists(repo.resolve(".git"))) {
            Process git = new ProcessBuilder("git", "-C", repo.toString(), "rev-parse", "HEAD").start();
            String head = new String(git.getInputStream().readAllBytes()).trim();
            assertThat(git.waitFor()).isZero();
            assertThat(head).startsWith(version.commit());
            assertThat(version.commit()).hasSizeGreaterThanOrEqualTo(7);
            assertThat(version.toString()).startsWith(version.version() + " (commit " + version.commit());
        }
    }
}
