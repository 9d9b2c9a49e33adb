package dev.sdembed.metadata.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.metadata.Generator;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Front-ends that store one JSON object of settings: SwarmUI, Fooocus, RuinedFooocus, TensorArt, Stability Matrix,
 * EasyDiffusion and generic diffusers-style JSON (Hugging Face Spaces and the like, reported as "other"). Texts are
 * kept verbatim except where noted.
 */
final class JsonFormats {
    private static final Pattern PAIR = Pattern.compile("\\D*(\\d+)\\D+(\\d+)\\D*");
    private static final Set<String> SWARM_CONSUMED = Set.of("prompt", "negativeprompt", "model", "seed", "steps",
            "cfgscale", "width", "height", "sampler");
    private static final Set<String> FOOOCUS_CONSUMED = Set.of("prompt", "negative_prompt", "steps",
            "guidance_scale", "seed", "sampler", "base_model", "base_model_hash", "resolution");
    private static final Set<String> RUINED_CONSUMED = Set.of("Prompt", "Negative", "steps", "cfg", "width",
            "height", "seed", "sampler_name", "base_model_name", "base_model_hash");
    private static final Set<String> TENSORART_CONSUMED = Set.of("prompt", "negativePrompt", "width", "height",
            "steps", "cfgScale", "seed", "ksamplerName", "sampler", "baseModel");
    private static final Set<String> STABILITY_CONSUMED = Set.of("PositivePrompt", "NegativePrompt", "Steps",
            "CfgScale", "Seed", "Width", "Height", "ModelName", "ModelHash");

    private JsonFormats() {
    }

    // ---- SwarmUI ---------------------------------------------------------------------------------------------

    static boolean isSwarmUi(Entries entries) {
        String parameters = entries.get("parameters");
        return parameters != null && parameters.contains("\"sui_image_params\"");
    }

    static Generator parseSwarmUi(Entries entries, MetadataJson json, MetadataBuilder b) {
        String text = entries.get("parameters");
        b.raw(text);
        JsonNode root = json.object(text, entries.source("parameters"), b);
        if (root != null) {
            JsonNode p = root.path("sui_image_params");
            b.prompt(NovelAiFormat.textOrNull(p.get("prompt")))
                    .negativePrompt(NovelAiFormat.textOrNull(p.get("negativeprompt")))
                    .model(p.get("model")).seed(p.get("seed")).steps(p.get("steps")).cfg(p.get("cfgscale"))
                    .width(p.get("width")).height(p.get("height")).sampler(p.get("sampler"));
            for (JsonNode model : root.path("sui_models")) {
                if ("model".equals(model.path("param").asText())) {
                    b.modelHash(model.get("hash"));
                }
            }
            b.paramsFrom(p, SWARM_CONSUMED);
        }
        return Generator.SWARMUI;
    }

    // ---- Fooocus and RuinedFooocus --------------------------------------------------------------------------

    /** Fooocus' own scheme, marked by a {@code fooocus_scheme} chunk or {@code metadata_scheme}/{@code base_model}. */
    static boolean isFooocus(Entries entries, JsonNode parameters) {
        return entries.has("fooocus_scheme")
                || (parameters != null && (parameters.has("metadata_scheme")
                || (parameters.has("prompt") && parameters.has("base_model"))));
    }

    /** An empty Fooocus negative prompt means none was given. */
    static Generator parseFooocus(JsonNode p, String raw, MetadataBuilder b) {
        b.raw(raw);
        b.prompt(NovelAiFormat.textOrNull(p.get("prompt")));
        String negative = NovelAiFormat.textOrNull(p.get("negative_prompt"));
        if (negative != null && !negative.isBlank()) {
            b.negativePrompt(negative);
        }
        b.steps(p.get("steps")).cfg(p.get("guidance_scale")).seed(p.get("seed")).sampler(p.get("sampler"))
                .model(p.get("base_model")).modelHash(p.get("base_model_hash"));
        size(NovelAiFormat.textOrNull(p.get("resolution")), b);
        b.paramsFrom(p, FOOOCUS_CONSUMED);
        return Generator.FOOOCUS;
    }

    static boolean isRuinedFooocus(JsonNode parameters) {
        return parameters != null && "RuinedFooocus".equals(parameters.path("software").asText());
    }

    /** Prompts are stripped, as the reference reader (enslo/sd-metadata) does for this front-end. */
    static Generator parseRuinedFooocus(JsonNode p, String raw, MetadataBuilder b) {
        b.raw(raw);
        String prompt = NovelAiFormat.textOrNull(p.get("Prompt"));
        String negative = NovelAiFormat.textOrNull(p.get("Negative"));
        b.prompt(prompt == null ? null : prompt.strip()).negativePrompt(negative == null ? null : negative.strip());
        b.steps(p.get("steps")).cfg(p.get("cfg")).width(p.get("width")).height(p.get("height")).seed(p.get("seed"))
                .sampler(p.get("sampler_name")).model(p.get("base_model_name")).modelHash(p.get("base_model_hash"));
        b.paramsFrom(p, RUINED_CONSUMED);
        return Generator.RUINED_FOOOCUS;
    }

