package dev.sdembed.metadata.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.Generator;

/**
 * Decides which front-end wrote a file's entries and hands them to its parser. The order matters: front-ends that
 * also store a ComfyUI graph (TensorArt, Stability Matrix, SwarmUI) or an A1111-style text beside their own data
 * are recognised by their own keys first, and a ComfyUI graph wins over an A1111 text written by a save node.
 */
final class Formats {

    private Formats() {
    }

    static GenerationMetadata parse(Entries entries, MetadataJson json) {
        MetadataBuilder b = new MetadataBuilder(entries.warnings());
        UserCommentJson.normalize(entries, json, b);
        Generator generator = detectAndParse(entries, json, b);
        return generator == null ? GenerationMetadata.none(b.warnings) : b.build(generator);
    }

    private static Generator detectAndParse(Entries entries, MetadataJson json, MetadataBuilder b) {
        if (NovelAiFormat.applies(entries)) {
            return NovelAiFormat.parse(entries, json, b);
        }
        if (PaddleNlpFormat.applies(entries)) {
            return PaddleNlpFormat.parse(entries, b);
        }
        if (InvokeAiFormat.applies(entries)) {
            return InvokeAiFormat.parse(entries, json, b);
        }
        if (entries.has("generation_data")) {
            return JsonFormats.parseTensorArt(entries, json, b);
        }
        if (JsonFormats.isStabilityMatrix(entries)) {
            return JsonFormats.parseStabilityMatrix(entries, json, b);
        }
        if (JsonFormats.isSwarmUi(entries)) {
            return JsonFormats.parseSwarmUi(entries, json, b);
        }
        String parameters = entries.get("parameters");
        boolean parametersLookLikeJson = MetadataJson.looksLikeObject(parameters);
        JsonNode parametersJson = parametersLookLikeJson ? json.objectOrNull(parameters) : null;
        if (JsonFormats.isEasyDiffusion(entries, parametersJson)) {
            return JsonFormats.parseEasyDiffusion(entries, parametersJson, b);
        }
        if (JsonFormats.isRuinedFooocus(parametersJson)) {
            return JsonFormats.parseRuinedFooocus(parametersJson, parameters, b);
        }
        if (parametersJson != null && JsonFormats.isFooocus(entries, parametersJson)) {
            return JsonFormats.parseFooocus(parametersJson, parameters, b);
        }
        boolean brokenGraph = false;
        String graphText = entries.get("prompt");
        if (MetadataJson.looksLikeObject(graphText)) {
            JsonNode root = json.object(graphText, entries.source("prompt"), b);
            if (root == null) {
                brokenGraph = true;
            } else if (ComfyGraph.isGraph(root)) {
                return comfyOrCivitai(root, graphText, json, b);
            }
        }
        if (parametersJson != null && JsonFormats.hasPrompt(parametersJson)) {
            return JsonFormats.parseGeneric(parametersJson, parameters, b);
        }
        if (parameters != null && !parameters.isBlank()) {
            MetadataBuilder text = new MetadataBuilder(java.util.List.of());
            Generator generator = A1111Parameters.parse(parameters, text);
            boolean hasSettings = text.steps != null || text.sampler != null || text.seed != null;
            if (!parametersLookLikeJson || hasSettings) {
                copy(text, b);
                return entries.has("fooocus_scheme") ? Generator.FOOOCUS : generator;
            }
            json.object(parameters, entries.source("parameters"), b);
        }
        for (String keyword : new String[] {"Comment", "XPComment", "Description"}) {
            String comment = entries.get(keyword);
            if (comment != null && comment.contains("Steps: ")) {
                MetadataBuilder text = new MetadataBuilder(java.util.List.of());
                Generator generator = A1111Parameters.parse(comment, text);
                if (text.steps != null) {
                    copy(text, b);
                    return generator;
                }
            }
        }
        if (entries.has("workflow") || brokenGraph) {
            b.warn("ComfyUI metadata without a readable prompt graph; prompts and settings not extracted");
            b.raw(graphText != null ? graphText : entries.get("workflow"));
            return Generator.COMFYUI;
        }
        return null;
    }

    /**
     * Civitai's generator stores a ComfyUI graph with its own extra keys ("resource-stack" as the checkpoint node,
     * "extraMetadata" with the request as JSON text); the graph is read as usual and the request fills gaps.
     */
    private static Generator comfyOrCivitai(JsonNode root, String text, MetadataJson json, MetadataBuilder b) {
        b.raw(text);
        ComfyGraph.read(root, b);
        boolean civitai = root.has("extraMetadata") || root.has("resource-stack");
        if (!civitai) {
            return Generator.COMFYUI;
        }
        JsonNode extraText = root.get("extraMetadata");
        JsonNode extra = extraText != null && extraText.isTextual()
                ? json.object(extraText.asText(), "Civitai extraMetadata", b) : null;
        if (extra != null) {
            if (b.prompt == null) {
                b.prompt(NovelAiFormat.textOrNull(extra.get("prompt")));
            }
            if (b.negativePrompt == null) {
                b.negativePrompt(NovelAiFormat.textOrNull(extra.get("negativePrompt")));
            }
            fillNumbers(extra, b);
            if (b.model == null) {
                b.model(civitaiModel(extra));
            }
        }
        return Generator.CIVITAI;
    }

    /**
     * The model of a Civitai request whose graph names none (an upscale-only workflow has no sampler or loader):
     * its base model, else the checkpoint of its resource list, else the first resource, by name or as
     * {@code civitai:<modelVersionId>} (Civitai's id of that model version, as in its AIR URNs).
     */
    private static String civitaiModel(JsonNode extra) {
        String base = NovelAiFormat.textOrNull(extra.get("baseModel"));
        if (base != null && !base.isBlank()) {
            return base;
        }
        JsonNode resources = extra.path("resources");
        JsonNode chosen = null;
        for (JsonNode resource : resources) {
            if (resource.path("type").asText("").equalsIgnoreCase("checkpoint")) {
                chosen = resource;
                break;
            }
        }
        if (chosen == null && resources.size() > 0) {
            chosen = resources.get(0);
        }
        if (chosen == null) {
            return null;
        }
        for (String name : new String[] {"modelName", "name"}) {
            String text = NovelAiFormat.textOrNull(chosen.get(name));
            if (text != null && !text.isBlank()) {
                String version = NovelAiFormat.textOrNull(chosen.get("modelVersionName"));
                return version == null || version.isBlank() ? text : text + " " + version;
            }
        }
        JsonNode version = chosen.get("modelVersionId");
        return version != null && version.canConvertToLong() ? "civitai:" + version.asLong() : null;
    }

    private static void fillNumbers(JsonNode extra, MetadataBuilder b) {
        if (b.steps == null) {
            b.steps(extra.get("steps"));
        }
        if (b.cfg == null) {
            b.cfg(extra.get("cfgScale"));
        }
        if (b.sampler == null) {
            b.sampler(extra.get("sampler"));
        }
        if (b.seed == null) {
            b.seed(extra.get("seed"));
        }
        if (b.width == null) {
            b.width(extra.get("width")).height(extra.get("height"));
        }
    }

    /** Copies a scratch builder's fields and warnings. */
    private static void copy(MetadataBuilder from, MetadataBuilder to) {
        from.warnings.forEach(to::warn);
        to.prompt(from.prompt).negativePrompt(from.negativePrompt).width(from.width).height(from.height)
                .seed(from.seed).steps(from.steps).cfg(from.cfg).sampler(from.sampler).model(from.model)
                .modelHash(from.modelHash).raw(from.rawText);
        to.parameters.putAll(from.parameters);
    }
}
