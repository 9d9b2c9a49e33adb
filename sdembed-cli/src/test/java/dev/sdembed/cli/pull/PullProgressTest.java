package dev.sdembed.cli.pull;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.hub.HubFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What a pull prints while it downloads, on a terminal and in a log, with a clock the test moves. */
class PullProgressTest {
    private static final String SHA = "a".repeat(64);
    private final StringWriter text = new StringWriter();
    private final AtomicLong now = new AtomicLong();

    @Test
    void aTerminalRedrawsOneLinePerFileWithBytesRateAndEta() {
        PullProgress progress = new PullProgress(new PrintWriter(text, true), true, now::get);
        progress.snapshotStarted("immich-app/ViT-H-14__laion2b-s32b-b79k", "0123456789abcdef0123456789abcdef01234567",
                2, 3_000_000_000L);
        progress.fileStarted("r", "visual/model.onnx", 2_000_000_000L, false);
        // A resumed file: its first report is what was already on disk, the rate counts from there.
        progress.fileProgress("r", "visual/model.onnx", 500_000_000L, 2_000_000_000L);
        now.set(10_000_000_000L);
        progress.fileProgress("r", "visual/model.onnx", 1_000_000_000L, 2_000_000_000L);
        now.set(20_000_000_000L);
        progress.fileDone("r", new HubFile("visual/model.onnx", Path.of("x"), 2_000_000_000L, SHA, false));
        progress.fileStarted("r", "config.json", 218, true);
        progress.fileDone("r", new HubFile("config.json", Path.of("y"), 218, SHA, true));

        assertThat(text.toString())
                .startsWith("sdembed: immich-app/ViT-H-14__laion2b-s32b-b79k at 0123456789ab: 2 file(s), 3.0 GB\n")
                .contains("\r  visual/model.onnx  1.0 GB / 2.0 GB  50 %  50.0 MB/s  ETA 0:20")
                .contains("\r  visual/model.onnx 2.0 GB in 20.0 s, 100.0 MB/s")
                .endsWith("sdembed: config.json (218 B) is in the cache\n")
                .doesNotContain("downloading");
    }

    @Test
    void aLogGetsALineWhenAFileStartsAndOneWhenItIsDone() {
        PullProgress progress = new PullProgress(new PrintWriter(text, true), false, now::get);
        progress.fileStarted("r", "onnx/model.onnx", 133_000_000L, false);
        progress.fileProgress("r", "onnx/model.onnx", 66_000_000L, 133_000_000L);
        now.set(2_000_000_000L);
        progress.fileDone("r", new HubFile("onnx/model.onnx", Path.of("x"), 133_000_000L, SHA, false));

        assertThat(text.toString().lines()).containsExactly("sdembed: downloading onnx/model.onnx (133.0 MB)",
                "sdembed: downloaded onnx/model.onnx 133.0 MB in 2.0 s, 66.5 MB/s");
    }

    @Test
    void sizesReadAsAPersonWritesThem() {
        assertThat(PullProgress.bytes(999)).isEqualTo("999 B");
        assertThat(PullProgress.bytes(1_500)).isEqualTo("1.5 kB");
        assertThat(PullProgress.bytes(2_780_000_000L)).isEqualTo("2.8 GB");
    }
}
