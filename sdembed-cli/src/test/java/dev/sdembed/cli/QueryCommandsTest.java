package dev.sdembed.cli;

import dev.sdembed.testing.SdTestImages;
import static dev.sdembed.cli.IndexFixtures.IMAGE_SLOT;
import static dev.sdembed.cli.IndexFixtures.TEXT_SLOT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** sdembed search, similar, duplicates and stats on a store filled by sdembed index. */
class QueryCommandsTest {
    private static final String[] PROMPTS = {"a red fox in the snow", "portrait of an astronaut, oil painting",
            "a castle on a hill at sunset", "cyberpunk street at night, neon lights", "a bowl of fruit, still life"};
    private static Path library;
    private static Path config;
    private static String schema;

    @BeforeAll
    static void indexLibrary() throws IOException {
        library = TestPaths.targetDir("query-library");
        for (int i = 0; i < PROMPTS.length; i++) {
            SdTestImages.a1111(library.resolve("img-" + i + ".png"), 48, 300 + i, PROMPTS[i], "blurry");
        }
        Files.copy(library.resolve("img-2.png"), library.resolve("copy-of-2.png"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        config = IndexFixtures.config("query", IndexFixtures.vision("query-vision", 11), null);
        schema = IndexFixtures.newSchema("query");
        CliRun run = IndexFixtures.index(config, schema, library);
        assertThat(run.exitCode()).as(run.err()).isZero();
    }

    private static CliRun query(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config.toString(), "--store", IndexFixtures.storeUrl(), "--schema", schema));
        return CliRun.of(all.toArray(String[]::new));
    }

    private static List<JsonNode> lines(CliRun run) throws IOException {
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> out = new ArrayList<>();
        for (String l : run.outLines()) {
            out.add(Json.MAPPER.readTree(l));
        }
        return out;
    }

    @Test
    void searchFindsTheImageWhosePromptMatchesBest() throws IOException {
        List<JsonNode> hits = lines(query("search", "--text", "an astronaut portrait painted in oils", "-k", "3", "--json"));
        assertThat(hits).hasSize(3);
        assertThat(hits.get(0).get("path").asText()).isEqualTo(library.resolve("img-1.png").toString());
        assertThat(hits.get(0).get("prompt").asText()).isEqualTo(PROMPTS[1]);
        assertThat(hits.get(0).get("rank").asInt()).isEqualTo(1);
        assertThat(hits.get(0).get("score").asDouble()).isGreaterThan(hits.get(1).get("score").asDouble());
    }

    @Test
    void searchByImageWithoutASharedSpaceSaysWhatIsMissing() {
        CliRun run = query("search", "--text", "a fox", "--mode", "image");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("--mode image needs a text slot and an image slot in one embedding space")
                .contains(TEXT_SLOT + " (text)").contains(IMAGE_SLOT + " (image)");
    }

