package dev.sdembed.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.encoder.Modality;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.io.FileErrors;
import dev.sdembed.io.JsonTrees;
import dev.sdembed.onnx.CudaOptions;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The command line's configuration file (the shape of the seed's appsettings):
 *
 * <pre>{@code
 * {
 *   "store":    {"url": "postgresql://sdembed@localhost:5432/sdembed", "schema": "sdembed"},
 *   "pipeline": {"batchSize": 64, "batchesInFlight": 2, "maxPixels": 100000000},
 *   "slots": {
 *     "prompt_bge":   {"model": "models/bge-large-en-v1.5", "device": "cuda:0", "tokenBudget": 16384},
 *     "image_clip_h": {"model": "models/clip-vit-h-14-vision", "device": "cuda:1", "fallback": "cpu",
 *                      "batchSize": 64, "decodeThreads": 8,
 *                      "batchBuckets": [8, 16, 32, 64], "precision": "fp16",
 *                      "cuda": {"convAlgoSearch": "EXHAUSTIVE", "memLimitMb": 20000,
 *                               "arenaExtendStrategy": "kSameAsRequested", "copyInDefaultStream": true}}
 *   }
 * }
 * }</pre>
 *
 * Devices: {@code cpu:0}, {@code cpu:1}, ... split the cores between them (each slot on a CPU device gets its
 * device's share unless {@code threads} is set); slots on one device run one at a time, slots on different devices
 * concurrently. {@code sequenceBuckets} (text slots) and {@code batchBuckets} pad every inference batch to fixed
 * shapes; {@code precision} {@code fp16} loads {@code model_fp16.onnx}; {@code cuda} applies to GPU devices only.
 *
 * Unknown keys are errors naming the key; numbers must lie in the range of the setting they feed (threads and
 * decodeThreads 1 to {@value dev.sdembed.Checks#MAX_THREADS}, a slot's batchSize 1 to
 * {@value dev.sdembed.onnx.OnnxOptions#MAX_BATCH_SIZE}, ...), checked here so the error names the key; relative
 * model paths are resolved against the file's folder and must exist. The store password never belongs here: it
 * comes from the URL, {@code SDEMBED_STORE_PASSWORD} or {@code PGPASSWORD}.
 *
 * @param storeUrl        the store location, or null (then {@code --store}, else the embedded store in ./sdembed-data)
 * @param schema          the store's schema, or null for the store's default
 * @param batchSize       files per store transaction, or null
 * @param batchesInFlight batches worked on at once, or null
 * @param maxPixels       images whose header declares more pixels fail, or null for the decoder's default
 * @param slots           the slots, in file order
 */
public record SdembedConfig(String storeUrl, String schema, Integer batchSize, Integer batchesInFlight, Long maxPixels,
                          List<SlotConfig> slots) {

    /** The slot used without a configuration file: bge-small-en-v1.5 on the CPU for prompts and negatives. */
    public static final String DEFAULT_TEXT_SLOT = "prompt_bge";

    private static final Set<String> TOP = Set.of("store", "pipeline", "slots");
    private static final Set<String> STORE = Set.of("url", "schema");
    private static final Set<String> PIPELINE = Set.of("batchSize", "batchesInFlight", "maxPixels");
    private static final Set<String> SLOT = Set.of("model", "modality", "device", "fallback", "threads", "batchSize",
            "tokenBudget", "decodeThreads", "cuda", "batchBuckets", "sequenceBuckets", "precision");
    private static final Set<String> CUDA = Set.of("convAlgoSearch", "arenaExtendStrategy", "memLimitMb",
            "copyInDefaultStream");

    public SdembedConfig {
        slots = List.copyOf(slots);
    }

    /** The default: {@value #DEFAULT_TEXT_SLOT} from {@code bgeSmall} on the CPU, other slots off. */
    public static SdembedConfig defaults(Path bgeSmall) {
        requireModel(bgeSmall, "the default slot " + DEFAULT_TEXT_SLOT + " (no --config given)");
        return new SdembedConfig(null, null, null, null, null, List.of(new SlotConfig(DEFAULT_TEXT_SLOT, bgeSmall,
                Modality.TEXT, "cpu", DeviceFallback.FAIL, null, null, null, null, null, null, null, null)));
    }

    /** Reads and checks {@code file}. */
    public static SdembedConfig read(Path file) {
        JsonNode root;
        try {
            root = JsonTrees.read(Files.readString(file));
        } catch (IOException e) {
            throw new InvalidInputException("Cannot read configuration " + file + ": " + FileErrors.reason(e), e);
        }
        String where = "Configuration " + file;
        if (!root.isObject()) {
            throw new InvalidInputException(where + " is not a JSON object");
        }
        checkKeys(root, TOP, "", where);
        JsonNode store = object(root, "store", where);
        checkKeys(store, STORE, "store.", where);
        JsonNode pipeline = object(root, "pipeline", where);
        checkKeys(pipeline, PIPELINE, "pipeline.", where);
        JsonNode slotsNode = object(root, "slots", where);
        if (slotsNode.isEmpty()) {
            throw new InvalidInputException(where + ": 'slots' is missing or empty; configure at least one slot, e.g."
                    + " \"slots\": {\"prompt_bge\": {\"model\": \"models/bge-small-en-v1.5\"}}");
        }
        Path base = file.toAbsolutePath().getParent();
        List<SlotConfig> slots = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = slotsNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            slots.add(slot(e.getKey(), e.getValue(), base, where));
        }
        return new SdembedConfig(text(store, "url", "store.", where), text(store, "schema", "store.", where),
                integer(pipeline, "batchSize", "pipeline.", where, BulkEmbeddingPipeline.Builder.MAX_BATCH_SIZE),
                integer(pipeline, "batchesInFlight", "pipeline.", where,
                        BulkEmbeddingPipeline.Builder.MAX_BATCHES_IN_FLIGHT),
                number(pipeline, "maxPixels", "pipeline.", where, ImageDecoder.MAX_PIXELS_CAP), slots);
    }

    private static SlotConfig slot(String name, JsonNode node, Path base, String where) {
        String prefix = "slots." + name + ".";
        if (!node.isObject()) {
            throw new InvalidInputException(where + ": 'slots." + name + "' must be an object with a \"model\" folder");
        }
        checkKeys(node, SLOT, prefix, where);
        String model = text(node, "model", prefix, where);
        if (model == null) {
            throw new InvalidInputException(where + ": '" + prefix + "model' is missing; give the slot's model folder");
        }
        Path dir = base.resolve(model).normalize();
        requireModel(dir, where + ": '" + prefix + "model'");
        String modality = text(node, "modality", prefix, where);
        Modality m = null;
        if (modality != null) {
            try {
                m = Modality.valueOf(modality.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(where + ": '" + prefix + "modality' is '" + modality
                        + "'; expected text or image");
            }
        }
        String device = text(node, "device", prefix, where);
        if (device == null) {
            device = "cpu";
        }
        try {
            Device.parse(device);
        } catch (RuntimeException e) {
            throw new InvalidInputException(where + ": '" + prefix + "device': " + e.getMessage(), e);
        }
        String fallback = text(node, "fallback", prefix, where);
        DeviceFallback f = DeviceFallback.FAIL;
        if (fallback != null) {
            try {
                f = DeviceFallback.valueOf(fallback.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(where + ": '" + prefix + "fallback' is '" + fallback
                        + "'; expected fail or cpu");
            }
        }
        OnnxOptions.Precision precision = null;
        String p = text(node, "precision", prefix, where);
        if (p != null) {
            try {
                precision = OnnxOptions.Precision.valueOf(p.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(where + ": '" + prefix + "precision' is '" + p
                        + "'; expected fp32, fp16 or int8 (bert models on the CPU)");
            }
        }
        List<Integer> batchBuckets = buckets(node, "batchBuckets", prefix, where, OnnxOptions.MAX_BATCH_SIZE);
        List<Integer> sequenceBuckets = buckets(node, "sequenceBuckets", prefix, where,
                OnnxOptions.MAX_SEQUENCE_LENGTH);
        return new SlotConfig(name, dir, m, device, f, integer(node, "threads", prefix, where, Checks.MAX_THREADS),
                integer(node, "batchSize", prefix, where, OnnxOptions.MAX_BATCH_SIZE),
                integer(node, "tokenBudget", prefix, where, OnnxOptions.MAX_TOKEN_BUDGET),
                integer(node, "decodeThreads", prefix, where, Checks.MAX_THREADS), cuda(node, prefix + "cuda.", where),
                batchBuckets, sequenceBuckets, precision);
    }

    private static CudaOptions cuda(JsonNode slot, String prefix, String where) {
        JsonNode node = object(slot, "cuda", where);
        checkKeys(node, CUDA, prefix, where);
        CudaOptions.Builder b = CudaOptions.builder();
        String key = null;
        try {
            key = "convAlgoSearch";
            String search = text(node, key, prefix, where);
            if (search != null) {
                b.convAlgoSearch(search);
            }
            key = "arenaExtendStrategy";
            String arena = text(node, key, prefix, where);
            if (arena != null) {
                b.arenaExtendStrategy(CudaOptions.ArenaExtendStrategy.parse(arena));
            }
        } catch (InvalidInputException e) {
            throw new InvalidInputException(where + ": '" + prefix + key + "': " + e.getMessage(), e);
        }
        Long memLimitMb = number(node, "memLimitMb", prefix, where, Long.MAX_VALUE >> 20);
        if (memLimitMb != null) {
            b.memoryLimitMb(memLimitMb);
        }
        if (node.has("copyInDefaultStream")) {
            JsonNode v = node.get("copyInDefaultStream");
            if (!v.isBoolean()) {
                throw new InvalidInputException(where + ": '" + prefix + "copyInDefaultStream' is " + v
                        + "; expected true or false");
            }
            b.copyInDefaultStream(v.asBoolean());
        }
        return b.build();
    }

    /** A list of bucket sizes: integers from 1 to {@code max}, strictly ascending. */
    private static List<Integer> buckets(JsonNode node, String key, String prefix, String where, int max) {
        List<Integer> sizes = integers(node, key, prefix, where, max);
        for (int i = 1; i < sizes.size(); i++) {
            if (sizes.get(i) <= sizes.get(i - 1)) {
                throw new InvalidInputException(where + ": '" + prefix + key + "' is " + sizes
                        + "; expected strictly ascending sizes");
            }
        }
        return sizes;
    }

    private static List<Integer> integers(JsonNode node, String key, String prefix, String where, int max) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray() || v.isEmpty()) {
            throw new InvalidInputException(where + ": '" + prefix + key + "' is " + v
                    + "; expected an array of positive integers, e.g. [8, 16, 32, 64]");
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            out.add((int) inRange(v.get(i), where + ": '" + prefix + key + "[" + i + "]'", max));
        }
        return out;
    }

    private static void requireModel(Path dir, String what) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(what + ": model directory " + dir + " does not exist");
        }
    }

    private static void checkKeys(JsonNode node, Set<String> known, String prefix, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw new InvalidInputException(where + ": unknown key '" + prefix + key + "'; expected one of "
                        + known.stream().sorted().toList());
            }
        }
    }

    private static JsonNode object(JsonNode parent, String key, String where) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            return JsonNodeFactory.instance.objectNode();
        }
        if (!node.isObject()) {
            throw new InvalidInputException(where + ": '" + key + "' must be an object");
        }
        return node;
    }

    private static String text(JsonNode node, String key, String prefix, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidInputException(where + ": '" + prefix + key + "' must be a string");
        }
        return v.asText();
    }

    /** The integer at {@code key}, 1 to {@code max}; null when absent. */
    private static Integer integer(JsonNode node, String key, String prefix, String where, int max) {
        Long v = number(node, key, prefix, where, max);
        return v == null ? null : v.intValue();
    }

    /** The integer at {@code key}, 1 to {@code max}; null when absent. */
    private static Long number(JsonNode node, String key, String prefix, String where, long max) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        return inRange(v, where + ": '" + prefix + key + "'", max);
    }

    /**
     * {@code v} as a whole number from 1 to {@code max}. The range is the one its setter takes, checked here so the
     * message names the key in the file rather than the setter.
     */
    private static long inRange(JsonNode v, String name, long max) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new InvalidInputException(name + " is " + v + "; expected a whole number from 1 to " + max);
        }
        return Checks.inRange(name, v.asLong(), 1, max);
    }
}
