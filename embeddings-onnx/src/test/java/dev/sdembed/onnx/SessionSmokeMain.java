package dev.sdembed.onnx;

import dev.sdembed.encoder.Embedding;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link LaunchWithLongClasspathTest} and {@link BgeAttentionFusionTest}: loads a model, embeds
 * a text, prints the result and whether the session runs the fused graph.
 */
public final class SessionSmokeMain {
    private SessionSmokeMain() {
    }

    public static void main(String[] args) {
        try (BgeTextEncoder encoder = BgeTextEncoder.open(Path.of(args[0]))) {
            Embedding e = encoder.embed("a lighthouse at dusk");
            System.out.println("OK dim=" + e.dimension() + " commandLineLength=" + args[1] + " fused="
                    + encoder.attentionFused());
        }
    }
}
