package dev.sdembed.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonTreesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void givesTheTreeObjectMapperGives() throws Exception {
        List<String> documents = List.of(
                "{\"store\": {\"path\": \"/data/x\", \"batch\": 64}, \"slots\": {\"a\": {\"device\": \"cuda:1\","
                        + " \"buckets\": [16, 32, 77], \"copy\": true, \"off\": false, \"none\": null}}}",
                "[1, -2, 2147483648, 9223372036854775808, 1.5, -2.5e-3, 1E10, \"\\u00e9\\ud83d\\ude00\\n\", [], {}]",
                "{\"dup\": 1, \"dup\": 2}",
                "  \"just a string\"  ",
                "42",
                "{\"deep\": [[[{\"a\": [true, {\"b\": null}]}]]]}");
        for (String json : documents) {
            JsonNode expected = MAPPER.readTree(json);
            assertThat(JsonTrees.read(json)).as(json).isEqualTo(expected);
            assertThat(JsonTrees.read(json.getBytes(StandardCharsets.UTF_8))).as(json).isEqualTo(expected);
            assertThat(JsonTrees.read(json.getBytes(StandardCharsets.UTF_16BE))).as(json).isEqualTo(expected);
        }
        // Node types too, not only values: an int that fits stays an int, larger ones widen as readTree's do.
        JsonNode numbers = JsonTrees.read("[1, 2147483648, 9223372036854775808, 0.5]");
        assertThat(numbers.get(0).isInt()).isTrue();
        assertThat(numbers.get(1).isLong()).isTrue();
        assertThat(numbers.get(2).isBigInteger()).isTrue();
        assertThat(numbers.get(3).isDouble()).isTrue();
    }

    @Test
    void emptyInputIsMissingAndAFileReadsAsItsBytes(@TempDir Path dir) throws Exception {
        assertThat(JsonTrees.read("").isMissingNode()).isTrue();
        assertThat(JsonTrees.read(" \n\t").isMissingNode()).isTrue();
        Path file = dir.resolve("sdembed.json");
        Files.writeString(file, "{\"kind\": \"text\", \"dimension\": 384}");
        assertThat(JsonTrees.read(file)).isEqualTo(MAPPER.readTree(file.toFile()));
        Files.writeString(file, "");
        assertThat(JsonTrees.read(file).isMissingNode()).isTrue();
    }

    @Test
    void malformedJsonAndTrailingContentAreErrorsThatSayWhere() {
        assertThatThrownBy(() -> JsonTrees.read("{\"a\": 1,}")).isInstanceOf(JsonParseException.class)
                .hasMessageContaining("line: 1, column: 9");
        assertThatThrownBy(() -> JsonTrees.read("{\"a\": [1, 2}")).isInstanceOf(JsonParseException.class);
        assertThatThrownBy(() -> JsonTrees.read("{\"a\": 1")).isInstanceOf(JsonParseException.class)
                .hasMessageContaining("end-of-input");
        // readTree ignores what follows the first value; a configuration with a stray second object is a mistake.
        assertThatThrownBy(() -> JsonTrees.read("{\"a\": 1} {\"b\": 2}")).isInstanceOf(JsonParseException.class)
                .hasMessageContaining("Unexpected { after the JSON value; expected the end of the input")
                .hasMessageContaining("column: 11");
        assertThatThrownBy(() -> JsonTrees.read("[1] x")).isInstanceOf(JsonParseException.class);
    }
}
