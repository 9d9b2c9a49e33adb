package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.DeviceUnavailableException;
import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelLoadingErrorsTest {

    @Test
    void missingModelDirectoryIsNamed() {
        Path missing = TestPaths.targetDir("nowhere").resolve("no-such-model");
        assertThatThrownBy(() -> BgeTextEncoder.open(missing))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Model directory " + missing + " does not exist");
    }

    @Test
    void directoryWithoutModelFileSaysWhatItHolds() throws Exception {
        Path dir = TestPaths.targetDir("no-onnx");
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        assertThatThrownBy(() -> BgeTextEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("has no model.onnx (found: tokenizer.json)");
    }

    @Test
    void missingTokenizerIsNamedWithTheDirectoryListing() throws Exception {
        Path dir = TestModels.bgeSmallCopy("no-tokenizer");
        Files.delete(dir.resolve("tokenizer.json"));
        assertThatThrownBy(() -> BgeTextEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("Model directory " + dir + " has no tokenizer.json (found: model.onnx, sdembed.json)");
    }

    /** The tokenizer loads on a thread of its own beside the session: its failure still reaches the caller as is. */
    @Test
    void aTokenizerThatCannotBeReadIsNamed() throws Exception {
        Path dir = TestModels.bgeSmallCopy("bad-tokenizer");
        Files.writeString(dir.resolve("tokenizer.json"), "{ not json");
        assertThatThrownBy(() -> BgeTextEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("Cannot load tokenizer " + dir.resolve("tokenizer.json") + ": ");
    }

    @Test
    void manifestDimensionThatContradictsTheModelFailsLoading() throws Exception {
        Path dir = TestModels.bgeSmallCopy("wrong-dimension");
        Files.writeString(dir.resolve("sdembed.json"), "{\"kind\": \"bert\", \"dimension\": 768}");
        assertThatThrownBy(() -> BgeTextEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("declares dimension 768 but output 'last_hidden_state'")
                .hasMessageContaining("has 384 [");
    }

    @Test
    void unknownManifestKeyIsNamed() throws Exception {
        Path dir = TestModels.bgeSmallCopy("unknown-key");
        Files.writeString(dir.resolve("sdembed.json"), "{\"dimensions\": 384}");
        assertThatThrownBy(() -> BgeTextEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("has unknown key 'dimensions'");
    }

    @Test
    void aMaxLengthWithoutRoomForClsAndSepOrPastAnyContextIsRefused() {
        assertThatThrownBy(() -> BgeTextEncoder.builder(TestModels.bgeSmall()).maxLength(1))
                .isInstanceOf(InvalidInputException.class).hasMessage("maxLength is 1; expected 2 to 65536");
        assertThatThrownBy(() -> BgeTextEncoder.builder(TestModels.bgeSmall()).maxLength(1 << 20))
                .isInstanceOf(InvalidInputException.class).hasMessage("maxLength is 1048576; expected 2 to 65536");
    }

    @Test
    void cudaUnderTheFailPolicyIsAClearErrorNamingWhatIsMissing() {
        OnnxOptions options = OnnxOptions.builder().device("cuda:0").fallback(DeviceFallback.FAIL).build();
        long started = System.nanoTime();
        assertThatThrownBy(() -> BgeTextEncoder.builder(TestModels.bgeSmall()).options(options).build())
                .isInstanceOf(DeviceUnavailableException.class)
                .hasMessageStartingWith("Encoder 'bge-small-en-v1.5' cannot run on cuda:0: missing ")
                .hasMessageContaining("libcublasLt.so.12")
                .hasMessageContaining("CUDA 12.x and cuDNN 9.x");
        assertThat((System.nanoTime() - started) / 1_000_000).as("decided without loading the CUDA provider")
                .isLessThan(5_000);
    }

    @Test
    void cudaUnderTheFallbackPolicyRunsOnCpuAfterOneWarning() {
        OnnxOptions options = OnnxOptions.builder().device(Device.cuda(0)).fallback(DeviceFallback.CPU).build();
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (BgeTextEncoder encoder = BgeTextEncoder.builder(TestModels.bgeSmall()).options(options).build()) {
            assertThat(encoder.device()).isEqualTo(Device.CPU);
            assertThat(encoder.embed("a cat").dimension()).isEqualTo(384);
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log.lines().filter(l -> l.contains("WARN")).toList())
                .singleElement().asString()
                .contains("Encoder 'bge-small-en-v1.5' runs on cpu instead of cuda:0: missing ");
    }
}
