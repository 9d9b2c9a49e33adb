package dev.sdembed.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds ComfyUI API graphs ({@code prompt} chunk JSON) for tests. */
final class ComfyGraphs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode root = JSON.createObjectNode();

    static ComfyGraphs graph() {
        return new ComfyGraphs();
    }

    /** A link to output {@code slot} of node {@code id}. */
    static ArrayNode link(String id, int slot) {
        return JSON.createArrayNode().add(id).add(slot);
    }

    static ArrayNode link(String id) {
        return link(id, 0);
    }

    /** Adds a node; {@code inputs} alternate name and value (String, Number, Boolean or a link). */
    ComfyGraphs node(String id, String classType, Object... inputs) {
        ObjectNode node = root.putObject(id);
        node.put("class_type", classType);
        ObjectNode in = node.putObject("inputs");
        for (int i = 0; i < inputs.length; i += 2) {
            String name = (String) inputs[i];
            Object value = inputs[i + 1];
            if (value instanceof JsonNode json) {
                in.set(name, json);
            } else if (value instanceof String s) {
                in.put(name, s);
            } else if (value instanceof Long l) {
                in.put(name, l);
            } else if (value instanceof Integer n) {
                in.put(name, n);
            } else if (value instanceof Double d) {
                in.put(name, d);
            } else if (value instanceof Boolean b) {
                in.put(name, b);
            } else {
                throw new IllegalArgumentException("unsupported input " + value);
            }
        }
        return this;
    }

    /** Checkpoint "model.safetensors" (1), empty latent 832x1216 (2), and a SaveImage of a VAEDecode of {@code sampler}. */
    ComfyGraphs basics(String sampler) {
        return node("1", "CheckpointLoaderSimple", "ckpt_name", "model.safetensors")
                .node("2", "EmptyLatentImage", "width", 832, "height", 1216, "batch_size", 1)
                .node("8", "VAEDecode", "samples", link(sampler), "vae", link("1", 2))
                .node("9", "SaveImage", "filename_prefix", "ComfyUI", "images", link("8"));
    }

    /** A KSampler with the given conditioning links, latent from node 2 and model from node 1. */
    ComfyGraphs ksampler(String id, long seed, int steps, JsonNode positive, JsonNode negative, JsonNode latent) {
        return node(id, "KSampler", "seed", seed, "steps", steps, "cfg", 7.0, "sampler_name", "euler",
                "scheduler", "normal", "denoise", 1.0, "model", link("1"), "positive", positive, "negative",
                negative, "latent_image", latent);
    }

    ComfyGraphs encoder(String id, String text) {
        return node(id, "CLIPTextEncode", "text", text, "clip", link("1", 1));
    }

    String json() {
        return root.toString();
    }
}
