package dev.sdembed.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of the shared fixture {@code clip/golden-tokens.jsonl}: a text and the ids OpenAI's reference CLIP
 * tokenizer gives it (no start/end tokens, no truncation, no padding).
 */
public record GoldenTokens(String text, long[] bpeIds) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every line of the fixture; skips the calling test when the shared fixtures are absent. */
    public static List<GoldenTokens> fixture() {
        List<GoldenTokens> lines = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(TestPaths.sharedFixture("clip/golden-tokens.jsonl"))) {
                if (!line.isBlank()) {
                    JsonNode node = JSON.readTree(line);
                    long[] ids = new long[node.get("bpe_ids").size()];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = node.get("bpe_ids").get(i).asLong();
                    }
                    lines.add(new GoldenTokens(node.get("text").asText(), ids));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }
}
