package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.metadata.MetadataFixtures;
import dev.sdembed.metadata.TestImages;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MetadataCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PARAMETERS = "a cat, \nNegative prompt: dog\n"
            + "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 6952411511246973023, Size: 512x768, "
            + "Model hash: abc, Model: sd15, Version: v1.10.1";

    @TempDir
    Path dir;

    private record Run(int exitCode, List<JsonNode> lines, String err) {
    }

    private Run run(String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SdembedCommand.newCommandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return new Run(code, lines, err.toString());
    }

    @Test
    void printsOneSnakeCaseJsonLinePerFile() throws IOException {
        Path file = TestImages.png().text("parameters", PARAMETERS).write(dir.resolve("a.png"));
        Run run = run("metadata", file.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(run.err()).isEmpty();
        JsonNode line = run.lines().get(0);
        List<String> keys = new ArrayList<>();
        line.properties().forEach(p -> keys.add(p.getKey()));
        assertThat(keys).containsExactly("file", "generator", "prompt", "negative_prompt", "width", "height",
                "seed", "steps", "cfg", "sampler", "model", "model_hash", "parameters", "warnings");
        assertThat(line.get("file").asText()).isEqualTo(file.toString());
        assertThat(line.get("generator").asText()).isEqualTo("a1111");
        assertThat(line.get("prompt").asText()).isEqualTo("a cat,");
        assertThat(line.get("negative_prompt").asText()).isEqualTo("dog");
        assertThat(line.get("width").asInt()).isEqualTo(512);
        assertThat(line.get("height").asInt()).isEqualTo(768);
        assertThat(line.get("seed").isIntegralNumber()).isTrue();
        assertThat(line.get("seed").asLong()).as("exact beyond 2^53").isEqualTo(6952411511246973023L);
        assertThat(line.get("steps").asInt()).isEqualTo(20);
        assertThat(line.get("cfg").asDouble()).isEqualTo(7.0);
        assertThat(line.get("sampler").asText()).isEqualTo("Euler a");
        assertThat(line.get("model").asText()).isEqualTo("sd15");
        assertThat(line.get("model_hash").asText()).isEqualTo("abc");
        assertThat(line.get("parameters").get("Version").asText()).isEqualTo("v1.10.1");
        assertThat(line.get("warnings")).isEmpty();
    }

    @Test
    void reportsUnreadableFilesInPlaceAndExitsWithCompletedWithFailures() throws IOException {
        Path good = TestImages.png().text("parameters", PARAMETERS).write(dir.resolve("good.png"));
        Path empty = Files.createFile(dir.resolve("empty.png"));
        Path none = TestImages.png().write(dir.resolve("none.png"));
        Path missing = dir.resolve("missing.webp");
        Run run = run("metadata", empty.toString(), good.toString(), missing.toString(), none.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        assertThat(run.lines()).extracting(l -> l.get("file").asText())
                .containsExactly(empty.toString(), good.toString(), missing.toString(), none.toString());
        assertThat(run.lines().get(0).get("error").asText())
                .isEqualTo("Cannot read metadata from " + empty + ": the file is empty (0 bytes); expected a PNG, "
                        + "JPEG or WebP image");
        assertThat(run.lines().get(0).has("generator")).isFalse();
        assertThat(run.lines().get(1).get("generator").asText()).isEqualTo("a1111");
        assertThat(run.lines().get(2).get("error").asText()).endsWith("missing.webp: no such file");
        assertThat(run.lines().get(3).get("generator").asText()).isEqualTo("none");
        assertThat(run.lines().get(3).get("prompt").isNull()).isTrue();
    }

    @Test
    void rawOptionAddsTheMetadataText() throws IOException {
        Path file = TestImages.png().text("parameters", PARAMETERS).write(dir.resolve("a.png"));
        Run run = run("metadata", "--raw", file.toString());
        assertThat(run.lines().get(0).get("raw_text").asText()).isEqualTo(PARAMETERS);
    }

    @Test
    void withoutFilesItIsAUsageError() throws IOException {
        Run run = run("metadata");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("Missing required parameter: 'FILE'");
    }

    @Test
    void readsEverySharedFixtureInOrder() throws IOException {
        Path fixtures = MetadataFixtures.directory();
        List<JsonNode> expected = new ArrayList<>();
        for (String line : Files.readAllLines(fixtures.resolve("expected.jsonl"))) {
            expected.add(JSON.readTree(line));
        }
        List<String> args = new ArrayList<>(List.of("metadata"));
        expected.forEach(e -> args.add(fixtures.resolve(e.get("file").asText()).toString()));
        Run run = run(args.toArray(String[]::new));
        assertThat(run.exitCode()).as("the zero-byte fixture fails").isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        assertThat(run.lines()).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            JsonNode got = run.lines().get(i);
            assertThat(got.get("file").asText()).endsWith(want.get("file").asText());
            if (want.get("file").asText().equals("sdparsers-none__empty_file.png")) {
                assertThat(got.has("error")).isTrue();
                continue;
            }
            assertThat(got.get("generator").asText()).as(want.get("file").asText())
                    .isEqualTo(want.get("generator").asText());
            for (Map.Entry<String, JsonNode> field : want.properties()) {
                if (List.of("seed", "steps", "width", "height").contains(field.getKey())
                        && !field.getValue().isNull()) {
                    assertThat(got.get(field.getKey()).asLong()).as(want.get("file").asText() + " " + field.getKey())
                            .isEqualTo(field.getValue().asLong());
                }
            }
        }
    }
}
