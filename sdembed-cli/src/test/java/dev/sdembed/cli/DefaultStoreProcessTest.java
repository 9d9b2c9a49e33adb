package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code sdembed index} and {@code sdembed search} without {@code --store}, as separate processes started in a fresh
 * working folder: both use the embedded store in {@code ./sdembed-data}.
 */
class DefaultStoreProcessTest {

    @Test
    void withoutStoreIndexAndSearchShareSdembedDataInTheWorkingFolder() throws Exception {
        Path work = TestPaths.targetDir("default-store-work");
        try (Stream<Path> old = Files.walk(work)) {
            old.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(work)).forEach(p -> p.toFile().delete());
        }
        Path library = Files.createDirectories(work.resolve("library"));
        SdTestImages.a1111(library.resolve("fox.png"), 48, 1, "a red fox in the snow", "blurry");
        SdTestImages.a1111(library.resolve("castle.png"), 48, 2, "a castle on a hill at sunset", "blurry");
        Path config = IndexFixtures.config("default-store", null, null);

        // A query before anything was indexed here (the wrong working folder): said, and nothing created.
        Result early = run(work, "search", "--config", config.toString(), "--text", "a fox in winter");
        assertThat(early.exitCode).as(early.output).isEqualTo(ExitCodes.USAGE);
        assertThat(early.output).contains("sdembed: No sdembed store at " + work.resolve("sdembed-data")
                + " (no sdembed.db there); index a folder first, or give --store");
        assertThat(work.resolve("sdembed-data")).doesNotExist();

        Result index = run(work, "index", "--config", config.toString(), "--json-summary", "library");
        assertThat(index.exitCode).as(index.output).isZero();
        assertThat(work.resolve("sdembed-data").resolve("sdembed.db")).isRegularFile();

        Result search = run(work, "search", "--config", config.toString(), "--text", "a fox in winter", "-k", "2",
                "--json");
        assertThat(search.exitCode).as(search.output).isZero();
        List<JsonNode> hits = new ArrayList<>();
        for (String line : search.output.lines().toList()) {
            if (line.startsWith("{")) {
                hits.add(Json.MAPPER.readTree(line));
            }
        }
        assertThat(hits).hasSize(2);
        assertThat(hits.get(0).get("path").asText()).isEqualTo(library.resolve("fox.png").toAbsolutePath().toString());
        assertThat(hits.get(0).get("score").asDouble()).isGreaterThan(hits.get(1).get("score").asDouble());
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(Path workingDir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SdembedCommand.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workingDir.toFile());
        pb.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Path log = Files.createTempFile(workingDir, "out", ".log");
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("sdembed " + String.join(" ", args) + " did not finish in 180 s: "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
