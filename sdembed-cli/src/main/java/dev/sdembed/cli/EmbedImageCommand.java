package dev.sdembed.cli;

import dev.sdembed.Checks;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.onnx.ClipVisionEncoder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "embed-image", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed embed-image --model-dir models/clip-vit-h-14-vision \\",
                "      --device cuda:0 --device-fallback cpu a.png b.webp"},
        description = {"Embeds image files (PNG, JPEG, WebP) with a CLIP vision model; prints one JSON object per"
                + " image, in input order: {\"image\", \"dim\", \"embedding\"}, or {\"image\", \"error\"} for a file"
                + " that cannot be decoded.",
                "Exit code 1 when some images failed; the others are still embedded."})
public final class EmbedImageCommand implements Callable<Integer>, LoadsEncoders {
    /** Images per encoder call: results are printed as each group finishes, not all at the end. */
    private static final int GROUP = 256;

    @Spec
    CommandSpec spec;

    @Option(names = "--model-dir", required = true, paramLabel = "DIR",
            description = "CLIP vision model directory (model.onnx, optional preprocessor_config.json, sdembed.json).")
    Path modelDir;

    @Option(names = "--preprocess-threads", paramLabel = "N",
            description = "Threads decoding and preprocessing images while the model runs (default: the number of"
                    + " cores).")
    Integer preprocessThreads;

    @Option(names = "--max-pixels", paramLabel = "N", defaultValue = "" + ImageDecoder.DEFAULT_MAX_PIXELS,
            description = "Refuse images whose header declares more pixels (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @Mixin
    OnnxCliOptions runtime;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files.")
    List<Path> images;

    @Override
    public Integer call() {
        Checks.inRange("--max-pixels", maxPixels, 1, ImageDecoder.MAX_PIXELS_CAP);
        if (preprocessThreads != null) {
            Checks.inRange("--preprocess-threads", preprocessThreads, 1, Checks.MAX_THREADS);
        }
        ClipVisionEncoder.Builder builder = ClipVisionEncoder.builder(modelDir).options(runtime.toOptions())
                .maxPixels(maxPixels);
        if (preprocessThreads != null) {
            builder.preprocessThreads(preprocessThreads);
        }
        int failed = 0;
        try (ClipVisionEncoder encoder = builder.build()) {
            PrintWriter out = spec.commandLine().getOut();
            for (int from = 0; from < images.size(); from += GROUP) {
                for (ImageEmbeddingResult result : encoder.embedEach(
                        images.subList(from, Math.min(images.size(), from + GROUP)))) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("image", result.file().toString());
                    if (result.succeeded()) {
                        line.put("dim", result.embedding().dimension());
                        line.put("embedding", result.embedding().vector());
                    } else {
                        line.put("error", result.error().getMessage());
                        failed++;
                    }
                    out.println(Json.line(line));
                }
                out.flush();
            }
        }
        if (failed > 0) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("sdembed: " + failed + " of " + images.size() + " images could not be embedded (see their"
                    + " \"error\" lines)");
            err.flush();
            return ExitCodes.COMPLETED_WITH_FAILURES;
        }
        return ExitCodes.OK;
    }
}
