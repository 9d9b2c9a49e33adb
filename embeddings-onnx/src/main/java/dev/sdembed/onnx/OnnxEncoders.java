package dev.sdembed.onnx;

import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.internal.NativePreload;
import java.nio.file.Path;

/**
 * Loads whatever encoder a model directory holds, by the kind its manifest declares or its graph shows
 * ({@link ModelInspection#detectKind}).
 */
public final class OnnxEncoders {

    private OnnxEncoders() {
    }

    /**
     * Starts loading the native libraries encoders need (ONNX Runtime's, with its environment, and the tokenizers')
     * on a daemon thread, and returns at once: for a process that will load an encoder soon and has other work
     * until then, such as a command parsing its configuration (60-90 ms of a one-shot query on 2 cores). An encoder
     * loaded meanwhile waits for what is under way; nothing loads twice. Once per process; later calls do nothing.
     */
    public static void preloadNativeLibraries() {
        NativePreload.start();
    }

    /** A text encoder for {@code modelDir}: BERT-style (BGE) or CLIP text. */
    public static TextEncoder text(Path modelDir, OnnxOptions options) {
        return text(modelDir, options, null);
    }

    /**
     * @param longPrompts CLIP text only: overrides the manifest's policy; null keeps it
     */
    public static TextEncoder text(Path modelDir, OnnxOptions options, LongPromptPolicy longPrompts) {
        // The declared kind when there is one: the encoder checks the graph itself, so it is opened only once.
        return switch (ModelInspection.kind(modelDir)) {
            case BERT -> {
                if (longPrompts != null) {
                    throw new InvalidInputException("Long prompt policy " + longPrompts + " applies to CLIP text"
                            + " models; " + ModelDirectory.open(modelDir).path() + " holds a bert model (it truncates"
                            + " at its maximum length)");
                }
                yield BgeTextEncoder.builder(modelDir).options(options).build();
            }
            case CLIP_TEXT, CLIP_TEXT_UNPROJECTED ->
                    ClipTextEncoder.builder(modelDir).options(options).longPrompts(longPrompts).build();
            default -> throw notText(ModelInspection.of(modelDir));
        };
    }

    private static ModelLoadException notText(ModelInspection inspection) {
        return new ModelLoadException("Model directory " + inspection.directory() + " holds a "
                + inspection.kind().id() + " model, not a text encoder sdembed can load (inputs: "
                + inspection.inputs().stream().map(ModelInspection.Tensor::name).toList() + ", outputs: "
                + inspection.outputs().stream().map(ModelInspection.Tensor::name).toList() + ")");
    }

    /**
     * An image encoder for {@code modelDir} (CLIP / OpenCLIP vision tower) with its own decode + preprocess pool of
     * one thread per core; {@link ClipVisionEncoder#builder} configures the pool, pixel limit and the rest.
     */
    public static ImageEncoder image(Path modelDir, OnnxOptions options) {
        // No separate inspection: the encoder checks the graph itself, so a large model is loaded only once.
        return ClipVisionEncoder.builder(modelDir).options(options).build();
    }
}
