package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.pipeline.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What sdembed index shows while it runs. */
class IndexProgressTest {

    @Test
    void theBarShowsShareCountsRateAndEtaOnceTheTotalIsKnown() {
        assertThat(IndexCommand.CliProgress.bar(new Progress(100, 40, 10, 0, true, Duration.ofSeconds(10))))
                .isEqualTo("[###############               ] 50 % 50/100 files, 40 indexed, 10 skipped, 0 failed,"
                        + " 5.0 files/s, ETA 0:00:10");
        assertThat(IndexCommand.CliProgress.bar(new Progress(100, 40, 10, 0, false, Duration.ofSeconds(10))))
                .as("while walking the total is open").startsWith("[###############               ] 50/100+ files")
                .doesNotContain("ETA");
    }

    @Test
    void offATerminalProgressLinesComeAtMostOncePerIntervalAndFailuresAsJson() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        IndexCommand.CliProgress progress = new IndexCommand.CliProgress(new PrintWriter(out), new PrintWriter(err),
                false, Duration.ofHours(1));
        progress.onProgress(new Progress(10, 1, 0, 0, false, Duration.ofSeconds(1)));
        assertThat(err.toString()).as("the first interval has not passed").isEmpty();
        IndexCommand.CliProgress every = new IndexCommand.CliProgress(new PrintWriter(out), new PrintWriter(err),
                false, Duration.ZERO);
        every.onProgress(new Progress(10, 1, 0, 0, false, Duration.ofSeconds(1)));
        assertThat(err.toString()).isEqualTo("sdembed: progress 1/10+ files, 1 indexed, 0 skipped, 0 failed,"
                + " 1.0 files/s" + System.lineSeparator());
        every.onFileFailed(Path.of("/x/a \"b\".png"), "Cannot decode image /x/a \"b\".png: empty file (0 bytes)");
        assertThat(out.toString().trim()).isEqualTo("{\"failed\":\"/x/a \\\"b\\\".png\",\"error\":\"Cannot decode image"
                + " /x/a \\\"b\\\".png: empty file (0 bytes)\"}");
    }
}
