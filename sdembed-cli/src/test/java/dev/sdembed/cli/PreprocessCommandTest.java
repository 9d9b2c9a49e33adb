package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreprocessCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesTheReferencePixelValuesOfTheSharedFixture() throws IOException {
        Path pixels = TestPaths.sharedFixture("clip/pixels");
        Path out = dir.resolve("nested/noise.f32");
        CliRun run = CliRun.of("preprocess", pixels.resolve("noise_rgba_480x640.png").toString(),
                "--out", out.toString(), "--size", "224");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(Files.readAllBytes(out))
                .isEqualTo(Files.readAllBytes(pixels.resolve("noise_rgba_480x640.pixel_values.f32")));
        JsonNode line = Json.MAPPER.readTree(run.outLines().get(0));
        assertThat(line.get("format").asText()).isEqualTo("png");
        assertThat(line.get("width").asInt()).isEqualTo(480);
        assertThat(line.get("height").asInt()).isEqualTo(640);
        assertThat(line.get("shape").toString()).isEqualTo("[3,224,224]");
    }

    @Test
    void readsSizeMeanAndStdFromAModelDirectory() throws IOException {
        Path image = TestPaths.sharedFixture("clip/pixels/gradient_512x300.png");
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("preprocessor_config.json"), """
                {"crop_size": {"height": 64, "width": 64}, "size": {"shortest_edge": 64},
                 "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 3}
                """);
        Path out = dir.resolve("gradient.f32");
        CliRun run = CliRun.of("preprocess", image.toString(), "--model-dir", model.toString(), "--out",
                out.toString());
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        float[] values = new float[3 * 64 * 64];
        ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        // mean = std = 0.5 maps [0, 255] onto [-1, 1].
        for (float v : values) {
            assertThat(v).isBetween(-1f, 1f);
        }
        assertThat(Json.MAPPER.readTree(run.outLines().get(0)).get("shape").toString()).isEqualTo("[3,64,64]");
    }

    @Test
    void aBrokenImageIsOneLineOnStderr() throws IOException {
        Path image = Files.write(dir.resolve("broken.png"), new byte[0]);
        CliRun run = CliRun.of("preprocess", image.toString(), "--size", "224", "--out", dir.resolve("x").toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).startsWith("sdembed: Cannot decode image " + image + ": empty file (0 bytes)");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void sizeAndModelDirectoryAreExclusiveAndOneIsRequired() {
        CliRun both = CliRun.of("preprocess", "a.png", "--out", "x", "--size", "224", "--model-dir", "m");
        assertThat(both.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(both.err()).contains("mutually exclusive");
        CliRun neither = CliRun.of("preprocess", "a.png", "--out", "x");
        assertThat(neither.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(neither.err()).contains("Missing required argument");
    }

    @Test
    void aModelDirectoryWithoutPreprocessorConfigIsNamed() {
        Path image = TestPaths.sharedFixture("clip/pixels/gray_257x333.png");
        CliRun run = CliRun.of("preprocess", image.toString(), "--model-dir", dir.toString(), "--out",
                dir.resolve("x").toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("Preprocessor config " + dir.resolve("preprocessor_config.json")
                + " does not exist");
    }
}
