package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbedTextCommandTest {

    @Test
    void printsOneJsonLinePerTextWithTheEncodersEmbedding() throws Exception {
        String model = TestModels.bgeSmall().toString();
        CliRun run = CliRun.of("embed-text", "--model-dir", model, "a cat", "(masterpiece:1.2), castle");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.outLines();
        assertThat(lines).hasSize(2);
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        assertThat(first.get("text").asText()).isEqualTo("a cat");
        assertThat(first.get("dim").asInt()).isEqualTo(384);
        float[] vector = new float[384];
        for (int i = 0; i < 384; i++) {
            vector[i] = (float) first.get("embedding").get(i).asDouble();
        }
        try (BgeTextEncoder encoder = BgeTextEncoder.open(TestModels.bgeSmall())) {
            assertThat(Embedding.of(vector).maxAbsDifference(encoder.embed("a cat"))).isLessThan(1e-6);
        }
    }

    @Test
    void queryFlagAddsTheQueryInstruction() throws Exception {
        String model = TestModels.bgeSmall().toString();
        JsonNode asQuery = Json.MAPPER.readTree(CliRun.of("embed-text", "--model-dir", model, "--query", "fox").out());
        JsonNode asText = Json.MAPPER.readTree(CliRun.of("embed-text", "--model-dir", model, "fox").out());
        assertThat(asQuery.get("embedding")).isNotEqualTo(asText.get("embedding"));
    }

    @Test
    void missingModelDirectoryIsOneLineOnStderrAndExitCodeTwo() {
        String missing = TestPaths.targetDir("cli").resolve("missing-model").toString();
        CliRun run = CliRun.of("embed-text", "--model-dir", missing, "x");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).containsExactly("sdembed: Model directory " + missing + " does not exist");
    }

    @Test
    void verboseAddsTheStackTrace() {
        String missing = TestPaths.targetDir("cli").resolve("missing-model").toString();
        CliRun run = CliRun.of("embed-text", "--verbose", "--model-dir", missing, "x");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines().get(0)).startsWith("sdembed: Model directory");
        assertThat(run.err()).contains("at dev.sdembed.onnx.ModelDirectory.open");
    }

    @Test
    void unavailableGpuUnderTheFailPolicyIsAOneLineError() {
        CliRun run = CliRun.of("embed-text", "--model-dir", TestModels.bgeSmall().toString(), "--device", "cuda:0", "x");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).singleElement().asString()
                .startsWith("sdembed: Encoder 'bge-small-en-v1.5' cannot run on cuda:0: missing ");
    }

    @Test
    void badDeviceSpellingIsAUsageError() {
        CliRun run = CliRun.of("embed-text", "--model-dir", TestModels.bgeSmall().toString(), "--device", "gpu0", "x");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).containsExactly(
                "sdembed: Unknown device 'gpu0'; expected cpu, cpu:N, cuda:N or tensorrt:N");
    }

    @Test
    void modelsInspectDescribesTheGraph() throws Exception {
        CliRun run = CliRun.of("models", "inspect", TestModels.bgeSmall().toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.MAPPER.readTree(run.out());
        assertThat(json.get("kind").asText()).isEqualTo("bert");
        assertThat(json.get("dimension").asInt()).isEqualTo(384);
        assertThat(json.get("fingerprint").asText()).matches("[0-9a-f]{64}");
        assertThat(json.get("inputs").findValuesAsText("name"))
                .containsExactly("input_ids", "attention_mask", "token_type_ids");
        assertThat(json.get("outputs").get(0).get("shape").asText()).isEqualTo("[batch_size,sequence_length,384]");
    }
}
