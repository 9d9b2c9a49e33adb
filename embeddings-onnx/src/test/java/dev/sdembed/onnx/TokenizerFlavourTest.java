package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DJL's tokenizer library picks a CUDA flavour (and downloads it) where it detects CUDA. The suite runs with
 * {@code -Dai.djl.offline=true} (surefire configuration) so any download attempt fails; this proves the library
 * that actually got mapped into the process is the CPU build bundled in the jar.
 */
class TokenizerFlavourTest {

    @Test
    void loadsTheBundledCpuTokenizerLibraryOffline() throws Exception {
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
        try (BgeTextEncoder encoder = BgeTextEncoder.open(TestModels.bgeSmall())) {
            assertThat(encoder.tokenIds("a cat")).containsExactly(101L, 1037L, 4937L, 102L);
        }
        assertThat(System.getProperty("RUST_FLAVOR")).isEqualTo("cpu");
        List<String> mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(line -> line.contains("libtokenizers"))
                .map(line -> line.substring(line.indexOf('/')))
                .distinct()
                .toList();
        assertThat(mapped).isNotEmpty().allSatisfy(path -> assertThat(path).contains("cpu").doesNotContain("cu12"));
    }
}