    @Test
    void similarFindsTheByteIdenticalCopyFirstAndLeavesTheImageItselfOut() throws IOException {
        List<JsonNode> hits = lines(query("similar", library.resolve("img-2.png").toString(), "-k", "3", "--json"));
        assertThat(hits.get(0).get("path").asText()).isEqualTo(library.resolve("copy-of-2.png").toString());
        assertThat(hits.get(0).get("score").asDouble()).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(hits).extracting(h -> h.get("path").asText()).doesNotContain(library.resolve("img-2.png").toString());

        // A file outside the store is embedded first: its copy inside the store is then a perfect match.
        Path outside = TestPaths.targetDir("query-outside").resolve("x.png");
        Files.copy(library.resolve("img-4.png"), outside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        List<JsonNode> fromFile = lines(query("similar", outside.toString(), "-k", "1", "--json"));
        assertThat(fromFile.get(0).get("path").asText()).isEqualTo(library.resolve("img-4.png").toString());
    }

    @Test
    void duplicatesGroupsTheCopies() throws IOException {
        List<JsonNode> groups = lines(query("duplicates", "--by", "image", "--threshold", "0.999", "--json"));
        assertThat(groups).hasSize(1);
        assertThat(groups.get(0).get("size").asInt()).isEqualTo(2);
        assertThat(groups.get(0).get("paths")).extracting(JsonNode::asText).containsExactlyInAnyOrder(
                library.resolve("img-2.png").toString(), library.resolve("copy-of-2.png").toString());
    }

    @Test
    void statsCountsImagesContentsAndDedupSavings() throws IOException {
        JsonNode stats = lines(query("stats", "--json")).get(0);
        assertThat(stats.get("images").asLong()).isEqualTo(6);
        assertThat(stats.get("failedImages").asLong()).isZero();
        assertThat(stats.get("textContents").asLong()).as("5 prompts and one negative").isEqualTo(6);
        assertThat(stats.get("imageContents").asLong()).isEqualTo(5);
        JsonNode text = stats.get("slots").get(0);
        assertThat(text.get("slot").asText()).isEqualTo(TEXT_SLOT);
        assertThat(text.get("embeddings").asLong()).isEqualTo(6);
        assertThat(text.get("references").asLong()).isEqualTo(12);
        assertThat(stats.get("storageSavedPercent").asDouble()).isGreaterThan(0);
    }

    /** The filters, negative prompts and readable stats on the PostgreSQL store (every filter: the store contract). */
    @Test
    void filtersNegativePromptsAndReadableStatsOnPostgres() throws IOException {
        List<JsonNode> negatives = lines(query("search", "--mode", "negative", "--text", "blurry", "-k", "3", "--json"));
        assertThat(negatives).hasSize(3).allSatisfy(h -> assertThat(h.get("negativePrompt").asText()).isEqualTo("blurry"));
        List<JsonNode> files = lines(query("search", "--text", "a castle", "-k", "10", "--json", "--distinct", "file"));
        assertThat(files).as("the copy of img-2 counts once").hasSize(5);
        List<JsonNode> folder = lines(query("search", "--text", "a castle", "-k", "10", "--json", "--seed", "302",
                "--steps", "20", "--cfg", "7", "--sampler", "Euler a", "--folder", library.toString()));
        assertThat(folder).extracting(h -> h.get("path").asText()).containsExactlyInAnyOrder(
                library.resolve("img-2.png").toString(), library.resolve("copy-of-2.png").toString());
        CliRun stats = query("stats");
        assertThat(stats.exitCode()).as(stats.err()).isZero();
        assertThat(stats.outLines()).startsWith("Images: 6 (6 indexed, 0 failed)", "Generators: a1111 6",
                "Models: test-model 6");
    }

    @Test
    void searchByImageWithAClipTextAndVisionPairInOneSpace() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        String manifest = "{\"embedding_space\": \"tiny-clip\"}";
        Path text = ClipModelDirectories.text("query-clip-text", ClipTokenizers.forPad(bpe, ClipModelDirectories.PAD_END_TOKEN),
                f -> ClipTestModels.hfTextWithProjection(f, TextSpec.tiny()), manifest);
        Path vision = ClipModelDirectories.vision("query-clip-vision", f -> ClipTestModels.hfVisionWithProjection(f,
                VisionSpec.tiny()), null, manifest);
        Path cfg = Files.writeString(TestPaths.targetDir("index-configs").resolve("clip-pair.json"),
                "{\"slots\": {\"prompt_bge\": {\"model\": \"" + TestModels.bgeSmall() + "\"},"
                        + " \"prompt_clip\": {\"model\": \"" + text + "\", \"modality\": \"text\"},"
                        + " \"image_clip\": {\"model\": \"" + vision + "\", \"modality\": \"image\"}}}");
        String pairSchema = IndexFixtures.newSchema("clip_pair");
        assertThat(IndexFixtures.index(cfg, pairSchema, library).exitCode()).isZero();

        CliRun run = CliRun.of("search", "--text", "a fox", "--mode", "image", "-k", "6", "--json", "--config", cfg.toString(),
                "--store", IndexFixtures.storeUrl(), "--schema", pairSchema);
        List<JsonNode> hits = lines(run);
        assertThat(hits).hasSize(6);
        assertThat(hits).extracting(h -> h.get("path").asText()).contains(library.resolve("copy-of-2.png").toString());
        for (int i = 1; i < hits.size(); i++) {
            assertThat(hits.get(i).get("score").asDouble()).isLessThanOrEqualTo(hits.get(i - 1).get("score").asDouble());
        }
    }
}
