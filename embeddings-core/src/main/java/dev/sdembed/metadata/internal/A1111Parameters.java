package dev.sdembed.metadata.internal;

import dev.sdembed.metadata.Generator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AUTOMATIC1111 "parameters" text, also written by Forge, reForge, SD.Next, Civitai, Fooocus (A1111 scheme) and
 * several ComfyUI save nodes:
 *
 * <pre>
 * prompt, possibly
 * over several lines
 * Negative prompt: negative, possibly multi-line
 * Steps: 20, Sampler: DPM++ 2M, CFG scale: 7, Seed: 1, Size: 512x512, Lora hashes: "a: 1, b: 2", ...
 * </pre>
 *
 * As in A1111's own reader, the last line is the parameter line only if it holds at least three {@code key: value}
 * pairs, and only a line that starts with "Negative prompt:" switches to the negative prompt, so the words inside a
 * prompt's weights do not. Values may be quoted (with backslash escapes) or be JSON objects or arrays, both of which
 * may contain commas. Prompt and negative prompt are stripped of surrounding whitespace and blank lines.
 */
final class A1111Parameters {
    private static final String NEGATIVE = "Negative prompt:";
    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+)\\s*x\\s*(\\d+)\\s*");
    private static final Pattern REFORGE = Pattern.compile("f\\d+\\.\\d+(\\.\\d+)?(v\\d+)?-v.*");

    private A1111Parameters() {
    }

    /** Parses {@code text} into {@code b}; returns the front-end its parameters name. */
    static Generator parse(String text, MetadataBuilder b) {
        b.raw(text);
        String[] lines = text.strip().split("\n", -1);
        Map<String, String> params = parseParameterLine(lines[lines.length - 1]);
        int promptLines = lines.length;
        if (params.size() >= 3) {
            promptLines--;
        } else {
            params = Map.of();
        }
        StringBuilder prompt = new StringBuilder();
        StringBuilder negative = null;
        for (int i = 0; i < promptLines; i++) {
            String line = lines[i];
            if (negative == null && line.startsWith(NEGATIVE)) {
                negative = new StringBuilder(line.substring(NEGATIVE.length()).stripLeading());
            } else if (negative != null) {
                negative.append('\n').append(line);
            } else {
                prompt.append(i == 0 ? "" : "\n").append(line);
            }
        }
        b.prompt(prompt.toString().strip());
        if (negative != null) {
            b.negativePrompt(negative.toString().strip());
        }
        for (Map.Entry<String, String> param : params.entrySet()) {
            apply(param.getKey(), param.getValue(), b);
        }
        return generator(params, text);
    }

    private static void apply(String key, String value, MetadataBuilder b) {
        switch (key.toLowerCase(Locale.ROOT)) {
            case "steps" -> b.steps(value);
            case "sampler" -> b.sampler(value);
            case "cfg scale" -> b.cfg(value);
            case "seed" -> b.seed(value);
            case "model" -> b.model(value);
            case "model hash" -> b.modelHash(value);
            case "size" -> {
                Matcher m = SIZE.matcher(value);
                if (m.matches()) {
                    b.width(m.group(1)).height(m.group(2));
                } else {
                    b.warn("Size '" + (value.length() > 40 ? value.substring(0, 40) + "..." : value)
                            + "' is not WIDTHxHEIGHT; ignored");
                }
            }
            default -> b.param(key, value);
        }
    }

    /**
     * The front-end, from the "Version" parameter where present: "v1.10.1" is A1111, "classic"/"neo..." and
     * "f2.0.1v1.10.1-..." Forge, "f1.0.0v2-v1.10.1RC-..." reForge and "f1.3.0-v1.10.1RC-..." Easy reForge.
     */
    static Generator generator(Map<String, String> params, String text) {
        String version = params.getOrDefault("Version", "");
        if (version.matches("v\\d.*")) {
            return Generator.A1111;
        }
        if (version.equals("classic") || version.startsWith("neo")) {
            return Generator.FORGE;
        }
        if (version.matches("f\\d.*")) {
            return REFORGE.matcher(version).matches() ? Generator.REFORGE : Generator.FORGE;
        }
        if (version.startsWith("Fooocus")) {
            return Generator.FOOOCUS;
        }
        if (version.equals("ComfyUI")) {
            return Generator.COMFYUI;
        }
        if ("SD.Next".equals(params.get("App"))) {
            return Generator.SDNEXT;
        }
        if (params.containsKey("Civitai resources") || params.containsKey("Civitai metadata")) {
            return Generator.CIVITAI;
        }
        if (text.contains("sui_image_params") || text.contains("swarm_version")) {
            return Generator.SWARMUI;
        }
        return Generator.A1111;
    }

    /**
     * {@code key: value} pairs of one line, in order; a later duplicate replaces an earlier one. Segments without
     * a colon are skipped.
     */
    static Map<String, String> parseParameterLine(String line) {
        Map<String, String> params = new LinkedHashMap<>();
        int i = 0;
        int n = line.length();
        int colon = -1;
        int comma = -1;
        while (i < n) {
            while (i < n && (Character.isWhitespace(line.charAt(i)) || line.charAt(i) == ',')) {
                i++;
            }
            // Searches resume where the last one stopped, so a long line costs linear time whatever its shape.
            if (colon < i) {
                colon = line.indexOf(':', i);
            }
            if (comma < i) {
                comma = line.indexOf(',', i);
                comma = comma < 0 ? Integer.MAX_VALUE : comma;
            }
            if (colon < 0) {
                break;
            }
            if (comma < colon) {
                i = comma + 1;
                continue;
            }
            String key = line.substring(i, colon).strip();
            i = colon + 1;
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            int end;
            String value;
            if (i < n && line.charAt(i) == '"') {
                end = closingQuote(line, i);
                value = unquote(line.substring(i + 1, Math.min(end, n)));
                end = Math.min(end + 1, n);
            } else if (i < n && (line.charAt(i) == '{' || line.charAt(i) == '[')) {
                end = closingBracket(line, i);
                value = line.substring(i, end);
            } else {
                end = Math.min(comma, n);
                value = line.substring(i, end).strip();
            }
            if (!key.isEmpty()) {
                params.put(key, value);
            }
            i = end;
        }
        return params;
    }

    /** Index of the quote closing the one at {@code open}, or the line length when it is missing. */
    private static int closingQuote(String line, int open) {
        for (int i = open + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        return line.length();
    }

    /** Index just past the bracket closing the one at {@code open}, skipping brackets inside JSON strings. */
    private static int closingBracket(String line, int open) {
        int depth = 0;
        boolean inString = false;
        for (int i = open; i < line.length(); i++) {
            char c = line.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                return i + 1;
            }
        }
        return line.length();
    }

    private static String unquote(String quoted) {
        if (quoted.indexOf('\\') < 0) {
            return quoted;
        }
        StringBuilder out = new StringBuilder(quoted.length());
        for (int i = 0; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            if (c != '\\' || i + 1 == quoted.length()) {
                out.append(c);
                continue;
            }
            char next = quoted.charAt(++i);
            switch (next) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'u' -> {
                    if (i + 4 < quoted.length() && quoted.substring(i + 1, i + 5).matches("[0-9a-fA-F]{4}")) {
                        out.append((char) Integer.parseInt(quoted.substring(i + 1, i + 5), 16));
                        i += 4;
                    } else {
                        out.append("\\u");
                    }
                }
                default -> out.append(next);
            }
        }
        return out.toString();
    }
}
