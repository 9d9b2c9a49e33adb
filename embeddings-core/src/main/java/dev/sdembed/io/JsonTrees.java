package dev.sdembed.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * JSON read into Jackson's tree by its streaming parser alone, for the files a one-shot command reads (the
 * configuration, a model's {@code sdembed.json}, stored parameters). The tree is the one
 * {@code ObjectMapper.readTree} gives, without an {@code ObjectMapper}: the first one made in a JVM builds a
 * {@code SimpleDateFormat}, which loads the JDK's calendar and locale data, ~25 ms of a 300 ms query (issue 21).
 *
 * <p>Stricter than {@code readTree} in one way: content after the JSON value is an error, not ignored. Empty input
 * (or only whitespace) gives {@link MissingNode}, as {@code readTree} does.
 */
public final class JsonTrees {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees() {
    }

    /** The file's JSON value; {@link MissingNode} when the file is empty. */
    public static JsonNode read(Path file) throws IOException {
        return read(Files.readAllBytes(file));
    }

    /** The JSON value in {@code json}; {@link MissingNode} when it is empty. */
    public static JsonNode read(String json) throws IOException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            return readAll(parser);
        }
    }

    /** The JSON value in {@code json} (UTF-8, -16 or -32, as Jackson detects); {@link MissingNode} when empty. */
    public static JsonNode read(byte[] json) throws IOException {
        try (JsonParser parser = FACTORY.createParser(json)) {
            return readAll(parser);
        }
    }

    private static JsonNode readAll(JsonParser parser) throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            return MissingNode.getInstance();
        }
        JsonNode value = value(parser, first);
        if (parser.nextToken() != null) {
            throw new JsonParseException(parser, "Unexpected " + parser.currentToken().asString()
                    + " after the JSON value; expected the end of the input");
        }
        return value;
    }

    private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                    String name = parser.currentName();
                    object.set(name, value(parser, parser.nextToken()));
                }
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    array.add(value(parser, t));
                }
                yield array;
            }
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new JsonParseException(parser, "Unexpected " + token + "; expected a JSON value");
        };
    }
}
