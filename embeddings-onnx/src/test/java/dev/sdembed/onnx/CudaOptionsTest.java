package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.onnx.CudaOptions.ArenaExtendStrategy;
import dev.sdembed.onnx.CudaOptions.ConvAlgoSearch;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The translation into ONNX Runtime's CUDA provider option keys (the CUDA session itself needs a GPU). */
class CudaOptionsTest {

    @Test
    void defaultsSetOnlyTheDeviceSoOnnxRuntimeDefaultsApply() {
        assertThat(CudaOptions.defaults().providerOptions(1)).containsExactlyEntriesOf(Map.of("device_id", "1"));
    }

    @Test
    void everySettingMapsToItsDocumentedKeyAndValue() {
        CudaOptions options = CudaOptions.builder().convAlgoSearch(ConvAlgoSearch.HEURISTIC)
                .arenaExtendStrategy(ArenaExtendStrategy.SAME_AS_REQUESTED).memoryLimitMb(20_000)
                .copyInDefaultStream(false).build();

        assertThat(options.providerOptions(0)).containsOnly(
                Map.entry("device_id", "0"),
                Map.entry("cudnn_conv_algo_search", "HEURISTIC"),
                Map.entry("arena_extend_strategy", "kSameAsRequested"),
                Map.entry("gpu_mem_limit", "20971520000"),
                Map.entry("do_copy_in_default_stream", "0"));
        assertThat(options.toBuilder().convAlgoSearch("exhaustive")
                .arenaExtendStrategy(ArenaExtendStrategy.parse("kNextPowerOfTwo")).copyInDefaultStream(true).build()
                .providerOptions(3)).containsEntry("device_id", "3").containsEntry("cudnn_conv_algo_search", "EXHAUSTIVE")
                .containsEntry("arena_extend_strategy", "kNextPowerOfTwo").containsEntry("do_copy_in_default_stream", "1");
        assertThat(CudaOptions.builder().convAlgoSearch("DEFAULT").build().providerOptions(0))
                .containsEntry("cudnn_conv_algo_search", "DEFAULT");
    }

    @Test
    void rejectsBadValuesNamingTheSetting() {
        assertThatThrownBy(() -> CudaOptions.builder().convAlgoSearch("fast")).isInstanceOf(InvalidInputException.class)
                .hasMessage("convAlgoSearch is 'fast'; expected EXHAUSTIVE, HEURISTIC or DEFAULT");
        assertThatThrownBy(() -> ArenaExtendStrategy.parse("grow")).isInstanceOf(InvalidInputException.class)
                .hasMessage("arenaExtendStrategy is 'grow'; expected kNextPowerOfTwo or kSameAsRequested");
        assertThatThrownBy(() -> CudaOptions.builder().memoryLimitMb(0)).isInstanceOf(InvalidInputException.class)
                .hasMessage("memLimitMb is 0; expected 1 to 8796093022207");
        assertThatThrownBy(() -> CudaOptions.defaults().providerOptions(-1)).isInstanceOf(InvalidInputException.class)
                .hasMessage("CUDA device id is -1; expected at least 0");
    }

    @Test
    void isAValue() {
        CudaOptions a = CudaOptions.builder().memoryLimitBytes(1024).build();
        assertThat(a).isEqualTo(CudaOptions.builder().memoryLimitBytes(1024).build()).isNotEqualTo(CudaOptions.defaults());
        assertThat(a.hashCode()).isEqualTo(CudaOptions.builder().memoryLimitBytes(1024).build().hashCode());
    }
}
