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
                .isInstanceOf(InvalidInputException.class).hasMessage("intraOpThreads is 0; expected 1 to 1024");
        assertThatThrownBy(() -> OnnxOptions.builder().tokenBudget(-5))
                .isInstanceOf(InvalidInputException.class).hasMessage("tokenBudget is -5; expected 1 to 2097152");
        assertThatThrownBy(() -> OnnxOptions.builder().maxBatchSize(0))
                .isInstanceOf(InvalidInputException.class).hasMessage("maxBatchSize is 0; expected 1 to 4096");
        assertThatThrownBy(() -> OnnxOptions.builder().intraOpThreads(100_000))
                .as("a typo for 10 or 100").hasMessage("intraOpThreads is 100000; expected 1 to 1024");
        assertThatThrownBy(() -> OnnxOptions.builder().interOpThreads(1025))
                .hasMessage("interOpThreads is 1025; expected 1 to 1024");
        assertThatThrownBy(() -> OnnxOptions.builder().cpuPartitions(0))
                .hasMessage("cpuPartitions is 0; expected 1 to 1024");
        assertThatThrownBy(() -> OnnxOptions.builder().maxBatchSize(4097))
                .hasMessage("maxBatchSize is 4097; expected 1 to 4096");
        assertThatThrownBy(() -> OnnxOptions.builder().tokenBudget(OnnxOptions.MAX_TOKEN_BUDGET + 1))
                .hasMessage("tokenBudget is 2097153; expected 1 to 2097152");
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
                .hasMessage("batchBuckets is [16, 8]; expected strictly ascending sizes");
        assertThatThrownBy(() -> OnnxOptions.builder().sequenceBuckets(List.of(0, 64)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("sequenceBuckets[0] is 0; expected 1 to 65536");
        assertThatThrownBy(() -> OnnxOptions.builder().batchBuckets(List.of(8, 16, 8192)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("batchBuckets[2] is 8192; expected 1 to 4096");
    }
}
