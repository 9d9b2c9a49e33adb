package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.onnx.ModelDirectory;
import dev.sdembed.testing.HubEmulator;
import dev.sdembed.testing.RecordedRequest;
import dev.sdembed.testing.SdPrompts;
import dev.sdembed.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bge-small-en-v1.5 pulled from BAAI's layout (its real files, served by the emulator) is the model the build
 * materialises: the same files, manifest settings and fingerprint, so the same texts give bit-identical vectors.
 */
class PullBgeTest {
    private static final String REPO = "BAAI/bge-small-en-v1.5";

    @TempDir
    Path tmp;

    @Test
    void aPulledBgeSmallGivesExactlyTheVectorsOfTheMaterialisedOne() throws IOException {
        Path repo = PullFixtures.bgeRepo(tmp.resolve("repo"));
        try (HubEmulator hub = HubEmulator.builder().repo(REPO, repo).start()) {
            Path dir = tmp.resolve("models/bge-small-en-v1.5");
            CliRun run = PullFixtures.pull(PullFixtures.environment(hub, tmp.resolve("hf")), "bge-small-en-v1.5",
                    "--dir", dir.toString());

            assertThat(run.exitCode()).as(run.err()).isZero();
            String commit = hub.commit(REPO, "main");
            assertThat(run.out()).startsWith("Pulled bge-small-en-v1.5 (" + REPO + ") at commit " + commit
                    + " (hf-onnx): ").contains(dir.toString()).contains("bert, 384-d");
            assertThat(run.err()).as("log lines, no terminal").contains("sdembed: downloading onnx/model.onnx (")
                    .contains("sdembed: downloaded onnx/model.onnx ");
            assertThat(hub.requests(RecordedRequest::isResolve)).extracting(r -> r.path().replaceAll(".*/" + commit
                            + "/", "")).as("only what the directory needs")
                    .containsOnly("onnx/model.onnx", "tokenizer.json", "config.json", "tokenizer_config.json",
                            "special_tokens_map.json");
            try (var files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactlyInAnyOrder(
                        "model.onnx", "tokenizer.json", "config.json", "tokenizer_config.json",
                        "special_tokens_map.json", "sdembed.json");
            }

            JsonNode manifest = PullFixtures.JSON.readTree(dir.resolve("sdembed.json").toFile());
            JsonNode materialised = PullFixtures.JSON.readTree(TestModels.bgeSmall().resolve("sdembed.json").toFile());
            for (String field : List.of("kind", "name", "dimension", "pooling", "max_length", "query_instruction")) {
                assertThat(manifest.get(field)).as(field).isEqualTo(materialised.get(field));
            }
            String sha256 = ContentHash.ofFile(TestModels.bgeSmall().resolve("model.onnx")).hex();
            assertThat(manifest.at("/source/repository").asText()).isEqualTo(REPO);
            assertThat(manifest.at("/source/commit").asText()).isEqualTo(commit);
            assertThat(manifest.at("/source/layout").asText()).isEqualTo("hf-onnx");
            assertThat(manifest.at("/source/files/model.onnx/from").asText()).isEqualTo("onnx/model.onnx");
            assertThat(manifest.at("/source/files/model.onnx/sha256").asText()).isEqualTo(sha256);
            assertThat(ModelDirectory.open(dir).manifest().source().files().keySet()).containsExactlyInAnyOrder(
                    "model.onnx", "tokenizer.json", "config.json", "tokenizer_config.json", "special_tokens_map.json");

            List<String> texts = List.of("a castle at night", "masterpiece, best quality, 1girl, cherry blossoms",
                    "", SdPrompts.veryLong(300));
            try (BgeTextEncoder pulled = BgeTextEncoder.open(dir);
                 BgeTextEncoder reference = BgeTextEncoder.open(TestModels.bgeSmall())) {
                assertThat(pulled.info().fingerprint()).isEqualTo(reference.info().fingerprint()).isEqualTo(sha256);
                assertThat(pulled.queryInstruction()).isEqualTo(reference.queryInstruction()).isNotBlank();
                List<Embedding> a = pulled.embedAll(texts);
                List<Embedding> b = reference.embedAll(texts);
                for (int i = 0; i < texts.size(); i++) {
                    assertThat(a.get(i).vector()).as("text %d", i).containsExactly(b.get(i).vector());
                }
                assertThat(pulled.embedQuery("girl under a blossoming tree").vector())
                        .containsExactly(reference.embedQuery("girl under a blossoming tree").vector());
            }
        }
    }

    @Test
    void helpSaysWhereAPairGoesAndTheCatalogueListsEveryModelWithItsLicense() {
        CliRun help = CliRun.of("models", "pull", "--help");
        assertThat(help.out()).contains("DIR/text and DIR/vision").contains("hf:ORG/REPO[/SUBFOLDER]")
                .contains("HF_TOKEN").contains("--offline");

        CliRun list = CliRun.of("models", "pull", "--list");
        assertThat(list.exitCode()).isZero();
        for (String name : List.of("bge-large-en-v1.5", "bge-small-en-v1.5", "clip-vit-l-14", "clip-vit-h-14",
                "clip-vit-bigg-14-text", "clip-vit-b-32")) {
            assertThat(list.outLines()).contains(name);
        }
        assertThat(list.out()).contains("from immich-app/ViT-H-14__laion2b-s32b-b79k, about 3.9 GB; license: MIT")
                .contains("from stabilityai/stable-diffusion-xl-base-1.0/text_encoder_2, about 2.8 GB; license:"
                        + " CreativeML Open RAIL++-M");
    }

    @Test
    void badNamesAreRefusedWithWhatIsAccepted() {
        CliRun unknown = CliRun.of("models", "pull", "clip-vit-x");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("Unknown model 'clip-vit-x'; the catalogue has bge-large-en-v1.5,")
                .contains("hf:ORG/REPO[/SUBFOLDER]");
        CliRun malformed = CliRun.of("models", "pull", "hf:just-a-name");
        assertThat(malformed.err()).contains("'hf:just-a-name' is not hf:ORG/REPO[/SUBFOLDER]");
        CliRun none = CliRun.of("models", "pull");
        assertThat(none.err()).contains("Name the model to pull");
        assertThat(List.of(unknown.exitCode(), malformed.exitCode(), none.exitCode())).containsOnly(ExitCodes.USAGE);
    }

    @Test
    void aRepositoryInNoKnownLayoutIsRefusedListingWhatItHas() throws IOException {
        Path repo = tmp.resolve("odd");
        PullFixtures.write(repo.resolve("weights.safetensors"), "x");
        PullFixtures.write(repo.resolve("config.json"), "{}");
        try (HubEmulator hub = HubEmulator.builder().repo("someone/odd", repo).start()) {
            CliRun run = PullFixtures.pull(PullFixtures.environment(hub, tmp.resolve("hf")), "hf:someone/odd",
                    "--dir", tmp.resolve("out").toString());
            assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.err()).contains("hf:someone/odd has no ONNX model in a layout sdembed reads")
                    .contains("The repository has: config.json, weights.safetensors.");
            assertThat(tmp.resolve("out")).doesNotExist();
        }
    }
}
