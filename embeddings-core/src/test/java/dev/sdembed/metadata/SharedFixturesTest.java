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
 */
class SharedFixturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MetadataReader READER = MetadataReaders.standard();

    /**
     * Where the two upstream test suites disagree, one of them cannot be matched. Each entry names the file, the
     * fields, and why; the test asserts the documented difference (and fails if it disappears, so the list stays
     * true).
     */
    private static final Map<String, KnownDeviation> KNOWN_DEVIATIONS = Map.of(
            "sdparsers-comfyui__img2img_cropped.png", new KnownDeviation(List.of("prompt", "negative_prompt"),
                    String::strip,
                    "sd-parsers strips ComfyUI texts ('meadow grass\\n' -> 'meadow grass'); enslo/sd-metadata keeps "
                            + "them verbatim in its 10 ComfyUI files ('censor, \\n'). We keep the graph's text "
                            + "verbatim, so this file's texts differ by their trailing newline only."));

    private record KnownDeviation(List<String> fields, Function<String, String> normalise, String reason) {
    }

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
        KnownDeviation deviation = KNOWN_DEVIATIONS.get(file);

        assertThat(actual.generator().id()).as("generator").isEqualTo(expected.get("generator").asText());
        assertText("prompt", actual.prompt(), expected, deviation);
        if (expected.get("negative_prompt").isNull()) {
            assertThat(actual.negativePrompt()).as("negative_prompt (expected none)").isNull();
        } else {
            assertText("negative_prompt", actual.negativePrompt(), expected, deviation);
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

    private static void assertText(String field, String actual, JsonNode expected, KnownDeviation deviation) {
        JsonNode value = expected.get(field);
        if (value.isNull()) {
            return;
        }
        if (deviation != null && deviation.fields().contains(field)) {
            assertThat(actual).as(field + ": documented deviation: " + deviation.reason())
                    .isNotEqualTo(value.asText());
            assertThat(deviation.normalise().apply(actual)).as(field + " after the documented normalisation")
                    .isEqualTo(value.asText());
            return;
        }
        assertThat(actual).as(field).isEqualTo(value.asText());
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
        if (KNOWN_DEVIATIONS.keySet().stream().anyMatch(f -> !listed.contains(f))) {
            fail("A documented deviation names a file that is not in the fixtures: " + KNOWN_DEVIATIONS.keySet());
        }
    }
}
