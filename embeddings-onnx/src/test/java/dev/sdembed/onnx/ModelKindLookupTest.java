package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.ModelLoadException;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Loading an encoder asks {@link ModelInspection#kind} which kind of model a folder holds: the manifest's word when it
 * declares one, so a one-shot query opens the graph once (in the encoder), not twice.
 */
class ModelKindLookupTest {

    @Test
    void aDeclaredKindIsTakenFromTheManifestWithoutOpeningTheGraph() throws Exception {
        Path dir = TestPaths.targetDir("kind-declared");
        // Not a graph at all: opening it would fail, so the answer can only come from sdembed.json.
        Files.writeString(dir.resolve("model.onnx"), "not an onnx graph");
        Files.writeString(dir.resolve("sdembed.json"), "{\"kind\": \"clip-text\"}");
        assertThat(ModelInspection.kind(dir)).isEqualTo(ModelKind.CLIP_TEXT);
        assertThatThrownBy(() -> ModelInspection.of(dir)).isInstanceOf(ModelLoadException.class);
    }

    @Test
    void withoutADeclaredKindTheGraphIsInspected() throws Exception {
        Path dir = TestModels.bgeSmallCopy("kind-undeclared");
        Files.delete(dir.resolve("sdembed.json"));
        assertThat(ModelInspection.kind(dir)).isEqualTo(ModelKind.BERT);
    }

    @Test
    void anUnknownDeclaredKindIsNamed() throws Exception {
        Path dir = TestPaths.targetDir("kind-unknown");
        Files.writeString(dir.resolve("model.onnx"), "not an onnx graph");
        Files.writeString(dir.resolve("sdembed.json"), "{\"kind\": \"gpt\"}");
        assertThatThrownBy(() -> ModelInspection.kind(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessage("Unknown model kind 'gpt'; expected bert, clip-text or clip-vision");
    }
}
