package dev.sdembed.examples;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.onnx.ClipVisionEncoder;
import dev.sdembed.onnx.OnnxOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Embeds a few prompts with bge-small-en-v1.5 through the builder API and prints their dimension and cosine
 * similarities; then, when given a CLIP vision model directory, embeds two sample images (a picture and its
 * retouched near-duplicate) and compares them.
 *
 * <pre>bin/example EmbedTextsAndImage [--model DIR] [--vision-model DIR] [--samples DIR]</pre>
 */
public final class EmbedTextsAndImage {
    private EmbedTextsAndImage() {
    }

    public static void main(String[] args) {
        run(System.out, args);
    }

    public static void run(PrintStream out, String... args) {
        ExampleArgs a = ExampleArgs.parse(args, "--model", "--vision-model", "--samples");
        List<String> prompts = List.of("a castle at night, full moon, starry sky",
                "a medieval fortress under the stars", "a bowl of fruit on a wooden table, still life");
        // Embeddings are L2-normalised, so a dot product is the cosine similarity.
        try (TextEncoder bge = BgeTextEncoder.builder(a.model())
                .options(OnnxOptions.builder().device("cpu").build()).build()) {
            List<Embedding> embeddings = bge.embedAll(prompts);
            out.printf("%s: %d prompts, %d dimensions each%n", bge.info().name(), embeddings.size(),
                    embeddings.get(0).dimension());
            for (int i = 0; i < prompts.size(); i++) {
                for (int j = i + 1; j < prompts.size(); j++) {
                    out.printf(Locale.ROOT, "cosine %.4f  \"%s\" vs \"%s\"%n", embeddings.get(i).dot(embeddings.get(j)),
                            prompts.get(i), prompts.get(j));
                }
            }
            // A search query gets BGE's retrieval instruction; stored prompts never do.
            Embedding query = bge.embedQuery("castle by moonlight");
            int match = best(query, embeddings);
            out.printf(Locale.ROOT, "query \"castle by moonlight\": best match \"%s\" (%.4f)%n",
                    prompts.get(match), query.dot(embeddings.get(match)));
        }

        Path vision = a.path("--vision-model", null);
        if (vision == null) {
            out.println("Image part skipped: no CLIP vision model directory given (--vision-model DIR). sdembed ships"
                    + " no CLIP weights; models/README.md exports them.");
            return;
        }
        Path samples = a.samples();
        List<Path> images = List.of(samples.resolve("castle-01.png"), samples.resolve("castle-01-retouched.png"),
                samples.resolve("fruit-01.png"));
        try (ImageEncoder clip = ClipVisionEncoder.builder(vision).build()) {
            List<Embedding> embeddings = clip.embedFiles(images);
            out.printf("%s: %d images, %d dimensions each%n", clip.info().name(), embeddings.size(),
                    embeddings.get(0).dimension());
            out.printf(Locale.ROOT, "cosine %.4f  %s vs its retouched copy%n", embeddings.get(0).dot(embeddings.get(1)),
                    images.get(0).getFileName());
            out.printf(Locale.ROOT, "cosine %.4f  %s vs %s%n", embeddings.get(0).dot(embeddings.get(2)),
                    images.get(0).getFileName(), images.get(2).getFileName());
        }
    }

    private static int best(Embedding query, List<Embedding> candidates) {
        int best = 0;
        for (int i = 1; i < candidates.size(); i++) {
            if (query.dot(candidates.get(i)) > query.dot(candidates.get(best))) {
                best = i;
            }
        }
        return best;
    }
}
