package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Configuration and store errors of sdembed index: one line naming the key, the path or the missing option. */
class IndexConfigTest {
    private static final Path DIR = TestPaths.targetDir("index-config-errors");

    private static CliRun indexWith(String json) throws IOException {
        Path config = Files.writeString(DIR.resolve("config.json"), json);
        return CliRun.of("index", "--config", config.toString(), "--store", "postgresql://nobody@127.0.0.1:1/x",
                DIR.toString());
    }

    @Test
    void anUnknownKeyIsNamedWithItsPath() throws IOException {
        CliRun run = indexWith("{\"slots\": {\"prompt_bge\": {\"model\": \".\", \"devcie\": \"cpu\"}}}");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).singleElement().asString()
                .startsWith("sdembed: Configuration " + DIR.resolve("config.json"))
                .contains("unknown key 'slots.prompt_bge.devcie'; expected one of [batchSize, decodeThreads, device,");

        CliRun top = indexWith("{\"stores\": {}}");
        assertThat(top.errLines()).singleElement().asString().contains("unknown key 'stores'");
    }

    @Test
    void aMissingModelDirectoryNamesTheKeyAndThePath() throws IOException {
        CliRun run = indexWith("{\"slots\": {\"image_clip_h\": {\"model\": \"no/such/model\"}}}");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).singleElement().asString()
                .contains("'slots.image_clip_h.model': model directory " + DIR.resolve("no/such/model")
                        + " does not exist");
    }

    @Test
    void badValuesAreNamed() throws IOException {
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"device\": \"gpu7\"}}}").err())
                .contains("'slots.s.device'");
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"batchSize\": 0}}}").err())
                .contains("'slots.s.batchSize' is 0; expected a positive integer");
        assertThat(indexWith("{\"slots\": {}}").err()).contains("'slots' is missing or empty");
        assertThat(indexWith("[1]").err()).contains("is not a JSON object");
    }

    @Test
    void aStoreWithAnUnknownSchemeIsRefusedBeforeAnyModelIsLoaded() throws IOException {
        Path config = Files.writeString(DIR.resolve("mysqlstore.json"), "{\"store\": {\"url\": \"mysql://db/x\"}, "
                + "\"slots\": {\"prompt_bge\": {\"model\": \"" + dev.sdembed.onnx.testing.TestModels.bgeSmall() + "\"}}}");
        CliRun run = CliRun.of("index", "--config", config.toString(), DIR.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).singleElement().asString()
                .isEqualTo("sdembed: Store 'mysql://db/x' has the unsupported scheme 'mysql'; expected "
                        + "postgresql://user@host:port/db, jdbc:postgresql://host:port/db, a folder path or "
                        + "file:FOLDER for the embedded store");
    }
}
