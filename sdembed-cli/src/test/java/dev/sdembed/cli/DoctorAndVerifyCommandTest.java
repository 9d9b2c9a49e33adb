package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import dev.sdembed.onnx.OnnxRuntimeInfo;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DoctorAndVerifyCommandTest {

    @Test
    void verifyAcceptsTheRealBgeSmall() {
        CliRun run = CliRun.of("models", "verify", TestModels.bgeSmall().toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains(": OK (bert, 384-d, opset ");
    }

    @Test
    void verifyPrintsEveryProblemWithItsFixAndExitsOne() throws IOException {
        Path dir = TestModels.bgeSmallCopy("cli-verify-broken");
        Files.delete(dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("sdembed.json"), "{\"dimension\": 768}");

        CliRun run = CliRun.of("models", "verify", dir.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        assertThat(run.out()).contains("2 problem(s)").contains("[files]").contains("has no tokenizer.json")
                .contains("[dimension]").contains("declares dimension 768 but");
        assertThat(run.out().lines().filter(l -> l.trim().startsWith("fix: "))).hasSize(2);
    }

    @Test
    void doctorReportsRuntimeLibrariesJvmAndModelsAsJson() throws IOException {
        Path broken = TestPaths.targetDir("doctor-empty-model");

        CliRun run = CliRun.of("doctor", "--json", TestModels.bgeSmall().toString(), broken.toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        JsonNode report = Json.MAPPER.readTree(run.out());
        assertThat(report.at("/onnxruntime/version").asText()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(report.at("/onnxruntime/providers").toString()).contains("CPU");
        // The build puts onnxruntime_gpu on the classpath (the CPU build would say "cpu").
        assertThat(report.at("/onnxruntime/flavour").asText()).isEqualTo("gpu");
        assertThat(report.at("/libraries")).extracting(l -> l.get("name").asText())
                .contains("libcudart.so.12", "libcudnn.so.9", "libnvinfer.so.10");
        assertThat(report.at("/can_run").has("cpu")).isTrue();
        assertThat(report.at("/can_run/cpu").isNull()).isTrue();
        assertThat(report.at("/jvm/cores").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(report.at("/models/0/ok").asBoolean()).isTrue();
        assertThat(report.at("/models/0/dimension").asInt()).isEqualTo(384);
        assertThat(report.at("/models/1/ok").asBoolean()).isFalse();
        assertThat(report.at("/models/1/problems/0/message").asText()).contains("has no model.onnx");
        assertThat(report.at("/usable").asBoolean()).isFalse();
        assertThat(report.at("/gpu_flavour_hint").isNull()).as("the GPU flavour needs no hint").isTrue();
    }

    @Test
    void doctorWithoutArgumentsIsUsableAndHumanReadable() {
        CliRun run = CliRun.of("doctor");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("ONNX Runtime ").contains("JVM: Java ").contains("Can run on CPU: yes")
                .contains("Everything asked about is usable.");
        // The build's classpath has the GPU jar; the release archive's CPU flavour says CPU (ReleaseArchiveTest).
        assertThat(run.outLines().get(1)).isEqualTo("Flavour: GPU (cuda:N devices with " + OnnxRuntimeInfo.GPU_REQUIREMENT
                + ", else the CPU)");
    }

    @Test
    void theCpuFlavourWithAnNvidiaGpuSaysHowToGetTheGpuFlavour() throws IOException {
        Path bin = TestPaths.targetDir("doctor-fake-nvidia-smi");
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\necho 'GPU 0: NVIDIA GeForce RTX 4090'\n");
        assertThat(smi.toFile().setExecutable(true)).isTrue();
        String rtx = "NVIDIA GeForce RTX 4090 (0000:01:00.0)";

        assertThat(DoctorCommand.nvidiaSmi("/nonexistent" + File.pathSeparator + bin)).isEqualTo(smi);
        assertThat(DoctorCommand.nvidiaSmi("/nonexistent")).isNull();
        assertThat(DoctorCommand.nvidiaSmi(null)).isNull();
        assertThat(DoctorCommand.gpuFlavourHint(OnnxRuntimeInfo.Flavour.CPU, List.of(rtx), null, "0.1.0"))
                .isEqualTo("This machine has an NVIDIA GPU (" + rtx + "), which this CPU flavour of sdembed cannot"
                        + " use. For GPU encoders, get the GPU flavour instead: sdembed-0.1.0-gpu.tar.gz, or"
                        + " sdembed-0.1.0-gpu.zip on Windows (it needs " + OnnxRuntimeInfo.GPU_REQUIREMENT + "); in a"
                        + " Java project, depend on com.microsoft.onnxruntime:onnxruntime_gpu instead of onnxruntime"
                        + " (README, \"Using the SDK\").");
        assertThat(DoctorCommand.gpuFlavourHint(OnnxRuntimeInfo.Flavour.CPU, List.of(), smi, null))
                .startsWith("This machine has an NVIDIA GPU (nvidia-smi is at " + smi + "), which")
                .contains("sdembed-VERSION-gpu.tar.gz");
        assertThat(DoctorCommand.gpuFlavourHint(OnnxRuntimeInfo.Flavour.CPU, List.of(), null, "0.1.0")).isNull();
        assertThat(DoctorCommand.gpuFlavourHint(OnnxRuntimeInfo.Flavour.GPU, List.of(rtx), smi, "0.1.0")).isNull();
    }

    @Test
    void doctorChecksTheDevicesOfAConfigurationFile() throws IOException {
        Path dir = TestPaths.targetDir("doctor-config");
        Path bge = TestModels.bgeSmall();
        Path strict = dir.resolve("strict.json");
        Files.writeString(strict, "{\"slots\": {\"prompt_bge\": {\"model\": \"" + bge + "\", \"device\": \"cuda:0\"}}}");
        Path lenient = dir.resolve("lenient.json");
        Files.writeString(lenient, "{\"slots\": {\"prompt_bge\": {\"model\": \"" + bge
                + "\", \"device\": \"cuda:0\", \"fallback\": \"cpu\"}}}");

        CliRun strictRun = CliRun.of("doctor", "--config", strict.toString());
        CliRun lenientRun = CliRun.of("doctor", "--config", lenient.toString());

        // No GPU and no CUDA here: the strict slot cannot run, the lenient one runs on the CPU.
        assertThat(strictRun.exitCode()).as(strictRun.err()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        assertThat(strictRun.out()).contains("Model slot prompt_bge: ").contains("OK (bert, 384-d)")
                .contains("Device for slot prompt_bge: cuda:0 UNAVAILABLE: ");
        assertThat(lenientRun.exitCode()).as(lenientRun.err()).isZero();
        assertThat(lenientRun.out()).contains("(falls back to the CPU)");
    }
}
