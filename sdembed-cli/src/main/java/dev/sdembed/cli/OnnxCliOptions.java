package dev.sdembed.cli;

import dev.sdembed.Checks;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.onnx.OnnxOptions;
import picocli.CommandLine.Option;

/** The runtime options every encoder-loading command takes (a picocli mixin). */
public final class OnnxCliOptions {

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "cpu, cuda:N or tensorrt:N (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--device-fallback", paramLabel = "POLICY", defaultValue = "fail",
            description = "When the GPU cannot be used: fail, or cpu (run on the CPU after one warning). Default: ${DEFAULT-VALUE}.")
    DeviceFallback fallback;

    @Option(names = "--threads", paramLabel = "N",
            description = "ONNX Runtime intra-op threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--token-budget", paramLabel = "TOKENS",
            description = "Most tokens (batch size x padded length) in one inference batch (default: 16384).")
    Integer tokenBudget;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Most texts or images in one inference call (default: 8 on the CPU, 64 on a GPU).")
    Integer batchSize;

    public OnnxOptions toOptions() {
        OnnxOptions.Builder b = OnnxOptions.builder().device(Device.parse(device)).fallback(fallback);
        // Checked here too, so that the message names the option rather than the setter.
        if (threads != null) {
            b.intraOpThreads(Checks.inRange("--threads", threads, 1, Checks.MAX_THREADS));
        }
        if (tokenBudget != null) {
            b.tokenBudget(Checks.inRange("--token-budget", tokenBudget, 1, OnnxOptions.MAX_TOKEN_BUDGET));
        }
        if (batchSize != null) {
            b.maxBatchSize(Checks.inRange("--batch-size", batchSize, 1, OnnxOptions.MAX_BATCH_SIZE));
        }
        return b.build();
    }
}
