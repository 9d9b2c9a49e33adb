package dev.sdembed.cli;

import static dev.sdembed.testing.ClipModelDirectories.PAD_ZERO;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.onnx.ClipTextEncoder;
import dev.sdembed.onnx.ClipTokenizer;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.GoldenTokens;
import dev.sdembed.testing.HubEmulator;
import dev.sdembed.testing.OnnxModelBuilder;
import dev.sdembed.testing.RecordedRequest;
import dev.sdembed.testing.SdPrompts;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenCLIP ViT-bigG/14 text from Stable Diffusion XL's repository: {@code text_encoder_2/} as optimum exports it, and
 * {@code tokenizer_2/} with only {@code vocab.json} and {@code merges.txt}, converted into the tokenizer.json that gives
 * OpenAI's tokenizer's ids with SDXL's pad token "!" (id 0).
 */
class PullSdxlTest {
    private static final String REPO = "stabilityai/stable-diffusion-xl-base-1.0";

    @TempDir
    Path tmp;

    @Test
    void textEncoder2WithBpeOnlyTokenizerFilesBecomesAWorkingDirectory() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path hfFiles = ClipTokenizers.huggingFaceFiles(bpe, tmp.resolve("hf-tokenizer"));
        Path repo = PullFixtures.sdxlRepo(tmp.resolve("repo"), hfFiles, OnnxModelBuilder.INT32);
        Path dir = tmp.resolve("models/clip-vit-bigg-14-text");
        try (HubEmulator hub = HubEmulator.builder().repo(REPO, repo).start()) {
            CliRun run = PullFixtures.pull(PullFixtures.environment(hub, tmp.resolve("hf")), "clip-vit-bigg-14-text",
                    "--dir", dir.toString());

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).contains("(diffusers-text-encoder)").contains("clip-text, 8-d, space"
                    + " openclip-vit-bigg-14");
            String commit = hub.commit(REPO, "main");
            assertThat(hub.requests(RecordedRequest::isResolve)).extracting(r -> r.path().replaceAll(".*/" + commit
                    + "/", "")).as("the one text encoder and its tokenizer, nothing else of the pipeline")
                    .containsOnly("text_encoder_2/model.onnx", "text_encoder_2/model.onnx_data",
                            "text_encoder_2/config.json", "tokenizer_2/vocab.json", "tokenizer_2/merges.txt",
                            "tokenizer_2/tokenizer_config.json", "tokenizer_2/special_tokens_map.json");
        }
        JsonNode manifest = PullFixtures.JSON.readTree(dir.resolve("sdembed.json").toFile());
        assertThat(manifest.get("pad_token_id").asInt()).isZero();
        assertThat(manifest.get("dimension").asInt()).as("text_encoder_2/config.json projection_dim").isEqualTo(8);
        assertThat(manifest.get("embedding_space").asText()).isEqualTo("openclip-vit-bigg-14");
        assertThat(manifest.at("/source/files/tokenizer.json/from").asText()).isEqualTo("converted from"
                + " tokenizer_2/vocab.json + tokenizer_2/merges.txt (pad token !)");
        assertThat(manifest.at("/source/files/model.onnx_data/from").asText())
                .isEqualTo("text_encoder_2/model.onnx_data");

        // The converted tokenizer gives the ids of the one written from OpenAI's BPE file, and OpenAI's reference ids.
        Path reference = ClipTokenizers.forPad(bpe, PAD_ZERO);
        try (HuggingFaceTokenizer converted = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"));
             HuggingFaceTokenizer fromBpe = HuggingFaceTokenizer.newInstance(reference);
             ClipTokenizer clip = ClipTokenizer.open(dir)) {
            for (GoldenTokens g : GoldenTokens.fixture()) {
                assertThat(converted.encode(g.text()).getIds()).as(g.text())
                        .containsExactly(fromBpe.encode(g.text()).getIds());
                long[] expected = new long[Math.min(g.bpeIds().length, 75)];
                System.arraycopy(g.bpeIds(), 0, expected, 0, expected.length);
                long[] ids = clip.inputIds(g.text());
                assertThat(ids[0]).isEqualTo(49406);
                assertThat(java.util.Arrays.copyOfRange(ids, 1, expected.length + 1)).as(g.text())
                        .containsExactly(expected);
                assertThat(ids[expected.length + 1]).isEqualTo(49407);
                assertThat(ids[76]).as("padded with '!'").isEqualTo(expected.length >= 75 ? 49407 : 0);
            }
        }

        Path own = ClipModelDirectories.text("pull-sdxl-own", reference,
                f -> ClipTestModels.openClipText(f, TextSpec.tiny(), "input_ids", "text_embeds"), null);
        List<String> texts = List.of("a castle at night", SdPrompts.veryLong(100), "");
        try (ClipTextEncoder pulled = ClipTextEncoder.open(dir); ClipTextEncoder expected = ClipTextEncoder.open(own)) {
            List<Embedding> a = pulled.embedAll(texts);
            List<Embedding> b = expected.embedAll(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(a.get(i).maxAbsDifference(b.get(i))).as("text %d", i).isLessThan(1e-6);
            }
        }
        assertThat(Files.exists(dir.resolve("vocab.json"))).as("the converted file replaces the BPE files").isFalse();
    }

    @Test
    void theWholePipelineIsRefusedNamingItsTextEncoders() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path repo = PullFixtures.sdxlRepo(tmp.resolve("repo"), ClipTokenizers.huggingFaceFiles(bpe,
                tmp.resolve("hf-tokenizer")), OnnxModelBuilder.INT64);
        try (HubEmulator hub = HubEmulator.builder().repo(REPO, repo).start()) {
            CliRun run = PullFixtures.pull(PullFixtures.environment(hub, tmp.resolve("hf")), "hf:" + REPO,
                    "--dir", tmp.resolve("sdxl").toString());
            assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.err()).contains("hf:" + REPO + " is a diffusers pipeline; name the text encoder to pull: hf:"
                    + REPO + "/text_encoder or hf:" + REPO + "/text_encoder_2");
        }
    }
}
