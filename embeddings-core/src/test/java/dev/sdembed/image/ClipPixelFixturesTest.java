package dev.sdembed.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decoding plus CLIP preprocessing against the reference {@code pixel_values} that Pillow 9.4 and Hugging Face's
 * recipe produced for the shared fixture images (RGB, RGBA noise whose alpha must be dropped, grey, a large photo).
 */
class ClipPixelFixturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<JsonNode> images() throws IOException {
        Path index = TestPaths.sharedFixture("clip/pixels/index.jsonl");
        List<JsonNode> entries = new ArrayList<>();
        for (String line : Files.readAllLines(index)) {
            if (!line.isBlank()) {
                entries.add(JSON.readTree(line));
            }
        }
        return entries.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void matchesPillowReferenceWithinOneLevelAndInFactExactly(JsonNode entry) throws IOException {
        Path dir = TestPaths.sharedFixture("clip/pixels");
        Path image = dir.resolve(entry.get("image").asText());
        PixelTensor reference = readReference(dir.resolve(entry.get("pixel_values").asText()));

        ImageHeader header = ImageDecoder.defaults().readHeader(image);
        assertThat(new int[] {header.width(), header.height()})
                .containsExactly(entry.get("original_size").get(0).asInt(), entry.get("original_size").get(1).asInt());

        ClipPreprocessor preprocessor = ClipPreprocessor.of(ClipPreprocessConfig.clipDefaults());
        assertThat(preprocessor.resizedSize(header.width(), header.height()))
                .containsExactly(entry.get("resized_size").get(0).asInt(), entry.get("resized_size").get(1).asInt());

        PixelTensor actual = preprocessor.preprocess(ImageDecoder.defaults().decode(image));
        assertThat(actual.shape()).containsExactly(3, 224, 224);
        // The bar: one 8-bit level after normalisation (1/255/0.26 ~ 0.015).
        assertThat(actual.maxAbsDifference(reference)).isLessThanOrEqualTo(0.02);
        // What the hand-written Pillow resampling actually achieves: every float identical.
        assertThat(actual).as("bit-identical to Pillow + transformers").isEqualTo(reference);
        double sum = 0;
        for (float v : actual.data()) {
            sum += v;
        }
        assertThat(sum).isCloseTo(entry.get("sum").asDouble(), org.assertj.core.data.Offset.offset(0.5));
    }

    static PixelTensor readReference(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        float[] values = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return PixelTensor.of(3, 224, 224, values);
    }
}
