package dev.sdembed.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.ModelLoadException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code sdembed.json} from Jackson's tree rather than binding it to {@link ModelManifest}: binding a record
 * the first time introspects it and its nested records (~35 ms in a new JVM, on the path of every one-shot query),
 * reading the tree ~2 ms. The rules are binding's: every key known (nested ones too), JSON null for absent, scalars
 * coerced as Jackson coerces them (a number where a string is expected, a numeric string where a number is).
 */
final class ManifestJson {
    private static final List<String> KEYS = List.of("kind", "name", "dimension", "pooling", "normalize", "max_length",
            "query_instruction", "inputs", "output", "pad_token_id", "allow_unprojected", "image_size",
            "embedding_space", "long_prompts", "source");
    private static final List<String> SOURCE_KEYS = List.of("repository", "revision", "commit", "layout", "pulled_at",
            "files");
    private static final List<String> FILE_KEYS = List.of("from", "sha256", "size");

    private final Path file;

    private ManifestJson(Path file) {
        this.file = file;
    }

    /** The manifest {@code root} holds; {@code file} names it in errors. */
    static ModelManifest read(JsonNode root, Path file) {
        return new ManifestJson(file).manifest(root);
    }

    private ModelManifest manifest(JsonNode root) {
        if (root == null || root.isNull() || root.isMissingNode()) {
            return ModelManifest.EMPTY;
        }
        object(root, "the manifest", KEYS);
        return new ModelManifest(text(root, "kind"), text(root, "name"), integer(root, "dimension"),
                text(root, "pooling"), bool(root, "normalize"), integer(root, "max_length"),
                text(root, "query_instruction"), inputs(root.get("inputs")), text(root, "output"),
                integer(root, "pad_token_id"), bool(root, "allow_unprojected"), integer(root, "image_size"),
                text(root, "embedding_space"), text(root, "long_prompts"), source(root.get("source")));
    }

    private Map<String, String> inputs(JsonNode node) {
        if (absent(node)) {
            return null;
        }
        object(node, "'inputs'", null);
        Map<String, String> inputs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            inputs.put(e.getKey(), scalarText(e.getValue(), "inputs." + e.getKey()));
        }
        return inputs;
    }

    private ModelManifest.Source source(JsonNode node) {
        if (absent(node)) {
            return null;
        }
        object(node, "'source'", SOURCE_KEYS);
        Map<String, ModelManifest.SourceFile> files = null;
        JsonNode filesNode = node.get("files");
        if (!absent(filesNode)) {
            object(filesNode, "'source.files'", null);
            files = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = filesNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode f = e.getValue();
                String where = "source.files." + e.getKey();
                if (absent(f)) {
                    files.put(e.getKey(), null);
                    continue;
                }
                object(f, "'" + where + "'", FILE_KEYS);
                JsonNode size = f.get("size");
                long bytes = absent(size) ? 0 : longValue(size, where + ".size");
                files.put(e.getKey(), new ModelManifest.SourceFile(text(f, "from", where), text(f, "sha256", where),
                        bytes));
            }
        }
        return new ModelManifest.Source(text(node, "repository", "source"), text(node, "revision", "source"),
                text(node, "commit", "source"), text(node, "layout", "source"), text(node, "pulled_at", "source"),
                files);
    }

    /** Fails unless {@code node} is an object whose keys are all in {@code known} (null: any key). */
    private void object(JsonNode node, String what, List<String> known) {
        if (!node.isObject()) {
            throw new ModelLoadException("Cannot parse manifest " + file + ": " + what + " is " + kind(node)
                    + "; expected an object");
        }
        if (known != null) {
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!known.contains(name)) {
                    throw new ModelLoadException("Manifest " + file + " has unknown key '" + name + "' (known: "
                            + known + ")");
                }
            }
        }
    }

    private String text(JsonNode parent, String key) {
        return text(parent, key, null);
    }

    private String text(JsonNode parent, String key, String path) {
        JsonNode node = parent.get(key);
        return absent(node) ? null : scalarText(node, path == null ? key : path + "." + key);
    }

    private String scalarText(JsonNode node, String key) {
        if (node.isNull()) {
            return null;
        }
        if (!node.isValueNode()) {
            throw new ModelLoadException("Cannot parse manifest " + file + ": '" + key + "' is " + kind(node)
                    + "; expected a string");
        }
        return node.asText();
    }

    private Integer integer(JsonNode parent, String key) {
        JsonNode node = parent.get(key);
        if (absent(node)) {
            return null;
        }
        long value = longValue(node, key);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new ModelLoadException("Cannot parse manifest " + file + ": '" + key + "' is " + value
                    + "; expected a whole number within 32 bits");
        }
        return (int) value;
    }

    private long longValue(JsonNode node, String key) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.asLong();
        }
        if (node.isNumber() && node.asDouble() == Math.rint(node.asDouble())) {
            return (long) node.asDouble();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.asText().trim());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new ModelLoadException("Cannot parse manifest " + file + ": '" + key + "' is " + kind(node)
                + "; expected a whole number");
    }

    private Boolean bool(JsonNode parent, String key) {
        JsonNode node = parent.get(key);
        if (absent(node)) {
            return null;
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isTextual() && (node.asText().equals("true") || node.asText().equals("false"))) {
            return Boolean.valueOf(node.asText());
        }
        throw new ModelLoadException("Cannot parse manifest " + file + ": '" + key + "' is " + kind(node)
                + "; expected true or false");
    }

    private static boolean absent(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode();
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "the string \"" + node.asText() + "\"";
            case NUMBER, BOOLEAN -> node.asText();
            default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
