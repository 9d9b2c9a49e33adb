package dev.sdembed.metadata.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * JSON parsing for metadata with the reader's limits: nesting depth and string length are capped before any tree
 * is built, so hostile documents fail fast. NaN is accepted because ComfyUI writes it. Error messages carry the
 * position, never the document text.
 */
final class MetadataJson {
    private final ObjectMapper mapper;
    private final int maxDepth;

    MetadataJson(ReadLimits limits) {
        this.maxDepth = limits.maxJsonDepth();
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxJsonDepth())
                        .maxStringLength(limits.maxTextBytes())
                        .build())
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        this.mapper = JsonMapper.builder(factory).build();
    }

    /** Whether {@code text} starts like a JSON object (after whitespace). */
    static boolean looksLikeObject(String text) {
        if (text == null) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) {
                return c == '{';
            }
        }
        return false;
    }

    /**
     * The JSON object in {@code text}, or null with a warning naming {@code source} when it is malformed, too deep,
     * or not an object. Trailing NULs, which some writers leave in PNG text, are ignored.
     */
    JsonNode object(String text, String source, MetadataBuilder warnings) {
        try {
            JsonNode node = mapper.readTree(stripTrailingNuls(text));
            if (node == null || !node.isObject()) {
                warnings.warn(source + " is JSON but not an object");
                return null;
            }
            return node;
        } catch (JsonProcessingException e) {
            warnings.warn(source + " is not valid JSON: " + describe(e));
            return null;
        }
    }

    /** The JSON object in {@code text}, or null without a warning: for probing what a text is. */
    JsonNode objectOrNull(String text) {
        if (!looksLikeObject(text)) {
            return null;
        }
        try {
            JsonNode node = mapper.readTree(stripTrailingNuls(text));
            return node != null && node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        if (message == null) {
            message = e.getClass().getSimpleName();
        } else if (message.length() > 200) {
            message = message.substring(0, 200) + "...";
        }
        if (message.contains("nesting depth")) {
            message = "nested deeper than the " + maxDepth + "-level limit";
        }
        JsonLocation location = e.getLocation();
        if (location != null && location.getLineNr() > 0) {
            message += " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
        }
        return message;
    }

    private static String stripTrailingNuls(String text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\0') {
            end--;
        }
        return end == text.length() ? text : text.substring(0, end);
    }
}
