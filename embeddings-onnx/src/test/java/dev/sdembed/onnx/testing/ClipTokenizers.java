package dev.sdembed.onnx.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sdembed.onnx.clip.ClipTokenizerJson;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

    /**
     * Writes OpenAI's vocabulary as a Hugging Face slow tokenizer saves it ({@code CLIPTokenizer.save_pretrained}):
     * {@code dir/vocab.json} (token to id, keys sorted, two-space indent, non-ASCII as is) and {@code dir/merges.txt}
     * ({@code #version: 0.2}, then the 48,894 merges), the files Stable Diffusion repositories ship in
     * {@code tokenizer_2/}. Returns {@code dir}.
     */
    public static Path huggingFaceFiles(Path bpe, Path dir) {
        List<String> merges = ClipTokenizerJson.readMerges(bpe);
        try {
            Files.createDirectories(dir);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(dir.resolve("vocab.json").toFile(), new TreeMap<>(ClipTokenizerJson.vocabulary(merges)));
            Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
