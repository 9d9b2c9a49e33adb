package dev.sdembed.onnx.testing;

import dev.sdembed.onnx.clip.ClipTokenizerJson;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.TestPaths;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The CLIP {@code tokenizer.json} files tests put into generated model directories, written once per JVM. */
public final class ClipTokenizers {
    private static final Map<String, Path> WRITTEN = new HashMap<>();

    private ClipTokenizers() {
    }

    /**
     * A tokenizer.json made by {@link ClipTokenizerJson} from OpenAI's BPE file, padding with {@code padToken}
     * ({@link ClipModelDirectories#PAD_END_TOKEN} or {@link ClipModelDirectories#PAD_ZERO}).
     */
    public static synchronized Path forPad(Path bpe, String padToken) {
        return WRITTEN.computeIfAbsent(padToken, pad -> ClipTokenizerJson.write(bpe,
                TestPaths.targetDir("test-models/clip-tokenizers/"
                        + (pad.equals(ClipModelDirectories.PAD_ZERO) ? "pad-zero" : "pad-end")), pad));
    }
}
