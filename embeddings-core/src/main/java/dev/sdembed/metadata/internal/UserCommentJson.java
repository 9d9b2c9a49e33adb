package dev.sdembed.metadata.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Set;

/**
 * Files a JSON UserComment (JPEG/WebP) under the PNG keywords its writer would have used: a SwarmUI parameters
 * object becomes {@code parameters}; a ComfyUI graph, bare or as {@code {"prompt": ..., "workflow": ...}}, becomes
 * {@code prompt} and {@code workflow}; a copy of PNG chunks (NovelAI writes {@code {"Comment": ..., "Software":
 * ...}}) is spread into its keywords; any other object is kept as {@code parameters} for the JSON formats.
 */
final class UserCommentJson {
    static final String KEY = "UserComment";
    private static final Set<String> CHUNK_KEYWORDS = Set.of("Comment", "Description", "Software", "Source",
            "Title", "parameters", "invokeai_metadata", "generation_data", "sd-metadata", "Dream", "smproj",
            "parameters-json", "fooocus_scheme");

    private UserCommentJson() {
    }

    static void normalize(Entries entries, MetadataJson json, MetadataBuilder b) {
        String text = entries.get(KEY);
        if (text == null) {
            return;
        }
        String source = entries.source(KEY);
        JsonNode root = json.object(text, source, b);
        if (root == null) {
            return;
        }
        if (root.has("sui_image_params")) {
            entries.put("parameters", text, source);
        } else if (ComfyGraph.isGraph(root)) {
            entries.put("prompt", text, source);
        } else if (root.has("prompt") && root.has("workflow")) {
            entries.put("prompt", asText(root.get("prompt")), source);
            entries.put("workflow", asText(root.get("workflow")), source);
        } else if (hasChunkKeyword(root)) {
            for (Map.Entry<String, JsonNode> field : root.properties()) {
                entries.replace(field.getKey(), ExifEntries.trimNuls(asText(field.getValue())), source);
            }
        } else {
            entries.put("parameters", text, source);
        }
    }

    private static boolean hasChunkKeyword(JsonNode root) {
        return root.properties().stream().anyMatch(p -> CHUNK_KEYWORDS.contains(p.getKey()));
    }

    private static String asText(JsonNode node) {
        return node.isTextual() ? node.asText() : node.toString();
    }
}
