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
import java.util.Optional;
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
        Optional<ReleasePlatform> linux = Optional.of(ReleasePlatform.LINUX_X64);
        assertThat(DoctorCommand.gpuFlavourHint(OnnxRuntimeInfo.Flavour.CPU, List.of(rtx), null, "0.1.0", linux))
                .isEqualTo("This machine has an NVIDIA GPU (" + rtx + "), which this CPU flavour of sdembed cannot"
                        + " use. For GPU encoders, get the GPU flavour instead: sdembed-0.1.0-gpu-linux-x64.tar.gz"
                        + " (it needs " + OnnxRuntimeInfo.GPU_REQUIREMENT + "); in a Java project, depend on"
                        + " com.microsoft.onnxruntime:onnxruntime_gpu instead of onnxruntime (README, \"Using the"
                        + " SDK\").");
        assertThat(DoctorCommand.gpuFlavourHint(OnnxRuntimeInfo.Flavour.CPU, List.of(), smi, null,
                Optional.of(ReleasePlatform.WINDOWS_X64)))
                .startsWith("This machine has an NVIDIA GPU (nvidia-smi is at " + smi + "), which")
                .contains("get the GPU flavour instead: sdembed-VERSION-gpu-windows-x64.zip (it needs");
        // ONNX Runtime's GPU build has no libraries for ARM: no archive to point at.
        assertThat(DoctorCommand.gpuFlavourHint(OnnxRuntimeInfo.Flavour.CPU, List.of(rtx), null, "0.1.0",
                Optional.of(ReleasePlatform.LINUX_AARCH64)))
                .isEqualTo("This machine has an NVIDIA GPU (" + rtx + "), which this CPU flavour of sdembed cannot"
                        + " use. ONNX Runtime's GPU build, so sdembed's GPU flavour, is made for Linux and Windows on"
                        + " x86-64 only, not linux-aarch64: the encoders run on the CPU.");
        assertThat(DoctorCommand.gpuFlavourHint(OnnxRuntimeInfo.Flavour.CPU, List.of(), null, "0.1.0", linux)).isNull();
        assertThat(DoctorCommand.gpuFlavourHint(OnnxRuntimeInfo.Flavour.GPU, List.of(rtx), smi, "0.1.0", linux))
                .isNull();
    }

    @Test
    void anArchiveUnpackedOnAnotherPlatformSaysWhichToGet() {
        assertThat(ReleasePlatform.of("Linux", "amd64")).contains(ReleasePlatform.LINUX_X64);
        assertThat(ReleasePlatform.of("Linux", "aarch64")).contains(ReleasePlatform.LINUX_AARCH64);
        assertThat(ReleasePlatform.of("Mac OS X", "aarch64")).contains(ReleasePlatform.MACOS_AARCH64);
        assertThat(ReleasePlatform.of("Windows 11", "amd64")).contains(ReleasePlatform.WINDOWS_X64);
        assertThat(ReleasePlatform.of("Mac OS X", "x86_64")).isEmpty();
        assertThat(ReleasePlatform.of("FreeBSD", "amd64")).isEmpty();

        assertThat(ReleasePlatform.mismatch(null, "Mac OS X", "aarch64", "0.1.0")).as("not run from an archive")
                .isNull();
        assertThat(ReleasePlatform.mismatch("linux-x64", "Linux", "amd64", "0.1.0")).isNull();
        assertThat(ReleasePlatform.mismatch("linux-x64", "Mac OS X", "aarch64", "0.1.0"))
                .isEqualTo("sdembed: this archive is for linux-x64, and its lib/ holds native libraries for that"
                        + " platform only, but this Java runs on Mac OS X aarch64; get"
                        + " sdembed-0.1.0-cpu-macos-aarch64.tar.gz instead");
        assertThat(ReleasePlatform.mismatch("linux-x64", "Windows 10", "amd64", "0.1.0"))
                .endsWith("; get sdembed-0.1.0-cpu-windows-x64.zip (or sdembed-0.1.0-gpu-windows-x64.zip for NVIDIA"
                        + " GPUs) instead");
        assertThat(ReleasePlatform.mismatch("macos-aarch64", "Mac OS X", "x86_64", null))
                .isEqualTo("sdembed: this archive is for macos-aarch64, and its lib/ holds native libraries for that"
                        + " platform only, but this Java runs on Mac OS X x86_64, for which no archive is made"
                        + " (linux-x64, linux-aarch64, macos-aarch64 and windows-x64 are: ONNX Runtime's platforms);"
                        + " build sdembed from its sources there (README)");
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
