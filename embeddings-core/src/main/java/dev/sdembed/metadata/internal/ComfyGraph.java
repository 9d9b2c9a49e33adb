package dev.sdembed.metadata.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ComfyUI API graph (the {@code prompt} text chunk): node id to {@code {"class_type": ..., "inputs": {...}}},
 * where an input is a literal or a link {@code [nodeId, outputIndex]}.
 *
 * <p>Which sampler describes the image: the graph is walked upstream from the output node (a save node over a
 * preview) to the nearest sampler; from there the chain of samplers feeding each other's latent input (hires fix,
 * img2img refinement) is followed to its first pass. The first pass gives seed, steps, CFG, sampler, size and
 * prompts; the later passes and the samplers that feed no output are kept in the parameters. Prompts are found by
 * following the sampler's positive/negative inputs through conditioning nodes (combine, concat, set area, ControlNet,
 * guiders, ...) to text encoders, and their text through primitive, switch and string-concatenation nodes.
 *
 * <p>Hostile graphs: every walk keeps its current path to stop at cycles and at {@link ReadLimits#MAX_GRAPH_DEPTH}
 * linked nodes (the walks recurse once per node, so a chain of thousands of nodes would otherwise overflow the
 * stack), missing links are reported, and all walks of one graph share a budget of node visits, so no graph can
 * make them run long.
 */
final class ComfyGraph {
    private static final Set<String> SAMPLER_TYPES = Set.of("KSampler", "KSamplerAdvanced", "SamplerCustom",
            "SamplerCustomAdvanced", "KSampler (Efficient)", "KSampler Adv. (Efficient)", "KSamplerSDXL (Eff.)");
    /** Inputs that never carry conditioning or text, so generic walks do not wander into loaders. */
    private static final Set<String> NOT_CONDITIONING = Set.of("model", "clip", "vae", "control_net", "image",
            "images", "mask", "latent", "latent_image", "samples", "pixels", "upscale_model", "style_model",
            "clip_vision", "clip_vision_output", "sampler", "sigmas", "noise", "seed", "noise_seed");
    /** Inputs that never lead to the diffusion model. */
    private static final Set<String> NOT_MODEL = Set.of("clip", "vae");
    private static final String[] TEXT_INPUTS = {"text", "prompt", "Text", "prompt_text", "string", "value"};
    private static final String[] STRING_SOURCE_INPUTS = {"value", "text", "string", "Text", "prompt", "STRING",
        "text_0"};
    private static final Pattern CONCAT_PART = Pattern.compile("(?i)(string|text)[_ ]?([a-z]|\\d+)");
    private static final Pattern DIMENSIONS = Pattern.compile("\\s*(\\d+)\\s*x\\s*(\\d+).*");

    private final Map<String, ObjectNode> nodes = new LinkedHashMap<>();
    private final MetadataBuilder b;
    private int budget = ReadLimits.MAX_GRAPH_VISITS;
    private boolean budgetExhausted;
    private boolean depthExceeded;

    private ComfyGraph(JsonNode root, MetadataBuilder b) {
        this.b = b;
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getValue().isObject() && field.getValue().path("class_type").isTextual()) {
                nodes.put(field.getKey(), (ObjectNode) field.getValue());
            }
        }
    }

    /** Whether {@code root} is an API graph: an object with at least one node that has a class_type. */
    static boolean isGraph(JsonNode root) {
        for (JsonNode node : root) {
            if (node.isObject() && node.path("class_type").isTextual()) {
                return true;
            }
        }
        return false;
    }

    /** Fills {@code b} from the graph (callers have checked {@link #isGraph}). */
    static void read(JsonNode root, MetadataBuilder b) {
        ComfyGraph graph = new ComfyGraph(root, b);
        if (graph.nodes.size() > ReadLimits.MAX_GRAPH_NODES) {
            b.warn("ComfyUI prompt graph has " + graph.nodes.size() + " nodes, over the "
                    + ReadLimits.MAX_GRAPH_NODES + "-node limit; not interpreted");
            return;
        }
        graph.interpret();
    }

    private void interpret() {
        List<String> chain = samplerChain();
        if (chain.isEmpty()) {
            b.warn("ComfyUI prompt graph has no sampler node");
            model(null);
            return;
        }
        String base = chain.get(chain.size() - 1);
        ObjectNode sampler = nodes.get(base);
        Sampling sampling = sampling(sampler);
        b.seed(sampling.seed).steps(sampling.steps).cfg(sampling.cfg).sampler(sampling.samplerName);
        b.param("scheduler", sampling.scheduler).param("denoise", sampling.denoise);
        b.param("sampler_node", base);

        for (int i = chain.size() - 1; i >= 0 && b.prompt == null; i--) {
            ObjectNode conditioning = conditioningSource(nodes.get(chain.get(i)));
            b.prompt(conditioningText(conditioning, "positive"));
            if (b.negativePrompt == null) {
                b.negativePrompt(conditioningText(conditioning, "negative"));
            }
        }
        int[] size = size(input(sampler, "latent_image"), new HashSet<>());
        if (size != null) {
            b.width(size[0]).height(size[1]);
        }
        model(modelInput(sampler));
        if (chain.size() > 1) {
            b.param("later_passes", passes(chain.subList(0, chain.size() - 1)));
        }
        List<String> unused = new ArrayList<>();
        for (String id : nodes.keySet()) {
            if (isSampler(nodes.get(id)) && !chain.contains(id)) {
                unused.add(id);
            }
        }
        if (!unused.isEmpty()) {
            b.param("other_sampler_nodes", String.join(", ", unused));
        }
        if (budgetExhausted) {
            b.warn("ComfyUI prompt graph needed more than " + ReadLimits.MAX_GRAPH_VISITS
                    + " node visits; the walk was cut short and some fields may be missing");
        }
        if (depthExceeded) {
            b.warn("ComfyUI prompt graph links more than " + ReadLimits.MAX_GRAPH_DEPTH
                    + " nodes in a row; the walk stopped there and some fields may be missing");
        }
    }

    // ---- which samplers ------------------------------------------------------------------------------------------

    /** The sampler chain from the final pass (index 0) to the first pass (last index). */
    private List<String> samplerChain() {
        List<String> best = List.of();
        for (String output : outputs()) {
            String last = nearestUpstreamSampler(nodes.get(output));
            List<String> chain = last == null ? List.of() : chainFrom(last);
            if (chain.size() > best.size()) {
                best = chain;
            }
        }
        if (best.isEmpty()) {
            for (Map.Entry<String, ObjectNode> node : nodes.entrySet()) {
                if (isSampler(node.getValue())) {
                    List<String> chain = chainFrom(node.getKey());
                    if (chain.size() > best.size()) {
                        best = chain;
                    }
                }
            }
        }
        return best;
    }

    /** Nodes nothing links to that take images, save nodes before previews. */
    private List<String> outputs() {
        Set<String> linked = new HashSet<>();
        for (ObjectNode node : nodes.values()) {
            for (JsonNode value : node.path("inputs")) {
                if (isLink(value)) {
                    linked.add(linkId(value));
                }
            }
        }
        List<String> saves = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (Map.Entry<String, ObjectNode> node : nodes.entrySet()) {
            if (!linked.contains(node.getKey()) && node.getValue().path("inputs").has("images")) {
                String type = classType(node.getValue()).toLowerCase(Locale.ROOT);
                (type.contains("save") ? saves : others).add(node.getKey());
            }
        }
        return saves.isEmpty() ? others : saves;
    }

    private List<String> chainFrom(String last) {
        List<String> chain = new ArrayList<>();
        String current = last;
        while (current != null && !chain.contains(current)) {
            chain.add(current);
            JsonNode latent = input(nodes.get(current), "latent_image");
            ObjectNode origin = isLink(latent) ? nodes.get(linkId(latent)) : null;
            current = origin == null ? null
                    : isSampler(origin) ? linkId(latent) : nearestUpstreamSampler(origin);
        }
        return chain;
    }

    /** Breadth-first over every link upstream of {@code start}, stopping at the first sampler. */
    private String nearestUpstreamSampler(ObjectNode start) {
        ArrayDeque<ObjectNode> queue = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        queue.add(start);
        while (!queue.isEmpty() && charge()) {
            ObjectNode node = queue.poll();
            for (JsonNode value : node.path("inputs")) {
                if (!isLink(value) || !seen.add(linkId(value))) {
                    continue;
                }
                ObjectNode upstream = nodes.get(linkId(value));
                if (upstream == null) {
                    continue;
                }
                if (isSampler(upstream)) {
                    return linkId(value);
                }
                queue.add(upstream);
            }
        }
        return null;
    }

    private static boolean isSampler(ObjectNode node) {
        String type = classType(node);
        JsonNode inputs = node.path("inputs");
        return SAMPLER_TYPES.contains(type)
                || (inputs.has("latent_image") && (inputs.has("positive") || inputs.has("guider")));
    }

    // ---- sampling settings ---------------------------------------------------------------------------------------

    private record Sampling(Object seed, Object steps, Object cfg, String samplerName, String scheduler,
                            Object denoise) {
    }

    /**
     * KSampler-style nodes hold everything; SamplerCustom(Advanced) spread it over noise, guider, sampler-select
     * and scheduler nodes.
     */
    private Sampling sampling(ObjectNode sampler) {
        ObjectNode noise = linked(input(sampler, "noise"));
        ObjectNode guider = linked(input(sampler, "guider"));
        ObjectNode select = linked(input(sampler, "sampler"));
        ObjectNode sigmas = linked(input(sampler, "sigmas"));
        JsonNode seed = first(sampler, "seed", "noise_seed");
        if (seed == null && noise != null) {
            seed = first(noise, "noise_seed", "seed");
        }
        JsonNode steps = first(sampler, "steps");
        JsonNode scheduler = first(sampler, "scheduler");
        JsonNode denoise = first(sampler, "denoise");
        if (sigmas != null) {
            steps = steps != null ? steps : first(sigmas, "steps");
            scheduler = scheduler != null ? scheduler : first(sigmas, "scheduler");
            denoise = denoise != null ? denoise : first(sigmas, "denoise");
        }
        JsonNode cfg = first(sampler, "cfg");
        if (cfg == null && guider != null) {
            cfg = first(guider, "cfg");
        }
        JsonNode samplerName = first(sampler, "sampler_name");
        if (samplerName == null && select != null) {
            samplerName = first(select, "sampler_name");
        }
        return new Sampling(number(seed, "seed"), number(steps, "steps"), number(cfg, "cfg"),
                string(samplerName, new HashSet<>()), string(scheduler, new HashSet<>()), number(denoise, "denoise"));
    }

    private String passes(List<String> later) {
        ArrayNode passes = JsonNodeFactory.instance.arrayNode();
        for (int i = later.size() - 1; i >= 0; i--) {
            Sampling s = sampling(nodes.get(later.get(i)));
            ObjectNode pass = passes.addObject();
            pass.put("node", later.get(i));
            pass.put("class_type", classType(nodes.get(later.get(i))));
            putIfPresent(pass, "seed", s.seed);
            putIfPresent(pass, "steps", s.steps);
            putIfPresent(pass, "cfg", s.cfg);
            putIfPresent(pass, "sampler", s.samplerName);
            putIfPresent(pass, "scheduler", s.scheduler);
            putIfPresent(pass, "denoise", s.denoise);
        }
        return passes.toString();
    }

    private static void putIfPresent(ObjectNode target, String key, Object value) {
        if (value instanceof JsonNode node) {
            target.set(key, node);
        } else if (value != null) {
            target.put(key, value.toString());
        }
    }

    // ---- prompts -------------------------------------------------------------------------------------------------

    /** SamplerCustomAdvanced takes its conditioning from a guider node. */
    private ObjectNode conditioningSource(ObjectNode sampler) {
        ObjectNode guider = linked(input(sampler, "guider"));
        return guider != null ? guider : sampler;
    }

    private String conditioningText(ObjectNode holder, String role) {
        JsonNode link = input(holder, role);
        if (link == null && role.equals("positive")) {
            link = first(holder, "conditioning", "cond1");
        }
        return link == null ? null : conditioning(link, role, new HashSet<>());
    }

    /**
     * The prompt text behind a conditioning link: a text encoder's text; for nodes that carry both conditionings
     * (ControlNet apply advanced, guiders) the one named by {@code role}; for combining nodes the texts of all
     * their conditioning inputs, one per line. {@code ConditioningZeroOut} stands for an empty prompt.
     */
    private String conditioning(JsonNode link, String role, Set<String> path) {
        ObjectNode node = enter(link, path);
        if (node == null) {
            return null;
        }
        try {
            JsonNode inputs = node.path("inputs");
            if (classType(node).equals("ConditioningZeroOut")) {
                return "";
            }
            if (inputs.path(role).isTextual()) {
                return inputs.get(role).asText();
            }
            if (isTextEncoder(inputs)) {
                return encoderText(inputs, role, path);
            }
            JsonNode byRole = inputs.get(role);
            if (isLink(byRole)) {
                return conditioning(byRole, role, path);
            }
            List<String> parts = new ArrayList<>();
            Set<String> tried = new HashSet<>(NOT_CONDITIONING);
            for (Map.Entry<String, JsonNode> input : inputs.properties()) {
                if (isLink(input.getValue()) && input.getKey().toLowerCase(Locale.ROOT).contains("cond")) {
                    tried.add(input.getKey());
                    String text = conditioning(input.getValue(), role, path);
                    if (text != null && !parts.contains(text)) {
                        parts.add(text);
                    }
                }
            }
            if (!parts.isEmpty()) {
                if (parts.size() > 1) {
                    parts.remove("");
                }
                return String.join("\n", parts);
            }
            // A conditioning input that gave nothing is not walked a second time: over a chain that doubles the
            // visits at every node.
            return firstAmongLinks(inputs, tried, next -> conditioning(next, role, path));
        } finally {
            path.remove(linkId(link));
        }
    }

    private static boolean isTextEncoder(JsonNode inputs) {
        if (inputs.has("text_g") || inputs.has("text_l") || inputs.has("t5xxl") || inputs.has("clip_l")) {
            return true;
        }
        for (String name : TEXT_INPUTS) {
            if (inputs.has(name) && !name.equals("value") && !name.equals("string")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A single-text encoder's text; else SDXL (text_g/text_l), SD3 (clip_g/clip_l/t5xxl) and Flux (clip_l/t5xxl)
     * encoders' texts: the main one (G, T5) is the prompt, a different second text is kept as a parameter. Nodes
     * with both kinds (smZ CLIPTextEncode) use the single text unless it is blank.
     */
    private String encoderText(JsonNode inputs, String role, Set<String> path) {
        String single = null;
        for (String name : TEXT_INPUTS) {
            if (inputs.has(name)) {
                single = string(inputs.get(name), path);
                break;
            }
        }
        if (single != null && !single.isBlank()) {
            return single;
        }
        String main;
        String secondary;
        String secondaryName;
        if (inputs.has("text_g") || inputs.has("text_l")) {
            main = string(inputs.get("text_g"), path);
            secondary = string(inputs.get("text_l"), path);
            secondaryName = "text_l";
        } else if (inputs.has("t5xxl") || inputs.has("clip_l")) {
            main = string(inputs.get("t5xxl"), path);
            if (main == null || main.isBlank()) {
                main = string(inputs.get("clip_g"), path);
            }
            secondary = string(inputs.get("clip_l"), path);
            secondaryName = "clip_l";
        } else {
            return single;
        }
        if (main == null || main.isBlank()) {
            return secondary != null && !secondary.isBlank() ? secondary : single != null ? single : main;
        }
        if (secondary != null && !secondary.isBlank() && !secondary.equals(main)) {
            b.param((role.equals("positive") ? "prompt_" : "negative_prompt_") + secondaryName, secondary);
        }
        return main;
    }

    /**
     * A string input's value: literal, or from primitive, switch, preview and concatenation nodes.
     * {@code TextGenerate} output exists only at run time, so it resolves to nothing and a switch falls back to
     * its other branch.
     */
    private String string(JsonNode value, Set<String> path) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!isLink(value)) {
            return value.isValueNode() ? value.asText() : null;
        }
        ObjectNode node = enter(value, path);
        if (node == null) {
            return null;
        }
        try {
            String type = classType(node);
            JsonNode inputs = node.path("inputs");
            if (type.equals("TextGenerate")) {
                return null;
            }
            if (inputs.has("on_true") || inputs.has("on_false")) {
                boolean choice = bool(inputs.get("switch"), path);
                for (JsonNode branch : new JsonNode[] {inputs.get(choice ? "on_true" : "on_false"),
                    inputs.get(choice ? "on_false" : "on_true")}) {
                    String text = string(branch, path);
                    if (text != null && !text.isEmpty()) {
                        return text;
                    }
                }
                return null;
            }
            if (inputs.has("source")) {
                return string(inputs.get("source"), path);
            }
            if (type.contains("Concat") || type.contains("Join") || type.contains("Combine")) {
                return concatenate(inputs, path);
            }
            for (String name : STRING_SOURCE_INPUTS) {
                if (inputs.has(name)) {
                    String text = string(inputs.get(name), path);
                    if (text != null) {
                        return text;
                    }
                }
            }
            return null;
        } finally {
            path.remove(linkId(value));
        }
    }

    private String concatenate(JsonNode inputs, Set<String> path) {
        String delimiter = "";
        for (String name : new String[] {"delimiter", "separator", "join_with"}) {
            if (inputs.path(name).isTextual()) {
                delimiter = inputs.get(name).asText();
                break;
            }
        }
        boolean clean = inputs.path("clean_whitespace").asText().equalsIgnoreCase("true");
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> input : inputs.properties()) {
            if (CONCAT_PART.matcher(input.getKey()).matches()) {
                String part = string(input.getValue(), path);
                if (part != null) {
                    parts.add(clean ? part.strip() : part);
                }
            }
        }
        return parts.isEmpty() ? null : String.join(delimiter, parts);
    }

    private boolean bool(JsonNode value, Set<String> path) {
        if (value == null) {
            return true;
        }
        if (value.isBoolean() || value.isTextual()) {
            return !value.asText().equalsIgnoreCase("false");
        }
        ObjectNode node = enter(value, path);
        if (node == null) {
            return true;
        }
        try {
            JsonNode inputs = node.path("inputs");
            JsonNode literal = inputs.has("value") ? inputs.get("value") : inputs.get("boolean");
            return literal == null || isLink(literal) ? true : !literal.asText().equalsIgnoreCase("false");
        } finally {
            path.remove(linkId(value));
        }
    }

    // ---- numbers, size, model ------------------------------------------------------------------------------------

    /** A numeric input: literal, or the value of a seed/primitive node it links to. */
    private JsonNode number(JsonNode value, String name) {
        return number(value, name, new HashSet<>());
    }

    private JsonNode number(JsonNode value, String name, Set<String> path) {
        if (value == null || !isLink(value)) {
            return value;
        }
        ObjectNode node = enter(value, path);
        if (node == null) {
            return null;
        }
        try {
            JsonNode inputs = node.path("inputs");
            for (String key : new String[] {name, "value", "seed", "noise_seed", "int", "number", "Number", "float"}) {
                if (inputs.has(key)) {
                    JsonNode found = number(inputs.get(key), name, path);
                    if (found != null) {
                        return found;
                    }
                }
            }
            return null;
        } finally {
            path.remove(linkId(value));
        }
    }

    /** Width and height behind a latent link: an empty latent, or the size an image was scaled to (img2img). */
    private int[] size(JsonNode link, Set<String> path) {
        ObjectNode node = enter(link, path);
        if (node == null) {
            return null;
        }
        try {
            JsonNode inputs = node.path("inputs");
            for (String[] names : new String[][] {{"width", "height"}, {"empty_latent_width", "empty_latent_height"}}) {
                JsonNode width = number(inputs.get(names[0]), "width", path);
                JsonNode height = number(inputs.get(names[1]), "height", path);
                if (width != null && height != null && width.canConvertToInt() && height.canConvertToInt()
                        && width.isNumber() && height.isNumber()) {
                    return new int[] {width.asInt(), height.asInt()};
                }
            }
            Matcher dimensions = DIMENSIONS.matcher(inputs.path("dimensions").asText(""));
            if (dimensions.matches()) {
                return new int[] {Integer.parseInt(dimensions.group(1)), Integer.parseInt(dimensions.group(2))};
            }
            for (String name : new String[] {"pixels", "image", "samples", "latent", "latent_image"}) {
                if (isLink(inputs.get(name))) {
                    int[] size = size(inputs.get(name), path);
                    if (size != null) {
                        return size;
                    }
                }
            }
            return null;
        } catch (NumberFormatException e) {
            return null;
        } finally {
            path.remove(linkId(link));
        }
    }

    private JsonNode modelInput(ObjectNode sampler) {
        JsonNode model = input(sampler, "model");
        if (model == null) {
            ObjectNode guider = linked(input(sampler, "guider"));
            model = guider == null ? null : input(guider, "model");
        }
        return model;
    }

    /**
     * The checkpoint or diffusion model behind the sampler's model input, through LoRA loaders, switches and
     * patches; failing that, the first loader in the graph.
     */
    private void model(JsonNode link) {
        String name = link == null ? null : model(link, new HashSet<>());
        if (name == null) {
            for (ObjectNode node : nodes.values()) {
                name = loaderName(node.path("inputs"));
                if (name != null) {
                    break;
                }
            }
        }
        b.model(name);
    }

    private String model(JsonNode link, Set<String> path) {
        ObjectNode node = enter(link, path);
        if (node == null) {
            return null;
        }
        try {
            JsonNode inputs = node.path("inputs");
            String name = loaderName(inputs);
            if (name != null) {
                return name;
            }
            if (isLink(inputs.get("model"))) {
                return model(inputs.get("model"), path);
            }
            return firstAmongLinks(inputs, NOT_MODEL, next -> model(next, path));
        } finally {
            path.remove(linkId(link));
        }
    }

    /**
     * For nodes this walk does not know: the first non-null result of {@code resolve} over the links among
     * {@code inputs}, in input order, skipping the inputs named in {@code skipped}.
     */
    private static String firstAmongLinks(JsonNode inputs, Set<String> skipped,
                                          java.util.function.Function<JsonNode, String> resolve) {
        for (Map.Entry<String, JsonNode> input : inputs.properties()) {
            if (isLink(input.getValue()) && !skipped.contains(input.getKey())) {
                String found = resolve.apply(input.getValue());
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static String loaderName(JsonNode inputs) {
        for (String name : new String[] {"ckpt_name", "unet_name", "base_ckpt_name"}) {
            JsonNode value = inputs.get(name);
            if (value != null && value.isTextual()) {
                return value.asText();
            }
            if (value != null && value.path("content").isTextual()) {
                return value.get("content").asText();
            }
        }
        return null;
    }

    // ---- graph access --------------------------------------------------------------------------------------------

    /**
     * The node {@code link} points to, entering it on {@code path}; null (with a warning) for a missing node or a
     * cycle, and null when the visit budget is spent or the path is {@link ReadLimits#MAX_GRAPH_DEPTH} nodes long.
     * Callers remove the id from the path when they leave.
     */
    private ObjectNode enter(JsonNode link, Set<String> path) {
        if (!isLink(link) || !charge()) {
            return null;
        }
        if (path.size() >= ReadLimits.MAX_GRAPH_DEPTH) {
            depthExceeded = true;
            return null;
        }
        String id = linkId(link);
        ObjectNode node = nodes.get(id);
        if (node == null) {
            b.warn("ComfyUI prompt graph links to missing node '" + abbreviate(id) + "'");
            return null;
        }
        if (!path.add(id)) {
            b.warn("ComfyUI prompt graph has a cycle through node '" + abbreviate(id) + "'");
            return null;
        }
        return node;
    }

    private boolean charge() {
        if (budget <= 0) {
            budgetExhausted = true;
            return false;
        }
        budget--;
        return true;
    }

    private ObjectNode linked(JsonNode link) {
        return isLink(link) ? nodes.get(linkId(link)) : null;
    }

    private static JsonNode input(ObjectNode node, String name) {
        return node == null ? null : node.path("inputs").get(name);
    }

    private static JsonNode first(ObjectNode node, String... names) {
        for (String name : names) {
            JsonNode value = input(node, name);
            if (value != null && !value.isNull()) {
                return value;
            }
        }
        return null;
    }

    private static String classType(ObjectNode node) {
        return node.path("class_type").asText("");
    }

    static boolean isLink(JsonNode value) {
        return value != null && value.isArray() && value.size() == 2
                && (value.get(0).isTextual() || value.get(0).isIntegralNumber()) && value.get(1).isIntegralNumber();
    }

    private static String linkId(JsonNode link) {
        return link.get(0).asText();
    }

    private static String abbreviate(String id) {
        return id.length() > 40 ? id.substring(0, 40) + "..." : id;
    }
}
