package dev.sdembed.metadata.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.metadata.Generator;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NovelAI: {@code Software} "NovelAI", {@code Description} (the prompt), {@code Source} (model name and hash) and
 * {@code Comment}, a JSON object with the settings, {@code uc} being the negative prompt. V4 character prompts
 * are kept as a parameter. Files from before NovelAI wrote the size into {@code Comment} get the pixel size.
 */
final class NovelAiFormat {
    private static final Pattern SOURCE = Pattern.compile("(.*\\S)\\s+([0-9A-Fa-f]{8})");
    private static final Set<String> CONSUMED = Set.of("prompt", "uc", "steps", "scale", "seed", "sampler",
            "width", "height", "v4_prompt", "v4_negative_prompt", "signed_hash");

    private NovelAiFormat() {
    }

    static boolean applies(Entries entries) {
        String software = entries.get("Software");
        String comment = entries.get("Comment");
        return (software != null && software.startsWith("NovelAI"))
                || (comment != null && comment.contains("\"uc\"") && comment.contains("\"sampler\""));
    }

    static Generator parse(Entries entries, MetadataJson json, MetadataBuilder b) {
        String comment = entries.get("Comment");
        JsonNode settings = comment == null ? null : json.object(comment, entries.source("Comment"), b);
        b.raw(comment != null ? comment : entries.get("Description"));
        b.prompt(entries.get("Description"));
        if (settings != null) {
            b.prompt(textOrNull(settings.get("prompt")));
            b.negativePrompt(textOrNull(settings.get("uc")));
            if (b.negativePrompt == null) {
                b.negativePrompt(textOrNull(settings.at("/v4_negative_prompt/caption/base_caption")));
            }
            b.steps(settings.get("steps")).cfg(settings.get("scale")).seed(settings.get("seed"))
                    .sampler(settings.get("sampler")).width(settings.get("width")).height(settings.get("height"));
            List<String> characters = new ArrayList<>();
            for (JsonNode character : settings.at("/v4_prompt/caption/char_captions")) {
                String caption = textOrNull(character.get("char_caption"));
                if (caption != null && !caption.isBlank()) {
                    characters.add(caption);
                }
            }
            if (!characters.isEmpty()) {
                b.param("character_prompts", String.join("\n", characters));
            }
            b.paramsFrom(settings, CONSUMED);
        }
        int[] pixels = entries.pixelSize();
        if ((b.width == null || b.height == null) && pixels != null) {
            // NovelAI wrote the size into Comment only from late 2022 on; it never upscales in the same image, so
            // the pixel size is the generation size.
            b.width(pixels[0]).height(pixels[1]);
        }
        String source = entries.get("Source");
        if (source != null && source.length() <= 1000) {
            Matcher m = SOURCE.matcher(source.strip());
            if (m.matches()) {
                b.model(m.group(1)).modelHash(m.group(2));
            } else {
                b.model(source.strip());
            }
        }
        return Generator.NOVELAI;
    }

    static String textOrNull(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }
}
