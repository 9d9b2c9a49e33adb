package dev.sdembed.metadata.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.Generator;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects one record's fields from whatever types a format stores them as (JSON numbers, numeric strings,
 * "20.0"), warning instead of failing on values that do not parse. Setters ignore nulls, so a parser can apply
 * sources from least to most trusted, and {@code fill...} methods only fill what is still missing.
 */
final class MetadataBuilder {
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final int MAX_VALUE_IN_WARNING = 40;

    String prompt;
    String negativePrompt;
    Integer width;
    Integer height;
    Long seed;
    Integer steps;
    Double cfg;
    String sampler;
    String model;
    String modelHash;
    String rawText;
    final Map<String, String> parameters = new LinkedHashMap<>();
    final List<String> warnings;

    MetadataBuilder(List<String> containerWarnings) {
        this.warnings = new ArrayList<>(containerWarnings);
    }

    /**
     * The record. Prompts lose their outer whitespace, whatever the generator: a trailing newline that one
     * front-end's text box keeps would otherwise make an identical prompt a different text (embedded and stored
     * twice, never "the same prompt").
     */
    GenerationMetadata build(Generator generator) {
        return new GenerationMetadata(generator, strip(prompt), strip(negativePrompt), width, height, seed, steps, cfg,
                sampler, model, modelHash, parameters, rawText, warnings);
    }

    private static String strip(String text) {
        return text == null ? null : text.strip();
    }

    void warn(String warning) {
        if (!warnings.contains(warning)) {
            warnings.add(warning);
        }
    }

    MetadataBuilder prompt(String value) {
        if (value != null) {
            prompt = value;
        }
        return this;
    }

    MetadataBuilder negativePrompt(String value) {
        if (value != null) {
            negativePrompt = value;
        }
        return this;
    }

    MetadataBuilder raw(String value) {
        if (value != null) {
            rawText = value;
        }
        return this;
    }

    MetadataBuilder width(Object value) {
        Integer v = toInt("width", value);
        if (v != null) {
            width = v;
        }
        return this;
    }

    MetadataBuilder height(Object value) {
        Integer v = toInt("height", value);
        if (v != null) {
            height = v;
        }
        return this;
    }

    MetadataBuilder steps(Object value) {
        Integer v = toInt("steps", value);
        if (v != null) {
            steps = v;
        }
        return this;
    }

    MetadataBuilder cfg(Object value) {
        BigDecimal v = toDecimal("cfg", value);
        if (v != null) {
            cfg = v.doubleValue();
        }
        return this;
    }

    MetadataBuilder seed(Object value) {
        BigDecimal v = toDecimal("seed", value);
        if (v == null) {
            return this;
        }
        BigInteger integer;
        try {
            integer = v.toBigIntegerExact();
        } catch (ArithmeticException e) {
            warn("seed " + excerpt(value) + " is not a whole number; ignored");
            return this;
        }
        if (integer.compareTo(LONG_MIN) < 0 || integer.compareTo(LONG_MAX) > 0) {
            parameters.put("seed", integer.toString());
            warn("seed " + integer + " is outside the signed 64-bit range; kept in parameters as 'seed'");
            return this;
        }
        seed = integer.longValue();
        return this;
    }

    MetadataBuilder sampler(Object value) {
        String v = toText(value);
        if (v != null) {
            sampler = v;
        }
        return this;
    }

    MetadataBuilder model(Object value) {
        String v = toText(value);
        if (v != null) {
            model = v;
        }
        return this;
    }

    MetadataBuilder modelHash(Object value) {
        String v = toText(value);
        if (v != null) {
            modelHash = v;
        }
        return this;
    }

    MetadataBuilder param(String key, Object value) {
        String v = toText(value);
        if (v != null) {
            parameters.put(key, v);
        }
        return this;
    }

    /** Copies every member of {@code object} not in {@code consumed} into the parameters, JSON for non-scalars. */
    MetadataBuilder paramsFrom(JsonNode object, Set<String> consumed) {
        if (object == null || !object.isObject()) {
            return this;
        }
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            if (!consumed.contains(field.getKey()) && !field.getValue().isNull()) {
                param(field.getKey(), field.getValue());
            }
        }
        return this;
    }

    /** Text of a JSON scalar or string; JSON text for objects and arrays; null for null/missing. */
    static String toText(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof JsonNode node) {
            if (node.isNull() || node.isMissingNode()) {
                return null;
            }
            return node.isValueNode() ? node.asText() : node.toString();
        }
        return value.toString();
    }

    private Integer toInt(String field, Object value) {
        BigDecimal v = toDecimal(field, value);
        if (v == null) {
            return null;
        }
        try {
            return v.intValueExact();
        } catch (ArithmeticException e) {
            warn(field + " " + excerpt(value) + " is not a whole number in the int range; ignored");
            return null;
        }
    }

    private BigDecimal toDecimal(String field, Object value) {
        if (value instanceof JsonNode node) {
            if (node.isNumber()) {
                if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
                    warn(field + " " + excerpt(node) + " is not a finite number; ignored");
                    return null;
                }
                return inRange(field, node.isIntegralNumber() ? new BigDecimal(node.bigIntegerValue())
                        : node.decimalValue());
            }
            if (node.isNull() || node.isMissingNode()) {
                return null;
            }
            if (!node.isTextual()) {
                warn(field + " is a JSON " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                        + "; expected a number");
                return null;
            }
            value = node.asText();
        }
        if (value == null) {
            return null;
        }
        if (value instanceof Number number) {
            return new BigDecimal(number.toString());
        }
        String text = value.toString().strip();
        if (text.isEmpty()) {
            return null;
        }
        if (text.length() > 400) {
            warn(field + " value of " + text.length() + " characters is not a number; ignored");
            return null;
        }
        try {
            return inRange(field, new BigDecimal(text));
        } catch (NumberFormatException e) {
            warn(field + " " + excerpt(text) + " is not a number; ignored");
            return null;
        }
    }

    /**
     * Rejects magnitudes no setting has ("1e999999999"), which would otherwise cost unbounded time and memory
     * when converted to an exact integer.
     */
    private BigDecimal inRange(String field, BigDecimal value) {
        if (value.signum() != 0 && (value.precision() - value.scale() > 40 || value.scale() > 40)) {
            warn(field + " " + excerpt(value.toString()) + " is out of any sensible range; ignored");
            return null;
        }
        return value;
    }

    private static String excerpt(Object value) {
        String text = toText(value);
        if (text == null) {
            return "null";
        }
        return "'" + (text.length() > MAX_VALUE_IN_WARNING ? text.substring(0, MAX_VALUE_IN_WARNING) + "..." : text)
                + "'";
    }
}