    // ---- TensorArt --------------------------------------------------------------------------------------------

    /**
     * {@code generation_data} holds the prompts and settings; its seed is "-1" when TensorArt picked one, and the
     * real seed is then in the ComfyUI graph it also stores.
     */
    static Generator parseTensorArt(Entries entries, MetadataJson json, MetadataBuilder b) {
        String text = entries.get("generation_data");
        b.raw(text);
        JsonNode p = json.object(text, entries.source("generation_data"), b);
        if (p == null) {
            return Generator.TENSORART;
        }
        b.prompt(NovelAiFormat.textOrNull(p.get("prompt")))
                .negativePrompt(NovelAiFormat.textOrNull(p.get("negativePrompt")))
                .width(p.get("width")).height(p.get("height")).steps(p.get("steps")).cfg(p.get("cfgScale"))
                .sampler(p.has("ksamplerName") ? p.get("ksamplerName") : p.get("sampler"));
        JsonNode model = p.path("baseModel");
        b.model(model.has("modelFileName") ? model.get("modelFileName") : model.get("label"))
                .modelHash(model.get("hash"));
        String seed = MetadataBuilder.toText(p.get("seed"));
        if (seed != null && !seed.strip().equals("-1")) {
            b.seed(seed);
        } else {
            MetadataBuilder graph = graph(entries, json, b);
            if (graph != null) {
                b.seed(graph.seed);
            }
        }
        b.paramsFrom(p, TENSORART_CONSUMED);
        return Generator.TENSORART;
    }

    // ---- Stability Matrix -------------------------------------------------------------------------------------

    static boolean isStabilityMatrix(Entries entries) {
        return entries.has("smproj") || entries.has("parameters-json");
    }

    /**
     * Prompts and settings from {@code parameters-json}, as the user typed them (the graph's texts have comments
     * and wildcards already processed); the sampler from the ComfyUI graph that ran, whose name is the
     * machine one ({@code euler_ancestral}) rather than the display name in {@code parameters-json}.
     */
    static Generator parseStabilityMatrix(Entries entries, MetadataJson json, MetadataBuilder b) {
        MetadataBuilder graph = graph(entries, json, b);
        if (graph != null) {
            b.prompt(graph.prompt).negativePrompt(graph.negativePrompt).seed(graph.seed).steps(graph.steps)
                    .cfg(graph.cfg).sampler(graph.sampler).model(graph.model).width(graph.width).height(graph.height);
        }
        String text = entries.get("parameters-json");
        if (text != null) {
            b.raw(text);
            JsonNode p = json.object(text, entries.source("parameters-json"), b);
            if (p != null) {
                b.prompt(NovelAiFormat.textOrNull(p.get("PositivePrompt")))
                        .negativePrompt(NovelAiFormat.textOrNull(p.get("NegativePrompt")))
                        .steps(p.get("Steps")).cfg(p.get("CfgScale")).seed(p.get("Seed"))
                        .model(p.get("ModelName")).modelHash(p.get("ModelHash"));
                // The graph's empty latent is the generation size; parameters-json's Width/Height are the output's,
                // which a hires pass has scaled up.
                if (b.width == null || b.height == null) {
                    b.width(p.get("Width")).height(p.get("Height"));
                }
                if (b.sampler == null) {
                    b.sampler(p.get("Sampler"));
                }
                b.paramsFrom(p, STABILITY_CONSUMED);
            }
        } else if (entries.has("parameters")) {
            MetadataBuilder a1111 = new MetadataBuilder(java.util.List.of());
            A1111Parameters.parse(entries.get("parameters"), a1111);
            b.prompt(a1111.prompt).negativePrompt(a1111.negativePrompt).raw(a1111.rawText);
        }
        return Generator.STABILITY_MATRIX;
    }

    // ---- EasyDiffusion ----------------------------------------------------------------------------------------

    /** EasyDiffusion's two key styles: request fields and their display names. */
    private static final String[][] EASY_DIFFUSION_KEYS = {
        {"prompt", "Prompt"}, {"negative_prompt", "Negative Prompt"}, {"seed", "Seed"},
        {"use_stable_diffusion_model", "Stable Diffusion model"}, {"sampler_name", "Sampler"},
        {"num_inference_steps", "Steps"}, {"guidance_scale", "Guidance Scale"}, {"width", "Width"},
        {"height", "Height"}};

    static boolean isEasyDiffusion(Entries entries, JsonNode parameters) {
        return entries.has("use_stable_diffusion_model") || entries.has("Stable Diffusion model")
                || (parameters != null && (parameters.has("use_stable_diffusion_model")
                || parameters.has("Stable Diffusion model")));
    }

