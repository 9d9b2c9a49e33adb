package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.runtime.SlotConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sdembed init} writes configurations that {@link SdembedConfig#read} takes, over the pulled directories. */
class InitCommandTest {
    private static final List<String> FULL = List.of("bge-large-en-v1.5", "clip-vit-l-14/text",
            "clip-vit-bigg-14-text", "clip-vit-h-14/vision", "clip-vit-h-14/text");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void theFullPresetLoadsWithDevicesAsTheSeedAssignsThem(int gpus) throws IOException {
        Path models = pulled(FULL);
        Path file = tmp.resolve("conf/sdembed-config.json");

        CliRun run = CliRun.of("init", "--gpus", Integer.toString(gpus), "--models", models.toString(), "--out",
                file.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Wrote " + file).contains("Every model is there");
        SdembedConfig config = SdembedConfig.read(file);
        Map<String, String> devices = config.slots().stream()
                .collect(Collectors.toMap(SlotConfig::name, SlotConfig::device, (a, b) -> a, LinkedHashMap::new));
        String first = gpus == 0 ? "cpu" : "cuda:0";
        String second = gpus == 0 ? "cpu" : gpus == 1 ? "cuda:0" : "cuda:1";
        assertThat(devices).containsExactly(Map.entry("prompt_bge", first), Map.entry("prompt_clip_l", second),
                Map.entry("prompt_clip_g", second), Map.entry("image_clip_h", first));
        assertThat(config.slots()).extracting(SlotConfig::model).containsExactly(models.resolve("bge-large-en-v1.5"),
                models.resolve("clip-vit-l-14/text"), models.resolve("clip-vit-bigg-14-text"),
                models.resolve("clip-vit-h-14/vision"));
        assertThat(config.batchSize()).isEqualTo(64);
        assertThat(Files.readString(file)).as("relative to the file, as a user would write it")
                .contains("\"model\" : \"../models/bge-large-en-v1.5\"");
    }

    @Test
    void textToImageAddsViTHsTextTowerAndTheCpuPresetIsSmall() throws IOException {
        Path models = pulled(List.of("bge-large-en-v1.5", "clip-vit-l-14/text", "clip-vit-bigg-14-text",
                "clip-vit-h-14/vision", "clip-vit-h-14/text", "bge-small-en-v1.5", "clip-vit-b-32/text",
                "clip-vit-b-32/vision"));
        Path full = tmp.resolve("full.json");
        assertThat(CliRun.of("init", "--gpus", "2", "--text-to-image", "--models", models.toString(), "-o",
                full.toString()).exitCode()).isZero();
        SlotConfig clipH = SdembedConfig.read(full).slots().get(4);
        assertThat(clipH.name()).isEqualTo("prompt_clip_h");
        assertThat(clipH.model()).isEqualTo(models.resolve("clip-vit-h-14/text"));
        assertThat(clipH.device()).isEqualTo("cuda:1");

        Path cpu = tmp.resolve("cpu.json");
        CliRun run = CliRun.of("init", "--preset", "cpu", "--models", models.toString(), "-o", cpu.toString(),
                "--store", tmp.resolve("store").toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        SdembedConfig config = SdembedConfig.read(cpu);
        assertThat(config.slots()).extracting(SlotConfig::name)
                .containsExactly("prompt_bge", "prompt_clip_b", "image_clip_b");
        assertThat(config.slots()).extracting(SlotConfig::device).containsOnly("cpu");
        assertThat(config.storeUrl()).isEqualTo(tmp.resolve("store").toString());
        assertThat(config.slots().get(0).model()).isEqualTo(models.resolve("bge-small-en-v1.5"));
    }

    @Test
    void modelsNotPulledYetAreListedWithTheCommandThatPullsThem() throws IOException {
        Path models = pulled(List.of("bge-large-en-v1.5"));
        Path file = tmp.resolve("sdembed-config.json");

        CliRun run = CliRun.of("init", "--models", models.toString(), "-o", file.toString());

        assertThat(run.exitCode()).isZero();
        assertThat(run.outLines()).containsSubsequence("Not pulled yet into " + models + ":",
                "  sdembed models pull clip-vit-l-14", "  sdembed models pull clip-vit-bigg-14-text",
                "  sdembed models pull clip-vit-h-14");
        assertThat(file).isRegularFile();

        CliRun again = CliRun.of("init", "--models", models.toString(), "-o", file.toString());
        assertThat(again.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(again.err()).contains("Configuration " + file + " exists; pass --force");
        assertThat(CliRun.of("init", "--models", models.toString(), "-o", file.toString(), "--force").exitCode())
                .isZero();
        assertThat(CliRun.of("init", "--gpus", "3", "-o", tmp.resolve("x.json").toString()).err())
                .contains("--gpus is 3; expected 0 to 2");
        assertThat(CliRun.of("init", "--preset", "cpu", "--gpus", "1", "-o", tmp.resolve("y.json").toString()).err())
                .contains("--preset cpu runs on the CPU");
    }

    /** Model folders as models pull leaves them; the configuration only needs them to exist. */
    private Path pulled(List<String> dirs) throws IOException {
        Path models = tmp.resolve("models");
        for (String d : dirs) {
            Files.createDirectories(models.resolve(d));
        }
        return models;
    }
}
