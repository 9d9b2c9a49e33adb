package dev.sdembed.spark.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.runtime.SlotConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which GPU each slot runs on, from a task's resources as Spark hands them over (a map of resource name to
 * addresses, here made by hand: no GPU on this machine, so the scheduling itself cannot be run, only this mapping).
 */
class GpuAssignmentTest {
    private static SdembedConfig config(String... devices) {
        List<SlotConfig> slots = new java.util.ArrayList<>();
        for (int i = 0; i < devices.length; i++) {
            slots.add(new SlotConfig("slot" + i, Path.of("/models/m" + i), null, devices[i], DeviceFallback.FAIL,
                    null, null, null, null, null, null, null, null));
        }
        return new SdembedConfig("postgresql://h/db", null, 64, 2, null, slots);
    }

    private static List<String> devices(SdembedConfig config) {
        return config.slots().stream().map(SlotConfig::device).toList();
    }

    @Test
    void configuredGpusTakeTheTasksAddressesInOrder() {
        SdembedConfig c = config("cuda:0", "cuda:1", "cuda:0", "cpu");
        assertThat(devices(GpuAssignment.assign(c, List.of("2", "5")))).containsExactly("cuda:2", "cuda:5",
                "cuda:2", "cpu");
    }

    @Test
    void configuredIndexesAreRankedNotTakenLiterally() {
        // cuda:3 and cuda:7 are the configuration's first and second GPU, whatever their numbers.
        assertThat(devices(GpuAssignment.assign(config("cuda:7", "cuda:3"), List.of("0", "1"))))
                .containsExactly("cuda:1", "cuda:0");
    }

    @Test
    void oneGpuPerTaskRunsEverySlotOnIt() {
        assertThat(devices(GpuAssignment.assign(config("cuda:0", "cuda:1", "cpu:1"), List.of("3"))))
                .containsExactly("cuda:3", "cuda:3", "cpu:1");
    }

    @Test
    void tensorRtKeepsItsProvider() {
        assertThat(devices(GpuAssignment.assign(config("tensorrt:0", "cuda:1"), List.of("4", "6"))))
                .containsExactly("tensorrt:4", "cuda:6");
    }

    @Test
    void aTaskWithoutGpusOrACpuConfigurationIsLeftAsConfigured() {
        SdembedConfig gpu = config("cuda:0", "cuda:1");
        assertThat(GpuAssignment.assign(gpu, List.of())).isSameAs(gpu);
        SdembedConfig cpu = config("cpu:0", "cpu:1");
        assertThat(GpuAssignment.assign(cpu, List.of("0"))).isSameAs(cpu);
    }

    @Test
    void everythingButTheDeviceIsKept() {
        SdembedConfig c = config("cuda:0");
        SdembedConfig assigned = GpuAssignment.assign(c, List.of("1"));
        assertThat(assigned.slots().get(0)).isEqualTo(new SlotConfig("slot0", Path.of("/models/m0"), null, "cuda:1",
                DeviceFallback.FAIL, null, null, null, null, null, null, null, null));
        assertThat(assigned.storeUrl()).isEqualTo(c.storeUrl());
        assertThat(assigned.batchSize()).isEqualTo(64);
        assertThat(assigned.batchesInFlight()).isEqualTo(2);
    }

    @Test
    void readsTheGpuAddressesOfTheTasksResources() {
        assertThat(GpuAssignment.addresses(Map.of("gpu", new String[] {"0", "3"}, "fpga", new String[] {"9"})))
                .containsExactly("0", "3");
        assertThat(GpuAssignment.addresses(Map.of())).isEmpty();
    }

    @Test
    void refusesAnAddressThatIsNotADeviceIndex() {
        assertThatThrownBy(() -> GpuAssignment.assign(config("cuda:0"), List.of("GPU-8f2c")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("GPU address 'GPU-8f2c' from Spark's resource scheduling is not a CUDA device index; the"
                        + " executor's GPU discovery script must list indexes as nvidia-smi does, e.g. {\"name\":"
                        + " \"gpu\", \"addresses\": [\"0\", \"1\"]}");
    }
}
