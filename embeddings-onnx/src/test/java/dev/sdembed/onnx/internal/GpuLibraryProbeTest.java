package dev.sdembed.onnx.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.encoder.Device;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GpuLibraryProbeTest {

    @Test
    void locatesLibrariesInFoldersAndTheLdCacheWithTheVersionOfTheLinkedFile() throws IOException {
        Path root = TestPaths.targetDir("gpu-probe/libs");
        Path lib = root.resolve("lib64");
        Files.createDirectories(lib);
        Files.deleteIfExists(lib.resolve("libcudnn.so.9"));
        Files.writeString(lib.resolve("libcudnn.so.9.1.0"), "not really ELF");
        Files.createSymbolicLink(lib.resolve("libcudnn.so.9"), lib.resolve("libcudnn.so.9.1.0"));
        Path cached = root.resolve("cached-libcudart.so.12");
        Files.writeString(cached, "x");
        GpuLibraryProbe probe = new GpuLibraryProbe(List.of(root.resolve("absent"), lib),
                Map.of("libcudart.so.12", cached), root.resolve("no-driver"));

        GpuLibraryProbe.Library cudnn = probe.locate("libcudnn.so.9");
        GpuLibraryProbe.Library cudart = probe.locate("libcudart.so.12");
        GpuLibraryProbe.Library cublas = probe.locate("libcublas.so.12");

        assertThat(cudnn.path()).isEqualTo(lib.resolve("libcudnn.so.9"));
        assertThat(cudnn.version()).isEqualTo("9.1.0");
        assertThat(cudart.path()).isEqualTo(cached);
        assertThat(cublas.found()).isFalse();
        assertThat(probe.missingFor(Device.cuda(0))).contains("libcublas.so.12", "libcuda.so.1")
                .doesNotContain("libcudnn.so.9", "libcudart.so.12");
    }

    @Test
    void namesTheGpusTheDriverListsAndNoneWithoutADriver() throws IOException {
        Path gpus = TestPaths.targetDir("gpu-probe/proc-gpus");
        Path first = gpus.resolve("0000:01:00.0");
        Files.createDirectories(first);
        Files.writeString(first.resolve("information"), "Model: \t\t NVIDIA GeForce RTX 5090\nIRQ:   42\n");
        GpuLibraryProbe probe = new GpuLibraryProbe(List.of(), Map.of(), gpus);
        GpuLibraryProbe none = new GpuLibraryProbe(List.of(), Map.of(), gpus.resolve("absent"));

        assertThat(probe.gpuNames()).containsExactly("NVIDIA GeForce RTX 5090 (0000:01:00.0)");
        assertThat(probe.visibleGpuCount()).isEqualTo(1);
        assertThat(none.gpuNames()).isEmpty();
    }
}
