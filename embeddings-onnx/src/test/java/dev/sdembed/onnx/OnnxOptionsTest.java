package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
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
}
