package dev.sdembed.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.onnx.ClipTextEncoder;
import dev.sdembed.store.SlotSpec;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/embeddings} in OpenAI's shape, as Hugging Face TEI and Infinity serve it: {@code {"input": "…" or
 * ["…", …], "model": slot or model name, "encoding_format": "float" | "base64"}} answered with
 * {@code {"object": "list", "data": [{"object": "embedding", "index": i, "embedding": […]}], "model": …, "usage":
 * {"prompt_tokens": n, "total_tokens": n}}}. Texts are embedded as stored documents, so the vectors compare with the
 * store's; {@code "input_type": "query"} embeds them as search queries instead (BGE's instruction prepended).
 * {@code base64} is little-endian float32, what OpenAI's client libraries ask for by default.
 */
final class OpenAiEmbeddings {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("input", "model", "encoding_format", "dimensions", "user",
            "input_type");

    private final Api api;

    OpenAiEmbeddings(Api api) {
        this.api = api;
    }

    void handle(Context ctx) {
        JsonNode body;
        try {
            body = JSON.readTree(ctx.bodyAsBytes());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiException.badRequest("the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the body cannot be read: " + e.getMessage());
        }
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object with \"input\" and \"model\"");
        }
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw ApiException.badRequest("unknown field '" + key + "'; expected some of " + KEYS.stream().sorted()
                        .toList());
            }
        }
        List<String> inputs = inputs(body.get("input"));
        JsonNode modelNode = body.get("model");
        if (modelNode != null && !modelNode.isNull() && !modelNode.isTextual()) {
            throw ApiException.badRequest("\"model\" must be a string: a text slot or its model's name");
        }
        SlotSpec slot = api.textSlotForModel(modelNode == null || modelNode.isNull() ? null : modelNode.asText());
        String format = text(body, "encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ApiException.badRequest("\"encoding_format\" is '" + format + "'; expected float or base64");
        }
        String inputType = text(body, "input_type", "document");
        if (!inputType.equals("document") && !inputType.equals("query")) {
            throw ApiException.badRequest("\"input_type\" is '" + inputType + "'; expected document or query");
        }
        JsonNode dims = body.get("dimensions");
        if (dims != null && !dims.isNull() && (!dims.canConvertToInt() || dims.asInt() != slot.dimension())) {
            throw ApiException.badRequest("\"dimensions\" is " + dims + " but " + slot.name() + " ("
                    + slot.encoderName() + ") makes " + slot.dimension() + "-d embeddings; leave it out");
        }
        TextEncoder encoder = api.textEncoder(slot);
        List<Embedding> embeddings = api.gate().run(slot.name(), () -> inputType.equals("query")
                ? encoder.embedQueries(inputs) : encoder.embedAll(inputs));
        List<Map<String, Object>> data = new ArrayList<>();
        long tokens = 0;
        for (int i = 0; i < embeddings.size(); i++) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("object", "embedding");
            d.put("index", i);
            d.put("embedding", format.equals("base64") ? base64(embeddings.get(i)) : embeddings.get(i).vector());
            data.add(d);
            tokens += tokens(encoder, inputs.get(i));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("object", "list");
        m.put("data", data);
        m.put("model", modelNode == null || modelNode.isNull() ? slot.name() : modelNode.asText());
        m.put("usage", Map.of("prompt_tokens", tokens, "total_tokens", tokens));
        ctx.json(m);
    }

    private List<String> inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw ApiException.badRequest("\"input\" is missing: a string or an array of strings");
        }
        List<String> texts = new ArrayList<>();
        if (input.isTextual()) {
            texts.add(input.asText());
        } else if (input.isArray()) {
            if (input.isEmpty()) {
                throw ApiException.badRequest("\"input\" is an empty array; give at least one text");
            }
            if (input.size() > api.limits().maxInputs()) {
                throw ApiException.tooLarge("\"input\" has " + input.size() + " texts; at most "
                        + api.limits().maxInputs() + " per request");
            }
            for (JsonNode n : input) {
                if (!n.isTextual()) {
                    throw ApiException.badRequest("\"input\" must hold strings; token arrays are not accepted, send"
                            + " the text");
                }
                texts.add(n.asText());
            }
        } else {
            throw ApiException.badRequest("\"input\" must be a string or an array of strings");
        }
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i);
            if (t.isEmpty()) {
                throw ApiException.badRequest("\"input\"[" + i + "] is empty");
            }
            if (t.length() > api.limits().maxTextLength()) {
                throw ApiException.tooLarge("\"input\"[" + i + "] has " + t.length() + " characters; at most "
                        + api.limits().maxTextLength());
            }
            if (t.indexOf('\0') >= 0) {
                throw ApiException.badRequest("\"input\"[" + i + "] contains a NUL character");
            }
        }
        return texts;
    }

    private static String text(JsonNode body, String key, String fallback) {
        JsonNode n = body.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw ApiException.badRequest("\"" + key + "\" must be a string");
        }
        return n.asText();
    }

    private static String base64(Embedding e) {
        float[] v = e.vector();
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }

    /** Tokens the model reads for {@code text}, special tokens included; 0 for encoders that cannot tell. */
    static int tokens(TextEncoder encoder, String text) {
        if (encoder instanceof BgeTextEncoder bge) {
            return bge.tokenIds(text).length;
        }
        if (encoder instanceof ClipTextEncoder clip) {
            return clip.tokenCount(text);
        }
        return 0;
    }
}
