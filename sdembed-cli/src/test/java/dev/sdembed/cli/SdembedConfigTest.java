package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.runtime.LoadedSlots;
import dev.sdembed.runtime.SlotConfig;
import dev.sdembed.encoder.Device;
import dev.sdembed.onnx.CudaOptions;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Configuration and store errors of sdembed index: one line naming the key, the path or the missing option. */
class SdembedConfigTest {
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
                .contains("unknown key 'slots.prompt_bge.devcie'; expected one of [batchBuckets, batchSize, cuda, decodeThreads,");

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
                .contains("'slots.s.batchSize' is 0; expected 1 to 4096");
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"threads\": 100000}}}").err())
                .as("a typo for 10 or 100, refused before 100,000 threads start")
                .contains("'slots.s.threads' is 100000; expected 1 to 1024");
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"decodeThreads\": 2.5}}}").err())
                .contains("'slots.s.decodeThreads' is 2.5; expected a whole number from 1 to 1024");
        assertThat(indexWith("{\"pipeline\": {\"batchesInFlight\": 65}, \"slots\": {\"s\": {\"model\": \".\"}}}")
                .err()).contains("'pipeline.batchesInFlight' is 65; expected 1 to 64");
        assertThat(indexWith("{\"slots\": {}}").err()).contains("'slots' is missing or empty");
        assertThat(indexWith("[1]").err()).contains("is not a JSON object");
    }

    @Test
    void aStoreWithAnUnknownSchemeIsRefusedBeforeAnyModelIsLoaded() throws IOException {
        Path config = Files.writeString(DIR.resolve("mysqlstore.json"), "{\"store\": {\"url\": \"mysql://db/x\"}, "
                + "\"slots\": {\"prompt_bge\": {\"model\": \"" + dev.sdembed.testing.TestModels.bgeSmall() + "\"}}}");
        CliRun run = CliRun.of("index", "--config", config.toString(), DIR.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errLines()).singleElement().asString()
                .isEqualTo("sdembed: Store 'mysql://db/x' has the unsupported scheme 'mysql'; expected "
                        + "postgresql://user@host:port/db, jdbc:postgresql://host:port/db, a folder path or "
                        + "file:FOLDER for the embedded store");
    }

    @Test
    void gpuSettingsBucketsAndPrecisionAreReadPerSlot() throws IOException {
        Path config = Files.writeString(DIR.resolve("gpu.json"), "{\"slots\": {\"s\": {\"model\": \".\","
                + " \"device\": \"cuda:1\", \"precision\": \"fp16\", \"batchBuckets\": [8, 16, 32, 64],"
                + " \"sequenceBuckets\": [64, 128, 256, 512], \"cuda\": {\"convAlgoSearch\": \"HEURISTIC\","
                + " \"memLimitMb\": 20000, \"arenaExtendStrategy\": \"kSameAsRequested\","
                + " \"copyInDefaultStream\": true}}}}");
        SlotConfig slot = SdembedConfig.read(config).slots().get(0);

        assertThat(slot.precision()).isEqualTo(OnnxOptions.Precision.FP16);
        assertThat(slot.batchBuckets()).containsExactly(8, 16, 32, 64);
        assertThat(slot.sequenceBuckets()).containsExactly(64, 128, 256, 512);
        assertThat(slot.cuda()).isEqualTo(CudaOptions.builder().convAlgoSearch(CudaOptions.ConvAlgoSearch.HEURISTIC)
                .memoryLimitMb(20000).arenaExtendStrategy(CudaOptions.ArenaExtendStrategy.SAME_AS_REQUESTED)
                .copyInDefaultStream(true).build());
        assertThat(slot.cuda().providerOptions(1)).containsEntry("gpu_mem_limit", Long.toString(20000L << 20));

        SlotConfig plain = SdembedConfig.read(Files.writeString(DIR.resolve("plain.json"),
                "{\"slots\": {\"s\": {\"model\": \".\"}}}")).slots().get(0);
        assertThat(plain.cuda()).isEqualTo(CudaOptions.defaults());
        assertThat(plain.batchBuckets()).isEmpty();
        assertThat(plain.precision()).isEqualTo(OnnxOptions.Precision.FP32);
    }

    @Test
    void badGpuSettingsAreNamedWithTheirPath() throws IOException {
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"cuda\": {\"memLimit\": 5}}}}").err())
                .contains("unknown key 'slots.s.cuda.memLimit'; expected one of [arenaExtendStrategy,"
                        + " convAlgoSearch, copyInDefaultStream, memLimitMb]");
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"cuda\": {\"convAlgoSearch\": \"FAST\"}}}}")
                .err()).contains("'slots.s.cuda.convAlgoSearch': convAlgoSearch is 'FAST'; expected EXHAUSTIVE,"
                        + " HEURISTIC or DEFAULT");
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"cuda\": {\"memLimitMb\": -1}}}}").err())
                .contains("'slots.s.cuda.memLimitMb' is -1; expected 1 to 8796093022207");
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"batchBuckets\": [8, 16, 8192]}}}").err())
                .contains("'slots.s.batchBuckets[2]' is 8192; expected 1 to 4096");
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"batchBuckets\": [16, 8]}}}").err())
                .contains("'slots.s.batchBuckets' is [16, 8]; expected strictly ascending sizes");
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"sequenceBuckets\": 64}}}").err())
                .contains("'slots.s.sequenceBuckets' is 64; expected an array of positive integers");
        assertThat(indexWith("{\"slots\": {\"s\": {\"model\": \".\", \"precision\": \"int4\"}}}").err())
                .contains("'slots.s.precision' is 'int4'; expected fp32, fp16 or int8 (bert models on the CPU)");
    }

    @Test
    void slotsOnTwoCpuDevicesLoadOnThem() throws IOException {
        String bge = TestModels.bgeSmall().toString();
        Path config = Files.writeString(DIR.resolve("two-cpus.json"), "{\"slots\": {"
                + "\"a\": {\"model\": \"" + bge + "\", \"modality\": \"text\", \"device\": \"cpu:0\"},"
                + "\"b\": {\"model\": \"" + bge + "\", \"modality\": \"text\", \"device\": \"cpu:1\"}}}");
        try (LoadedSlots slots = LoadedSlots.load(SdembedConfig.read(config), Sdembed.Usage.BULK)) {
            assertThat(slots.textEncoders().get("a").device()).isEqualTo(Device.CPU);
            assertThat(slots.textEncoders().get("b").device()).isEqualTo(Device.cpu(1));
        }
    }
}
