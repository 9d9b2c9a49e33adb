package dev.sdembed.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.MetadataReadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every image of the shared fixtures ({@code expected.jsonl}: real files from enslo/sd-metadata and
 * d3x-at/sd-parsers with the values their own tests expect) read with the standard reader. A null expectation
 * means "not asserted", except for the negative prompt, where null means "no negative prompt".
 *
 * <p>Prompts are compared without their outer whitespace: sdembed trims it for every generator, so the same prompt
 * is the same text whichever front-end wrote it. The two suites disagree there (enslo/sd-metadata keeps ComfyUI,
 * InvokeAI, SwarmUI, ... texts verbatim, "censor, \n"; sd-parsers strips them), so trimmed values match both.
 */
class SharedFixturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MetadataReader READER = MetadataReaders.standard();

    static Stream<Arguments> fixtures() throws IOException {
        Path dir = MetadataFixtures.directoryOrNull();
        if (dir == null) {
            return Stream.of(Arguments.of("(shared fixtures absent)", null));
        }
        List<Arguments> rows = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("expected.jsonl"))) {
            if (!line.isBlank()) {
                JsonNode expected = JSON.readTree(line);
                rows.add(Arguments.of(expected.get("file").asText(), expected));
            }
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void readsTheExpectedMetadata(String file, JsonNode expected) {
        Path image = MetadataFixtures.directory().resolve(file);
        if (expected.path("notes").asText().contains("zero-byte file")) {
            assertThatThrownBy(() -> READER.read(image))
                    .isInstanceOf(MetadataReadException.class)
                    .hasMessageContaining(image.toString())
                    .hasMessageContaining("empty (0 bytes)");
            return;
        }
        GenerationMetadata actual = READER.read(image);

        assertThat(actual.generator().id()).as("generator").isEqualTo(expected.get("generator").asText());
        assertText("prompt", actual.prompt(), expected);
        if (expected.get("negative_prompt").isNull()) {
            assertThat(actual.negativePrompt()).as("negative_prompt (expected none)").isNull();
        } else {
            assertText("negative_prompt", actual.negativePrompt(), expected);
        }
        assertValue("seed", actual.seed(), expected, n -> n.asLong());
        assertValue("steps", actual.steps(), expected, n -> n.asInt());
        assertValue("cfg", actual.cfg(), expected, n -> n.asDouble());
        assertValue("width", actual.width(), expected, n -> n.asInt());
        assertValue("height", actual.height(), expected, n -> n.asInt());
        assertValue("sampler", actual.sampler(), expected, JsonNode::asText);
        assertValue("model", actual.model(), expected, JsonNode::asText);
        if (actual.generator() != Generator.NONE) {
            assertThat(actual.rawText()).as("raw text").isNotBlank();
        }
        assertThat(actual.warnings()).as("warnings for a well-formed file").isEmpty();
    }

    private static void assertText(String field, String actual, JsonNode expected) {
        JsonNode value = expected.get(field);
        if (value.isNull()) {
            return;
        }
        assertThat(actual).as(field).isEqualTo(value.asText().strip());
    }

    private static <T> void assertValue(String field, T actual, JsonNode expected, Function<JsonNode, T> convert) {
        JsonNode value = expected.get(field);
        if (!value.isNull()) {
            assertThat(actual).as(field).isEqualTo(convert.apply(value));
        }
    }

    @Test
    void everyImageOfTheFixturesIsListed() throws IOException {
        Path dir = MetadataFixtures.directory();
        List<String> listed = fixtures().map(a -> (String) a.get()[0]).toList();
        try (Stream<Path> files = Files.list(dir)) {
            List<String> images = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches(".*\\.(png|jpe?g|webp)")).toList();
            assertThat(listed).containsExactlyInAnyOrderElementsOf(images).hasSize(50);
        }
    }
}
