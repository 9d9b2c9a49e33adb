package dev.sdembed.cli;

import static dev.sdembed.testing.ClipModelDirectories.PAD_END_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.onnx.ClipTextEncoder;
import dev.sdembed.onnx.ClipVisionEncoder;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.ImmichGeneration;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.HubEmulator;
import dev.sdembed.testing.OnnxModelBuilder.ExternalData;
import dev.sdembed.testing.RecordedRequest;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Immich's OpenCLIP exports, each generation in the layout Immich publishes, pulled by the catalogue name: the pair
 * that comes out loads as it is and embeds like the same weights in sdembed's own layout.
 */
class PullImmichTest {
    private static final String REPO = "immich-app/ViT-H-14__laion2b-s32b-b79k";
    private static final String PREPROCESSOR_224 = """
            {"do_resize": true, "size": {"shortest_edge": 224}, "resample": 3, "do_center_crop": true,
             "crop_size": {"height": 224, "width": 224}, "image_mean": [0.48145466, 0.4578275, 0.40821073],
             "image_std": [0.26862954, 0.26130258, 0.27577711]}
            """;
    private static final List<String> TEXTS = List.of("a castle at night", "masterpiece, 1girl, cherry blossoms", "");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(ImmichGeneration.class)
    void everyGenerationBecomesATextAndVisionPairThatEmbedsLikeSdembedsLayout(ImmichGeneration generation)
            throws IOException {
        Path tokenizer = ClipTokenizers.forPad(TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz"),
                PAD_END_TOKEN);
        ExternalData weights = switch (generation) {
            case OPSET_17, OPSET_23_FP16 -> ExternalData.FILE_PER_TENSOR;
            case OPSET_19_BATCH_1 -> ExternalData.NONE;
            case OPSET_23_UINT8 -> ExternalData.ONE_FILE;
        };
        Path repo = PullFixtures.immichRepo(tmp.resolve("repo"), generation, weights, tokenizer);
        List<Path> images = images();
        try (HubEmulator hub = HubEmulator.builder().repo(REPO, repo).start()) {
            Path dir = tmp.resolve("models/clip-vit-h-14");
            CliRun run = PullFixtures.pull(PullFixtures.environment(hub, tmp.resolve("hf")), "clip-vit-h-14",
                    "--dir", dir.toString());

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out())
                    .containsPattern(Pattern.quote(dir.resolve("text").toString()) + " +clip-text, 8-d, space"
                            + " openclip-vit-h-14")
                    .containsPattern(Pattern.quote(dir.resolve("vision").toString()) + " +clip-vision, 8-d, space"
                            + " openclip-vit-h-14");
            assertThat(hub.requests(RecordedRequest::isResolve)).as("other hardware's files stay on the Hub")
                    .noneMatch(r -> r.path().endsWith(".armnn") || r.path().contains("/fp16/")
                            || r.path().contains("/rknpu/"));
            assertThat(files(dir)).noneMatch(f -> f.endsWith(".armnn") || f.endsWith(".rknn"));

            JsonNode text = PullFixtures.JSON.readTree(dir.resolve("text/sdembed.json").toFile());
            JsonNode vision = PullFixtures.JSON.readTree(dir.resolve("vision/sdembed.json").toFile());
            assertThat(text.get("kind").asText()).isEqualTo("clip-text");
            assertThat(text.get("name").asText()).isEqualTo("clip-vit-h-14-text");
            assertThat(text.get("pad_token_id").asInt()).as("Immich's tokenizer_config.json pad_token").isEqualTo(49407);
            assertThat(vision.get("kind").asText()).isEqualTo("clip-vision");
            assertThat(text.get("embedding_space")).isEqualTo(vision.get("embedding_space"));
            assertProvenanceMatchesTheFiles(dir.resolve("text"), hub.commit(REPO, "main"));
            assertProvenanceMatchesTheFiles(dir.resolve("vision"), hub.commit(REPO, "main"));
            JsonNode preprocessing = PullFixtures.JSON.readTree(dir.resolve("vision/preprocessor_config.json").toFile());
            assertThat(preprocessing.at("/size/shortest_edge").asInt()).isEqualTo(224);
            assertThat(preprocessing.at("/crop_size/height").asInt()).isEqualTo(224);
            assertThat(preprocessing.get("resample").asInt()).as("bicubic").isEqualTo(3);
            assertThat(preprocessing.get("image_mean").get(0).floatValue()).isEqualTo(0.48145466f);
            assertThat(preprocessing.get("sdembed_long_edge_rounding").asText()).as("Immich's resize_pil")
                    .isEqualTo("immich");

            assertThat(CliRun.of("models", "verify", dir.resolve("text").toString(), dir.resolve("vision").toString())
                    .exitCode()).isZero();
            double tolerance = generation.fp16Outputs ? 2e-3 : 1e-5;
            Path ownText = ClipModelDirectories.text("pull-own-text", tokenizer,
                    f -> ClipTestModels.openClipText(f, TextSpec.tiny(), "input_ids", "text_embeds"), null);
            try (ClipTextEncoder pulled = ClipTextEncoder.open(dir.resolve("text"));
                 ClipTextEncoder own = ClipTextEncoder.open(ownText)) {
                assertClose(pulled.embedAll(TEXTS), own.embedAll(TEXTS), tolerance);
            }
            Path ownVision = ClipModelDirectories.vision("pull-own-vision", f -> ClipTestModels.openClipVision(f,
                    VisionSpec.tiny(), "pixel_values", "image_embeds"), PREPROCESSOR_224, null);
            try (ClipVisionEncoder pulled = ClipVisionEncoder.builder(dir.resolve("vision")).preprocessThreads(1).build();
                 ClipVisionEncoder own = ClipVisionEncoder.builder(ownVision).preprocessThreads(1).build()) {
                assertThat(pulled.preprocessing().longEdgeRounding())
                        .isEqualTo(dev.sdembed.image.ClipPreprocessConfig.LongEdgeRounding.IMMICH);
                assertClose(pulled.embedFiles(images), own.embedFiles(images), tolerance);
            }
        }
    }

    @Test
    void thePulledPairIndexesAndSearchesTextToImage() throws IOException {
        Path tokenizer = ClipTokenizers.forPad(TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz"),
                PAD_END_TOKEN);
        Path repo = PullFixtures.immichRepo(tmp.resolve("repo"), ImmichGeneration.OPSET_23_UINT8,
                ExternalData.FILE_PER_TENSOR, tokenizer);
        try (HubEmulator hub = HubEmulator.builder().repo(REPO, repo).start()) {
            Path dir = tmp.resolve("models/clip-vit-h-14");
            assertThat(PullFixtures.pull(PullFixtures.environment(hub, tmp.resolve("hf")), "clip-vit-h-14",
                    "--dir", dir.toString()).exitCode()).isZero();
        }
        Path library = Files.createDirectories(tmp.resolve("library"));
        SdTestImages.a1111(library.resolve("fox.png"), 64, 11, "a red fox in the snow", "blurry");
        SdTestImages.a1111(library.resolve("castle.png"), 64, 12, "a castle at night", "blurry");
        Path config = tmp.resolve("sdembed-config.json");
        Files.writeString(config, "{\"slots\": {\"prompt_clip_h\": {\"model\": \"models/clip-vit-h-14/text\"},"
                + " \"image_clip_h\": {\"model\": \"models/clip-vit-h-14/vision\"}}}");
        String store = tmp.resolve("store").toString();

        CliRun index = CliRun.of("index", "--config", config.toString(), "--store", store, library.toString());
        assertThat(index.exitCode()).as(index.err()).isZero();
        CliRun search = CliRun.of("search", "--text", "a fox", "--mode", "image", "--json", "--config",
                config.toString(), "--store", store);
        assertThat(search.exitCode()).as(search.err()).isZero();
        assertThat(search.outLines()).hasSize(2);
        CliRun embedText = CliRun.of("embed-text", "--model-dir", tmp.resolve("models/clip-vit-h-14/text").toString(),
                "a fox");
        assertThat(embedText.out()).contains("\"dim\":8");
        CliRun embedImage = CliRun.of("embed-image", "--model-dir",
                tmp.resolve("models/clip-vit-h-14/vision").toString(), library.resolve("fox.png").toString());
        assertThat(embedImage.out()).contains("\"dim\":8");
    }

    @Test
    void oneTowerOfAnyImmichRepositoryIsOneDirectoryAndSquashResizingIsKept() throws IOException {
        Path repo = PullFixtures.immichRepo(tmp.resolve("repo"), ImmichGeneration.OPSET_17, ExternalData.ONE_FILE, null);
        Files.writeString(repo.resolve("visual/preprocess_cfg.json"), PullFixtures.CLIP_PREPROCESS_CFG
                .replace("\"shortest\"", "\"squash\"").replace("\"bicubic\"", "\"bilinear\""));
        try (HubEmulator hub = HubEmulator.builder().repo("immich-app/ViT-T-8__tiny", repo).start()) {
            Path dir = tmp.resolve("vision");
            CliRun run = PullFixtures.pull(PullFixtures.environment(hub, tmp.resolve("hf")),
                    "hf:immich-app/ViT-T-8__tiny/visual", "--dir", dir.toString());

            assertThat(run.exitCode()).as(run.err()).isZero();
            JsonNode manifest = PullFixtures.JSON.readTree(dir.resolve("sdembed.json").toFile());
            assertThat(manifest.get("kind").asText()).isEqualTo("clip-vision");
            assertThat(manifest.get("dimension").asInt()).as("config.json embed_dim").isEqualTo(8);
            assertThat(manifest.get("embedding_space").asText()).isEqualTo("hf:immich-app/vit-t-8__tiny");
            assertThat(manifest.at("/source/files/model.onnx.data/from").asText()).isEqualTo("visual/model.onnx.data");
            JsonNode preprocessing = PullFixtures.JSON.readTree(dir.resolve("preprocessor_config.json").toFile());
            assertThat(preprocessing.at("/size/height").asInt()).isEqualTo(224);
            assertThat(preprocessing.get("do_center_crop").asBoolean()).isFalse();
            assertThat(preprocessing.get("resample").asInt()).as("bilinear").isEqualTo(2);
            try (ClipVisionEncoder encoder = ClipVisionEncoder.open(dir)) {
                assertThat(encoder.preprocessing().shortestEdge()).as("squashed to 224 x 224").isZero();
                assertThat(encoder.preprocessing().resizeHeight()).isEqualTo(224);
            }
        }
    }

    /** sdembed.json names every other file of the directory, with the SHA-256 it has. */
    private static void assertProvenanceMatchesTheFiles(Path dir, String commit) throws IOException {
        JsonNode source = PullFixtures.JSON.readTree(dir.resolve("sdembed.json").toFile()).get("source");
        assertThat(source.get("repository").asText()).isEqualTo(REPO);
        assertThat(source.get("commit").asText()).isEqualTo(commit);
        List<String> named = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = source.get("files").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            named.add(f.getKey());
            assertThat(f.getValue().get("sha256").asText()).as(f.getKey())
                    .isEqualTo(ContentHash.ofFile(dir.resolve(f.getKey())).hex());
        }
        List<String> present = files(dir).stream().filter(f -> !f.equals("sdembed.json")).toList();
        assertThat(named).containsExactlyInAnyOrderElementsOf(present);
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).map(f -> dir.relativize(f).toString()).toList();
        }
    }

    private List<Path> images() {
        List<Path> images = new ArrayList<>();
        int[][] sizes = {{300, 200}, {64, 96}, {224, 224}};
        for (int i = 0; i < sizes.length; i++) {
            images.add(dev.sdembed.testing.TestImageFiles.pattern(tmp.resolve("img-" + i + ".png"), sizes[i][0],
                    sizes[i][1], 70 + i, "png"));
        }
        return images;
    }

    private static void assertClose(List<Embedding> actual, List<Embedding> expected, double tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            assertThat(actual.get(i).maxAbsDifference(expected.get(i))).as("item %d", i).isLessThan(tolerance);
        }
    }
}
