package dev.sdembed.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.UnaryOperator;

/**
 * Complete CLIP model directories under {@code target/test-models/clip/}: a generated {@code model.onnx}
 * ({@link ClipTestModels}), a {@code tokenizer.json} the caller made (sdembed's {@code ClipTokenizerJson} writes one
 * from OpenAI's BPE file) and optionally an {@code sdembed.json}. For tests and benchmarks; never committed.
 */
public final class ClipModelDirectories {
    /** OpenAI CLIP / Stable Diffusion 1.x pad with the end token (49407). */
    public static final String PAD_END_TOKEN = "<|endoftext|>";
    /** OpenAI CLIP's {@code preprocessor_config.json} at 224 px, as Hugging Face exports write it. */
    public static final String PREPROCESSOR_224 = """
            {"do_resize": true, "size": {"shortest_edge": 224}, "resample": 3, "do_center_crop": true,
             "crop_size": {"height": 224, "width": 224}, "do_rescale": true, "rescale_factor": 0.00392156862745098,
             "do_normalize": true, "image_mean": [0.48145466, 0.4578275, 0.40821073],
             "image_std": [0.26862954, 0.26130258, 0.27577711]}
            """;
    /** OpenCLIP ViT-H/14 and ViT-bigG/14 pad with id 0, the token "!". */
    public static final String PAD_ZERO = "!";

    private ClipModelDirectories() {
    }

    /** {@code target/test-models/clip/<name>/} holding the model {@code writeModel} writes to the given file. */
    public static Path modelOnly(String name, UnaryOperator<Path> writeModel) {
        Path dir = fresh(name);
        writeModel.apply(dir.resolve("model.onnx"));
        return dir;
    }

    /**
     * A text model directory: the model, a copy of {@code tokenizerJson} and, when {@code manifestJson} is not null,
     * an sdembed.json.
     */
    public static Path text(String name, Path tokenizerJson, UnaryOperator<Path> writeModel, String manifestJson) {
        Path dir = modelOnly(name, writeModel);
        copy(tokenizerJson, dir.resolve("tokenizer.json"));
        manifest(dir, manifestJson);
        return dir;
    }

    /** A vision model directory: the model and, when not null, a preprocessor_config.json and an sdembed.json. */
    public static Path vision(String name, UnaryOperator<Path> writeModel, String preprocessorConfigJson,
                              String manifestJson) {
        Path dir = modelOnly(name, writeModel);
        writeOrDelete(dir.resolve("preprocessor_config.json"), preprocessorConfigJson);
        manifest(dir, manifestJson);
        return dir;
    }

    /** Writes (or, for null, removes) {@code dir/sdembed.json}. */
    public static void manifest(Path dir, String manifestJson) {
        writeOrDelete(dir.resolve("sdembed.json"), manifestJson);
    }

    private static Path fresh(String name) {
        Path dir = TestPaths.targetDir("test-models/clip/" + name);
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Writes {@code content} to {@code file}, or deletes the file when {@code content} is null. */
    public static void writeOrDelete(Path file, String content) {
        try {
            if (content == null) {
                Files.deleteIfExists(file);
            } else {
                Files.writeString(file, content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
