package dev.sdembed.metadata.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.metadata.Generator;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * InvokeAI in its three generations: {@code invokeai_metadata} (3.x and later, JSON with separate prompts),
 * {@code sd-metadata} (2.x, JSON whose prompt holds the negative in square brackets) and {@code Dream} (a command
 * line: {@code "prompt [negative]" -s 50 -S 42 -W 512 -H 768 -C 7.5 -A k_lms}). The richest present is used.
 */
final class InvokeAiFormat {
    private static final Pattern DREAM = Pattern.compile("\\s*\"(.*)\"\\s*(.*)", Pattern.DOTALL);
    private static final Set<String> CONSUMED_V3 = Set.of("positive_prompt", "negative_prompt", "width", "height",
            "seed", "cfg_scale", "steps", "scheduler", "model");
    private static final Set<String> CONSUMED_V2 = Set.of("prompt", "steps", "cfg_scale", "seed", "width",
            "height", "sampler");

    private InvokeAiFormat() {
    }

    static boolean applies(Entries entries) {
        return entries.has("invokeai_metadata") || entries.has("sd-metadata") || entries.has("Dream");
    }

    static Generator parse(Entries entries, MetadataJson json, MetadataBuilder b) {
        if (entries.has("invokeai_metadata")) {
            String text = entries.get("invokeai_metadata");
            b.raw(text);
            JsonNode m = json.object(text, entries.source("invokeai_metadata"), b);
            if (m != null) {
                b.prompt(NovelAiFormat.textOrNull(m.get("positive_prompt")))
                        .negativePrompt(NovelAiFormat.textOrNull(m.get("negative_prompt")))
                        .width(m.get("width")).height(m.get("height")).seed(m.get("seed"))
                        .cfg(m.get("cfg_scale")).steps(m.get("steps")).sampler(m.get("scheduler"));
                JsonNode model = m.get("model");
                if (model != null && model.isObject()) {
                    b.model(model.get("model_name") != null ? model.get("model_name") : model.get("name"))
                            .modelHash(model.get("hash"));
                } else {
                    b.model(model);
                }
                b.paramsFrom(m, CONSUMED_V3);
                return Generator.INVOKEAI;
            }
        }
        if (entries.has("sd-metadata")) {
            String text = entries.get("sd-metadata");
            b.raw(text);
            JsonNode m = json.object(text, entries.source("sd-metadata"), b);
            if (m != null) {
                JsonNode image = m.path("image");
                JsonNode prompt = image.get("prompt");
                if (prompt != null && prompt.isArray() && !prompt.isEmpty()) {
                    prompt = prompt.get(0).get("prompt");
                }
                if (prompt != null && prompt.isTextual()) {
                    splitBracketedNegative(prompt.asText(), b);
                }
                b.steps(image.get("steps")).cfg(image.get("cfg_scale")).seed(image.get("seed"))
                        .width(image.get("width")).height(image.get("height")).sampler(image.get("sampler"))
                        .model(m.get("model_weights")).modelHash(m.get("model_hash"));
                b.paramsFrom(image, CONSUMED_V2);
                b.param("app_version", m.get("app_version"));
                return Generator.INVOKEAI;
            }
        }
        if (entries.has("Dream")) {
            parseDream(entries.get("Dream"), b);
        }
        return Generator.INVOKEAI;
    }

    private static void parseDream(String dream, MetadataBuilder b) {
        b.raw(dream);
        Matcher m = DREAM.matcher(dream);
        if (!m.matches()) {
            b.warn("InvokeAI Dream text does not start with a quoted prompt; read as prompt only");
            splitBracketedNegative(dream, b);
            return;
        }
        splitBracketedNegative(m.group(1), b);
        String[] tokens = m.group(2).strip().split("\\s+");
        for (int i = 0; i + 1 < tokens.length; i++) {
            String value = tokens[i + 1];
            switch (tokens[i]) {
                case "-s", "--steps" -> b.steps(value);
                case "-S", "--seed" -> b.seed(value);
                case "-W", "--width" -> b.width(value);
                case "-H", "--height" -> b.height(value);
                case "-C", "--cfg_scale" -> b.cfg(value);
                case "-A", "--sampler" -> b.sampler(value);
                default -> {
                    if (tokens[i].startsWith("-") && !value.startsWith("-")) {
                        b.param(tokens[i], value);
                    }
                    continue;
                }
            }
            i++;
        }
    }

    /** InvokeAI 2 writes the negative prompt inside square brackets in the prompt. */
    static void splitBracketedNegative(String text, MetadataBuilder b) {
        StringBuilder prompt = new StringBuilder();
        StringBuilder negative = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '[') {
                if (depth++ == 0) {
                    if (negative.length() > 0) {
                        negative.append(", ");
                    }
                    continue;
                }
            } else if (c == ']' && depth > 0) {
                if (--depth == 0) {
                    continue;
                }
            }
            (depth > 0 ? negative : prompt).append(c);
        }
        b.prompt(prompt.toString().strip());
        if (negative.length() > 0) {
            b.negativePrompt(negative.toString().strip());
        }
    }
}
