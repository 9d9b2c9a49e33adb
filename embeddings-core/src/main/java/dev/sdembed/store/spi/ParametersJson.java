package dev.sdembed.store.spi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.io.JsonTrees;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes (and reads back) generation parameters as a JSON object of strings, the form stores keep them in
 * (PostgreSQL as {@code jsonb}, the embedded store as text), so the same record reads back the same from every store.
 */
public final class ParametersJson {
    private ParametersJson() {
    }

    /**
     * {@code parameters} as one JSON object, keys in the map's order, every value a string; quotes, backslashes and
     * control characters escaped as JSON requires.
     */
    public static String write(Map<String, String> parameters) {
        StringBuilder out = new StringBuilder(32 + parameters.size() * 24).append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, e.getKey()).append(':');
            string(out, e.getValue());
        }
        return out.append('}').toString();
    }

    /**
     * The parameters {@link #write} wrote, in their order.
     *
     * @throws IOException if {@code json} is not JSON, or not an object whose values are all strings
     */
    public static LinkedHashMap<String, String> read(String json) throws IOException {
        JsonNode root = JsonTrees.read(json);
        if (!root.isObject()) {
            throw new IOException("expected a JSON object, found " + root.getNodeType());
        }
        LinkedHashMap<String, String> parameters = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new IOException("'" + e.getKey() + "' is " + e.getValue().getNodeType() + "; expected a string");
            }
            parameters.put(e.getKey(), e.getValue().textValue());
        }
        return parameters;
    }

    private static StringBuilder string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
