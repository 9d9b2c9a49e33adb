package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sdembed.ModelLoadException;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sdembed.json} read from Jackson's tree ({@link ManifestJson}): every field, a manifest as {@code models pull}
 * writes it read back whole, Jackson's coercions of scalars, and an error naming the file and key for an unknown key
 * (nested ones too), a wrong type or an empty file.
 */
class ManifestJsonTest {
    private static Path dir;

    @BeforeAll
    static void folder() throws IOException {
        dir = TestPaths.emptyDir(TestPaths.targetDir("manifest-json"));
    }

    @Test
    void readsEveryFieldAndReadsBackWhatBindingWrites() throws IOException {
        ModelManifest written = new ModelManifest("clip-text", "clip-l", 768, "cls", false, 77, "query: ",
                Map.of("input_ids", "ids"), "text_embeds", 49407, true, 224, "openai-clip-vit-l-14", "chunked",
                new ModelManifest.Source("openai/clip-vit-large-patch14", "main", "abc123", "hf-onnx",
                        "2026-12-06T07:00:00Z", Map.of("model.onnx", new ModelManifest.SourceFile("onnx/text.onnx",
                        "ff".repeat(32), 1_234_567_890_123L))));
        Path file = dir.resolve("full.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), written);

        assertThat(ModelDirectory.readManifest(file)).isEqualTo(written);
    }

    @Test
    void coercesScalarsAsBindingDidAndTakesNullForAbsent() throws IOException {
        ModelManifest m = read("coerced", "{\"kind\": \"bert\", \"dimension\": \"384\", \"max_length\": 512.0,"
                + " \"name\": 7, \"normalize\": \"false\", \"pooling\": null}");
        assertThat(m.dimension()).isEqualTo(384);
        assertThat(m.maxLength()).isEqualTo(512);
        assertThat(m.name()).isEqualTo("7");
        assertThat(m.normalize()).isFalse();
        assertThat(m.pooling()).isNull();
        assertThat(m.inputs()).isEmpty();
        assertThat(read("null", "null")).isEqualTo(ModelManifest.EMPTY);
    }

    @Test
    void namesTheFileAndKeyOfWhatItCannotRead() throws IOException {
        assertThatThrownBy(() -> read("unknown", "{\"dimensions\": 384}")).isInstanceOf(ModelLoadException.class)
                .hasMessage("Manifest " + dir.resolve("unknown.json") + " has unknown key 'dimensions' (known: [kind,"
                        + " name, dimension, pooling, normalize, max_length, query_instruction, inputs, output,"
                        + " pad_token_id, allow_unprojected, image_size, embedding_space, long_prompts, source])");
        assertThatThrownBy(() -> read("nested", "{\"source\": {\"files\": {\"model.onnx\": {\"sha\": \"x\"}}}}"))
                .hasMessageContaining("has unknown key 'sha' (known: [from, sha256, size])");
        assertThatThrownBy(() -> read("type", "{\"dimension\": \"large\"}"))
                .hasMessage("Cannot parse manifest " + dir.resolve("type.json") + ": 'dimension' is the string"
                        + " \"large\"; expected a whole number");
        assertThatThrownBy(() -> read("object", "{\"name\": {\"a\": 1}}"))
                .hasMessageContaining("'name' is an object; expected a string");
        assertThatThrownBy(() -> read("array", "[1, 2]"))
                .hasMessageContaining("the manifest is an array; expected an object");
        assertThatThrownBy(() -> read("empty", "")).hasMessageContaining("the file is empty");
        assertThatThrownBy(() -> read("broken", "{\"kind\": ")).hasMessageStartingWith("Cannot parse manifest "
                + dir.resolve("broken.json") + ": ");
    }

    private static ModelManifest read(String name, String json) throws IOException {
        return ModelDirectory.readManifest(Files.writeString(dir.resolve(name + ".json"), json));
    }
}