    /** One text chunk per setting (PNG) or one JSON object (JPEG/WebP UserComment, or a JSON chunk). */
    static Generator parseEasyDiffusion(Entries entries, JsonNode parameters, MetadataBuilder b) {
        Object[] values = new Object[EASY_DIFFUSION_KEYS.length];
        StringBuilder raw = new StringBuilder();
        for (int i = 0; i < EASY_DIFFUSION_KEYS.length; i++) {
            for (String key : EASY_DIFFUSION_KEYS[i]) {
                Object value = parameters != null && parameters.has(key) ? parameters.get(key) : entries.get(key);
                if (value != null && values[i] == null) {
                    values[i] = value;
                }
            }
        }
        if (parameters != null) {
            raw.append(parameters);
            b.paramsFrom(parameters, Set.of(flatKeys()));
        } else {
            Set<String> known = Set.of(flatKeys());
            for (var entry : entries.texts().entrySet()) {
                raw.append(entry.getKey()).append(": ").append(entry.getValue()).append('\n');
                if (!known.contains(entry.getKey())) {
                    b.param(entry.getKey(), entry.getValue());
                }
            }
        }
        b.raw(raw.toString());
        b.prompt(MetadataBuilder.toText(values[0])).negativePrompt(MetadataBuilder.toText(values[1]))
                .seed(values[2]).model(values[3]).sampler(values[4]).steps(values[5]).cfg(values[6])
                .width(values[7]).height(values[8]);
        return Generator.EASY_DIFFUSION;
    }

    private static String[] flatKeys() {
        return java.util.Arrays.stream(EASY_DIFFUSION_KEYS).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }

    // ---- generic JSON -----------------------------------------------------------------------------------------

    /**
     * Diffusers-style JSON from front-ends without their own format (Hugging Face Spaces, scripts): the common
     * key spellings are recognised, "resolution" may be "1024 x 1024".
     */
    static Generator parseGeneric(JsonNode p, String raw, MetadataBuilder b) {
        b.raw(raw);
        b.prompt(firstText(p, "prompt", "Prompt", "positive_prompt"))
                .negativePrompt(firstText(p, "negative_prompt", "negativePrompt", "Negative prompt", "negative"))
                .seed(first(p, "seed", "Seed"))
                .steps(first(p, "steps", "num_inference_steps", "Steps"))
                .cfg(first(p, "cfg", "cfg_scale", "guidance_scale", "CFG scale", "cfgScale"))
                .sampler(first(p, "sampler", "sampler_name", "Sampler", "scheduler"))
                .model(first(p, "Model", "model", "model_name", "model_id"))
                .modelHash(first(p, "Model hash", "model_hash"))
                .width(first(p, "width", "Width")).height(first(p, "height", "Height"));
        if (b.width == null) {
            size(firstText(p, "resolution", "Size", "size"), b);
        }
        b.paramsFrom(p, Set.of("prompt", "Prompt", "positive_prompt", "negative_prompt", "negativePrompt",
                "Negative prompt", "negative", "seed", "Seed", "steps", "num_inference_steps", "Steps", "cfg",
                "cfg_scale", "guidance_scale", "CFG scale", "cfgScale", "sampler", "sampler_name", "Sampler",
                "Model", "model", "model_name", "model_id", "Model hash", "model_hash", "width", "Width", "height",
                "Height", "resolution"));
        return Generator.OTHER;
    }

    static boolean hasPrompt(JsonNode p) {
        return firstText(p, "prompt", "Prompt", "positive_prompt") != null;
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** The ComfyUI graph stored beside a front-end's own JSON, read into a scratch builder; null if absent. */
    static MetadataBuilder graph(Entries entries, MetadataJson json, MetadataBuilder b) {
        String text = entries.get("prompt");
        if (!MetadataJson.looksLikeObject(text)) {
            return null;
        }
        JsonNode root = json.object(text, entries.source("prompt"), b);
        if (root == null || !ComfyGraph.isGraph(root)) {
            return null;
        }
        MetadataBuilder graph = new MetadataBuilder(java.util.List.of());
        ComfyGraph.read(root, graph);
        graph.warnings.forEach(b::warn);
        return graph;
    }

    private static void size(String text, MetadataBuilder b) {
        if (text == null) {
            return;
        }
        Matcher m = PAIR.matcher(text);
        if (m.matches()) {
            b.width(m.group(1)).height(m.group(2));
        }
    }

    private static JsonNode first(JsonNode p, String... keys) {
        for (String key : keys) {
            JsonNode value = p.get(key);
            if (value != null && !value.isNull()) {
                return value;
            }
        }
        return null;
    }

    private static String firstText(JsonNode p, String... keys) {
        for (String key : keys) {
            String value = NovelAiFormat.textOrNull(p.get(key));
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}
