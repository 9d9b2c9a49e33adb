package dev.sdembed.metadata.internal;

import dev.sdembed.metadata.Generator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PaddleNLP's ppdiffusers: a {@code Software} chunk starting "PaddleNLP" and the generation arguments in
 * {@code parameters}, one {@code key: value} per line ({@code prompt}, {@code negative_prompt}, {@code width},
 * {@code height}, {@code num_inference_steps}, {@code guidance_scale}, {@code seed}, {@code sampler},
 * {@code model_name}, ...). A line that does not start with a snake_case key continues the value before it, so
 * prompts may span lines. Read as A1111 text, the negative prompt would swallow every following line.
 */
final class PaddleNlpFormat {
    private static final Pattern KEY_LINE = Pattern.compile("([a-z][a-z0-9_]*):(?: (.*)|)");

    private PaddleNlpFormat() {
    }

    static boolean applies(Entries entries) {
        String software = entries.get("Software");
        return software != null && software.strip().regionMatches(true, 0, "PaddleNLP", 0, "PaddleNLP".length())
                && (entries.has("parameters") || entries.has("Comment"));
    }

    static Generator parse(Entries entries, MetadataBuilder b) {
        String text = entries.has("parameters") ? entries.get("parameters") : entries.get("Comment");
        b.raw(text);
        Map<String, String> values = keyValues(text);
        b.prompt(values.remove("prompt")).negativePrompt(values.remove("negative_prompt"))
                .width(values.remove("width")).height(values.remove("height"))
                .steps(values.remove("num_inference_steps")).cfg(values.remove("guidance_scale"))
                .seed(values.remove("seed")).model(values.remove("model_name"));
        String sampler = values.remove("sampler");
        b.sampler(sampler != null ? sampler : values.remove("scheduler"));
        values.forEach(b::param);
        return Generator.PADDLENLP;
    }

    /** Keys in file order, each with its value; continuation lines joined with newlines. */
    private static Map<String, String> keyValues(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        String key = null;
        StringBuilder value = new StringBuilder();
        for (String line : text.split("\\r?\\n", -1)) {
            Matcher m = KEY_LINE.matcher(line);
            if (m.matches()) {
                if (key != null) {
                    values.putIfAbsent(key, value.toString().strip());
                }
                key = m.group(1).toLowerCase(Locale.ROOT);
                value.setLength(0);
                value.append(m.group(2) == null ? "" : m.group(2));
            } else if (key != null) {
                value.append('\n').append(line);
            } else if (!line.isBlank()) {
                // Text before the first key: the prompt, as some writers put it first without a key.
                key = "prompt";
                value.append(line);
            }
        }
        if (key != null) {
            values.putIfAbsent(key, value.toString().strip());
        }
        return values;
    }
}
