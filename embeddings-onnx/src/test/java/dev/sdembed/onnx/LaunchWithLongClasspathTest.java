package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.testing.TestModels;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime 1.29.0 segfaults inside OrtEnvironment when the process command line exceeds ~4 KB (1.28.0 does not).
 * A long classpath is the usual way to get there, so this launches a JVM with a classpath over 8 KB, without the
 * ORT_DISABLE_TELEMETRY workaround, and runs a real session in it.
 */
class LaunchWithLongClasspathTest {

    @Test
    void aJvmWithAnEightKilobyteClasspathCreatesASessionAndEmbeds() throws Exception {
        String realClasspath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        StringBuilder classpath = new StringBuilder(realClasspath);
        int pad = 0;
        while (classpath.length() < 9_000) {
            classpath.append(File.pathSeparator).append("/nonexistent/padding/directory/number-").append(pad++);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", classpath.toString(),
                "-Dai.djl.offline=true", SessionSmokeMain.class.getName(), TestModels.bgeSmall().toString()));
        int commandLineLength = String.join(" ", command).length() + 8;
        command.add(Integer.toString(commandLineLength));
        assertThat(commandLineLength).isGreaterThan(8_192);

        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("ORT_DISABLE_TELEMETRY");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as("exit code; output:%n%s", output).isZero();
        assertThat(output).contains("OK dim=384");
    }
}
