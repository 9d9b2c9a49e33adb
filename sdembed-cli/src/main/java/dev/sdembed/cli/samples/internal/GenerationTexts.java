package dev.sdembed.cli.samples.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The metadata texts the two most common front-ends store in their PNGs: AUTOMATIC1111's {@code parameters} text and
 * ComfyUI's {@code prompt} (API graph) and {@code workflow} (editor graph) JSON, laid out as those programs write
 * them for a plain text-to-image run.
 */
public final class GenerationTexts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GenerationTexts() {
    }

    /**
     * The generation settings of one image.
     *
     * @param checkpoint the checkpoint file name without extension ({@code sd_xl_base_1.0})
     * @param checkpointHash A1111's short hash of the checkpoint
     * @param sampler A1111's sampler name ({@code DPM++ 2M}); ComfyUI's is derived from it
     * @param scheduler A1111's schedule type ({@code Karras}, {@code Automatic})
     * @param denoise below 1 for an image-to-image pass
     */
    public record Settings(String prompt, String negativePrompt, long seed, int steps, double cfg, String sampler,
                           String scheduler, String checkpoint, String checkpointHash, int width, int height,
                           double denoise) {
    }

    /** AUTOMATIC1111's {@code parameters} text (as written by its 1.10 release). */
    public static String a1111(Settings s) {
        StringBuilder text = new StringBuilder(s.prompt()).append('\n');
        text.append("Negative prompt: ").append(s.negativePrompt()).append('\n');
        List<String> params = new ArrayList<>();
        params.add("Steps: " + s.steps());
        params.add("Sampler: " + s.sampler());
        params.add("Schedule type: " + s.scheduler());
        params.add("CFG scale: " + number(s.cfg()));
        params.add("Seed: " + s.seed());
        params.add("Size: " + s.width() + "x" + s.height());
        params.add("Model hash: " + s.checkpointHash());
        params.add("Model: " + s.checkpoint());
        if (s.denoise() < 1) {
            params.add("Denoising strength: " + number(s.denoise()));
        }
        params.add("Version: v1.10.1");
        return text.append(String.join(", ", params)).toString();
    }

    /** The checkpoint file name ComfyUI records. */
    public static String comfyCheckpoint(Settings s) {
        return s.checkpoint() + ".safetensors";
    }

    /** ComfyUI's sampler name for an A1111 sampler name. */
    public static String comfySampler(Settings s) {
        return switch (s.sampler()) {
            case "DPM++ 2M" -> "dpmpp_2m";
            case "Euler a" -> "euler_ancestral";
            case "DPM++ SDE" -> "dpmpp_sde";
            default -> s.sampler().toLowerCase(Locale.ROOT).replace(' ', '_');
        };
    }

    /** ComfyUI's scheduler name for an A1111 schedule type. */
    public static String comfyScheduler(Settings s) {
        return s.scheduler().equals("Automatic") ? "normal" : s.scheduler().toLowerCase(Locale.ROOT);
    }

    /** ComfyUI's API graph ({@code prompt} chunk) of its default text-to-image workflow. */
    public static String comfyPrompt(Settings s) {
        ObjectNode graph = JSON.createObjectNode();
        ObjectNode sampler = node(graph, "3", "KSampler");
        sampler.put("seed", s.seed()).put("steps", s.steps()).put("cfg", s.cfg())
                .put("sampler_name", comfySampler(s)).put("scheduler", comfyScheduler(s)).put("denoise", s.denoise());
        sampler.set("model", link("4", 0));
        sampler.set("positive", link("6", 0));
        sampler.set("negative", link("7", 0));
        sampler.set("latent_image", link("5", 0));
        node(graph, "4", "CheckpointLoaderSimple").put("ckpt_name", comfyCheckpoint(s));
        node(graph, "5", "EmptyLatentImage").put("width", s.width()).put("height", s.height()).put("batch_size", 1);
        node(graph, "6", "CLIPTextEncode").put("text", s.prompt()).set("clip", link("4", 1));
        node(graph, "7", "CLIPTextEncode").put("text", s.negativePrompt()).set("clip", link("4", 1));
        ObjectNode decode = node(graph, "8", "VAEDecode");
        decode.set("samples", link("3", 0));
        decode.set("vae", link("4", 2));
        node(graph, "9", "SaveImage").put("filename_prefix", "ComfyUI").set("images", link("8", 0));
        return graph.toString();
    }

    /** ComfyUI's editor graph ({@code workflow} chunk) of the same workflow: nodes with widget values and links. */
    public static String comfyWorkflow(Settings s) {
        ObjectNode wf = JSON.createObjectNode();
        wf.put("last_node_id", 9).put("last_link_id", 9);
        ArrayNode nodes = wf.putArray("nodes");
        uiNode(nodes, 3, "KSampler", 863, 186, JSON.createArrayNode().add(s.seed()).add("fixed").add(s.steps())
                .add(s.cfg()).add(comfySampler(s)).add(comfyScheduler(s)).add(s.denoise()));
        uiNode(nodes, 4, "CheckpointLoaderSimple", 26, 474, JSON.createArrayNode().add(comfyCheckpoint(s)));
        uiNode(nodes, 5, "EmptyLatentImage", 473, 609, JSON.createArrayNode().add(s.width()).add(s.height()).add(1));
        uiNode(nodes, 6, "CLIPTextEncode", 415, 186, JSON.createArrayNode().add(s.prompt()));
        uiNode(nodes, 7, "CLIPTextEncode", 413, 389, JSON.createArrayNode().add(s.negativePrompt()));
        uiNode(nodes, 8, "VAEDecode", 1209, 188, JSON.createArrayNode());
        uiNode(nodes, 9, "SaveImage", 1451, 189, JSON.createArrayNode().add("ComfyUI"));
        ArrayNode links = wf.putArray("links");
        int[][] all = {{1, 4, 0, 3, 0}, {2, 5, 0, 3, 3}, {3, 4, 1, 7, 0}, {4, 6, 0, 3, 1}, {5, 4, 1, 6, 0},
            {6, 7, 0, 3, 2}, {7, 3, 0, 8, 0}, {8, 4, 2, 8, 1}, {9, 8, 0, 9, 0}};
        String[] types = {"MODEL", "LATENT", "CLIP", "CONDITIONING", "CLIP", "CONDITIONING", "LATENT", "VAE", "IMAGE"};
        for (int i = 0; i < all.length; i++) {
            ArrayNode l = links.addArray();
            for (int v : all[i]) {
                l.add(v);
            }
            l.add(types[i]);
        }
        wf.putArray("groups");
        wf.putObject("config");
        wf.putObject("extra");
        wf.put("version", 0.4);
        return wf.toString();
    }

    private static ObjectNode node(ObjectNode graph, String id, String classType) {
        ObjectNode node = graph.putObject(id);
        ObjectNode inputs = node.putObject("inputs");
        node.put("class_type", classType);
        node.putObject("_meta").put("title", classType);
        return inputs;
    }

    private static ArrayNode link(String id, int output) {
        return JSON.createArrayNode().add(id).add(output);
    }

    private static void uiNode(ArrayNode nodes, int id, String type, int x, int y, ArrayNode widgets) {
        ObjectNode n = nodes.addObject();
        n.put("id", id).put("type", type);
        n.putArray("pos").add(x).add(y);
        n.putArray("size").add(315).add(widgets.size() * 26 + 46);
        n.putObject("flags");
        n.put("order", id).put("mode", 0);
        n.putObject("properties").put("Node name for S&R", type);
        n.set("widgets_values", widgets);
    }

    /** A number as A1111 prints it: {@code 7} for 7.0, {@code 6.5} otherwise. */
    private static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
