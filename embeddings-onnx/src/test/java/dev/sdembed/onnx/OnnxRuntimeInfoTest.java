package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import dev.sdembed.encoder.Device;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The public runtime information the command line's doctor and future front ends read. */
class OnnxRuntimeInfoTest {

    @Test
    void reportsThePinnedGpuBuildItsProvidersAndEveryGpuLibrary() {
        OnnxRuntimeInfo info = OnnxRuntimeInfo.probe();

        // The project depends on onnxruntime_gpu 1.28.0 (see the parent pom): its providers include CUDA.
        assertThat(info.version()).isEqualTo("1.28.0").isEqualTo(OrtEnvironment.getEnvironment().getVersion());
        assertThat(info.flavour()).isEqualTo(OnnxRuntimeInfo.Flavour.GPU);
        assertThat(info.providers()).contains("CPUExecutionProvider", "CUDAExecutionProvider");
        assertThat(info.librariesProbed()).isTrue();
        assertThat(info.libraries()).extracting(OnnxRuntimeInfo.GpuLibrary::name)
                .contains("libcudart.so.12", "libcudnn.so.9", "libnvinfer.so.10");
        assertThat(info.libraries()).allSatisfy(l -> {
            assertThat(l.neededBy()).isIn("cuda", "tensorrt");
            assertThat(l.found()).isEqualTo(l.path() != null);
            if (l.found()) {
                assertThat(Files.exists(l.path())).as(l.name()).isTrue();
            }
        });
    }

    @Test
    void theCpuIsAlwaysUsableAndAnUnusableGpuSaysWhy() {
        assertThat(OnnxRuntimeInfo.unavailableReason(Device.CPU)).isNull();

        OnnxRuntimeInfo info = OnnxRuntimeInfo.probe();
        List<String> missingCuda = info.libraries().stream().filter(l -> l.neededBy().equals("cuda") && !l.found())
                .map(OnnxRuntimeInfo.GpuLibrary::name).toList();
        String reason = OnnxRuntimeInfo.unavailableReason(Device.cuda(0));
        if (!missingCuda.isEmpty()) {
            assertThat(reason).startsWith("missing " + String.join(", ", missingCuda))
                    .contains(OnnxRuntimeInfo.GPU_REQUIREMENT);
        } else if (info.gpus().isEmpty()) {
            assertThat(reason).contains("no GPU 0");
        } else {
            assertThat(reason).isNull();
        }
    }
}
