package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnnxOptionsTest {

    @Test
    void defaults() {
        OnnxOptions o = OnnxOptions.defaults();
        assertThat(o.device()).isEqualTo(Device.CPU);
        assertThat(o.fallback()).isEqualTo(DeviceFallback.FAIL);
        assertThat(o.intraOpThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(o.interOpThreads()).isEqualTo(1);
        assertThat(o.graphOptimization()).isEqualTo(OnnxOptions.GraphOptimization.ALL);
        assertThat(o.tokenBudget()).isEqualTo(16_384);
    }

    @Test
    void defaultBatchSizeFollowsTheDeviceUnlessSet() {
        assertThat(OnnxOptions.defaults().maxBatchSize()).isEqualTo(8);
        OnnxOptions gpu = OnnxOptions.builder().device("cuda:1").build();
        assertThat(gpu.maxBatchSize()).isEqualTo(64);
        assertThat(gpu.toBuilder().device(Device.CPU).build().maxBatchSize()).isEqualTo(8);
        assertThat(OnnxOptions.builder().maxBatchSize(32).device("cuda:0").build().maxBatchSize()).isEqualTo(32);
        assertThat(OnnxOptions.builder().maxBatchSize(32).build().toBuilder().device("cuda:0").build()
                .maxBatchSize()).isEqualTo(32);
    }

    @Test
    void rejectsImpossibleValuesNamingTheSetting() {
        assertThatThrownBy(() -> OnnxOptions.builder().intraOpThreads(0))
                .isInstanceOf(InvalidInputException.class).hasMessage("intraOpThreads must be at least 1 but was 0");
        assertThatThrownBy(() -> OnnxOptions.builder().tokenBudget(-5))
                .isInstanceOf(InvalidInputException.class).hasMessage("tokenBudget must be at least 1 but was -5");
        assertThatThrownBy(() -> OnnxOptions.builder().maxBatchSize(0))
                .isInstanceOf(InvalidInputException.class).hasMessage("maxBatchSize must be at least 1 but was 0");
        assertThatThrownBy(() -> OnnxOptions.builder().device("npu:0"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Unknown device 'npu:0'; expected cpu, cpu:N, cuda:N or tensorrt:N");
    }

    @Test
    void cpuPartitionsShareTheCoresUnlessThreadsAreSet() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(OnnxOptions.builder().device("cpu:1").build().intraOpThreads())
                .as("cpu:1 implies at least two partitions").isEqualTo(Device.cpu(1).cpuShare(cores, 2));
        assertThat(OnnxOptions.builder().device("cpu").cpuPartitions(2).build().intraOpThreads())
                .isEqualTo(Device.CPU.cpuShare(cores, 2));
        assertThat(OnnxOptions.builder().device("cpu:1").intraOpThreads(3).build().intraOpThreads()).isEqualTo(3);
        assertThat(OnnxOptions.builder().device("cuda:0").cpuPartitions(2).build().intraOpThreads()).isEqualTo(cores);
        assertThatThrownBy(() -> OnnxOptions.builder().device("cpu:2").cpuPartitions(2).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("device cpu:2 is outside cpuPartitions 2 (cpu:0 to cpu:1)");
    }

    @Test
    void bucketsMustBeStrictlyAscendingPositiveSizes() {
        OnnxOptions o = OnnxOptions.builder().batchBuckets(List.of(8, 16)).sequenceBuckets(List.of(64, 128)).build();
        assertThat(o.batchBuckets()).containsExactly(8, 16);
        assertThat(o.sequenceBuckets()).containsExactly(64, 128);
        assertThat(OnnxOptions.defaults().batchBuckets()).isEmpty();
        assertThat(OnnxOptions.defaults().precision()).isEqualTo(OnnxOptions.Precision.FP32);
        assertThat(OnnxOptions.defaults().cuda()).isEqualTo(CudaOptions.defaults());
        assertThatThrownBy(() -> OnnxOptions.builder().batchBuckets(List.of(16, 8)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("batchBuckets must be strictly ascending positive sizes but was [16, 8]");
        assertThatThrownBy(() -> OnnxOptions.builder().sequenceBuckets(List.of(0, 64)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("sequenceBuckets must be strictly ascending positive sizes but was [0, 64]");
    }
}
