package dev.sdembed.onnx;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.ModelLoadException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.io.JsonTrees;
import dev.sdembed.onnx.internal.OnnxModelHeader;
import dev.sdembed.onnx.internal.graph.Int8Quantization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A model directory as sdembed expects it: {@code model.onnx} (with its external-data files, if any), the
 * tokenizer ({@code tokenizer.json}) for text models, optionally Hugging Face's {@code config.json} and
 * {@code preprocessor_config.json}, and optionally an {@link ModelManifest sdembed.json} manifest.
 *
 * <p>Opening checks that the files exist and that the manifest parses; it does not load the graph.
 */
public final class ModelDirectory {
    public static final String MODEL_FILE = "model.onnx";
    /** The optional fp16 variant beside {@link #MODEL_FILE}, loaded under {@link OnnxOptions.Precision#FP16}. */
    public static final String FP16_MODEL_FILE = "model_fp16.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String CONFIG_FILE = "config.json";
    public static final String PREPROCESSOR_CONFIG_FILE = "preprocessor_config.json";

    private final Path path;
    private final ModelManifest manifest;
    private volatile String fingerprint;
    private volatile String fp16Fingerprint;

    private ModelDirectory(Path path, ModelManifest manifest) {
        this.path = path;
        this.manifest = manifest;
    }

    /** Opens {@code dir}, failing with a message naming the missing file or the bad manifest key. */
    public static ModelDirectory open(Path dir) {
        if (dir == null) {
            throw new ModelLoadException("Model directory is null");
        }
        Path path = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(path)) {
            throw new ModelLoadException("Model directory " + path + " does not exist"
                    + (Files.exists(path) ? " (it is a file; pass the folder that holds model.onnx)" : ""));
        }
        Path model = path.resolve(MODEL_FILE);
        if (!Files.isRegularFile(model)) {
            throw new ModelLoadException("Model directory " + path + " has no " + MODEL_FILE + " (found: "
                    + listing(path) + "). Export the model to ONNX as " + MODEL_FILE + " in that folder.");
        }
        return new ModelDirectory(path, readManifest(path.resolve(ModelManifest.FILE_NAME)));
    }

    public Path path() {
        return path;
    }

    public Path modelFile() {
        return path.resolve(MODEL_FILE);
    }

    /**
     * The graph to load at {@code precision}: {@link #MODEL_FILE}, or for FP16 {@link #FP16_MODEL_FILE}, failing
     * with a message naming the directory when the variant is missing.
     */
    public Path modelFile(OnnxOptions.Precision precision) {
        if (precision != OnnxOptions.Precision.FP16) {
            return modelFile();
        }
        Path fp16 = path.resolve(FP16_MODEL_FILE);
        if (!Files.isRegularFile(fp16)) {
            throw new ModelLoadException("Model directory " + path + " has no " + FP16_MODEL_FILE + " (found: "
                    + listing(path) + ") for precision fp16. Export one beside " + MODEL_FILE + ", or point the slot"
                    + " at an fp16 export's own folder (export scripts: --fp16) with precision fp32.");
        }
        return fp16;
    }

    /**
     * {@link #fingerprint(OnnxOptions.Precision)}, kept between processes in {@code modelCache}
     * ({@link OnnxOptions#modelCache()}; null: computed) while the model's files keep their identity.
     */
    public String fingerprint(OnnxOptions.Precision precision, Path modelCache) {
        if (precision == OnnxOptions.Precision.INT8) {
            return int8(fingerprint(OnnxOptions.Precision.FP32, modelCache));
        }
        if (modelCache == null) {
            return fingerprint(precision);
        }
        return WeightFingerprints.of(modelFile(precision), modelCache, () -> fingerprint(precision));
    }

    /**
     * The fingerprint of the int8 rewrite of weights whose fingerprint is {@code fp32}: a SHA-256 over it and the
     * rewrite's version, so int8 and fp32 embeddings never share a slot, and a rewrite that embeds differently gets a
     * new one ({@link Int8Quantization#VERSION}).
     */
    private static String int8(String fp32) {
        MessageDigest digest = ContentHash.sha256();
        digest.update((fp32 + "\n" + Int8Quantization.VERSION).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    /** {@link #fingerprint()} of the weights loaded at {@code precision}: fp16 and int8 weights embed differently. */
    public String fingerprint(OnnxOptions.Precision precision) {
        if (precision == OnnxOptions.Precision.INT8) {
            return int8(fingerprint());
        }
        if (precision != OnnxOptions.Precision.FP16) {
            return fingerprint();
        }
        String f = fp16Fingerprint;
        if (f == null) {
            f = computeFingerprint(modelFile(precision));
            fp16Fingerprint = f;
        }
        return f;
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /** The display name: the manifest's {@code name}, else the directory name. */
    public String name() {
        return manifest.name() != null ? manifest.name() : path.getFileName().toString();
    }

    /** {@code tokenizer.json}, failing with a message that names the directory and what it holds. */
    public Path requireTokenizer() {
        return requireTokenizer(path);
    }

    static Path requireTokenizer(Path path) {
        Path tokenizer = path.resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(tokenizer)) {
            throw new ModelLoadException("Model directory " + path + " has no " + TOKENIZER_FILE + " (found: "
                    + listing(path) + "). Export it with the model"
                    + " (for CLIP vocabularies: sdembed models clip-tokenizer).");
        }
        return tokenizer;
    }

    /** Hugging Face's {@code config.json}, when present. */
    public Optional<JsonNode> config() {
        return readJson(CONFIG_FILE);
    }

    /** Hugging Face's {@code preprocessor_config.json}, when present. */
    public Optional<JsonNode> preprocessorConfig() {
        return readJson(PREPROCESSOR_CONFIG_FILE);
    }

    /**
     * SHA-256 (hex) of the model's weights: {@code model.onnx} followed by every external-data file its initializers
     * reference (one {@code model.onnx_data}, or one file per tensor as large torch exports write them), in file-name
     * order; a model without external data is the SHA-256 of {@code model.onnx} alone. Computed once.
     */
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            f = computeFingerprint(modelFile());
            fingerprint = f;
        }
        return f;
    }

    /**
     * The external-data files {@code model} references (torch.onnx writes one per tensor for large towers, optimum one
     * {@code model.onnx_data}), read from its protobuf without loading it: their locations relative to the model's
     * folder, in name order; empty when every weight is inside the file.
     *
     * @throws ModelLoadException when the file cannot be read as an ONNX model
     */
    public static List<String> externalDataLocations(Path model) {
        return OnnxModelHeader.read(model).externalFiles().stream().sorted().toList();
    }

    /**
     * The external-data files {@code model} references, as paths. A graph that cannot be read as a model has none
     * here; loading it reports why.
     */
    static List<Path> externalDataFiles(Path model) {
        List<String> locations;
        try {
            locations = externalDataLocations(model);
        } catch (ModelLoadException e) {
            return List.of();
        }
        Path dir = model.toAbsolutePath().getParent();
        return locations.stream().map(location -> dir.resolve(location).normalize()).toList();
    }

    private String computeFingerprint(Path model) {
        List<Path> files = new ArrayList<>();
        files.add(model);
        for (Path data : externalDataFiles(model)) {
            if (!data.startsWith(path) || !Files.isRegularFile(data)) {
                throw new ModelLoadException("Model " + model + " keeps weights in external-data file " + data
                        + ", which is missing" + (data.startsWith(path) ? "" : " or outside " + path)
                        + ". Copy every file the export wrote beside " + model.getFileName() + ".");
            }
            files.add(data);
        }
        if (files.size() == 1) {
            return ContentHash.ofFile(model).hex();
        }
        MessageDigest digest = ContentHash.sha256();
        byte[] buffer = new byte[1 << 16];
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            } catch (IOException e) {
                throw new ModelLoadException("Cannot read model file " + file + ": " + e.getMessage(), e);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private Optional<JsonNode> readJson(String fileName) {
        Path file = path.resolve(fileName);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JsonTrees.read(file));
        } catch (IOException e) {
            throw new ModelLoadException("Cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code file} parsed as a manifest; {@link ModelManifest#EMPTY} when there is no such file. */
    static ModelManifest readManifest(Path file) {
        if (!Files.isRegularFile(file)) {
            return ModelManifest.EMPTY;
        }
        JsonNode root;
        try {
            root = JsonTrees.read(file);
        } catch (IOException e) {
            throw new ModelLoadException("Cannot parse manifest " + file + ": "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
        if (root.isMissingNode()) {
            throw new ModelLoadException("Cannot parse manifest " + file + ": the file is empty; expected a JSON"
                    + " object (or delete the file)");
        }
        return ManifestJson.read(root, file);
    }

    static String listing(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted().toList();
            return names.isEmpty() ? "nothing" : String.join(", ", names);
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    @Override
    public String toString() {
        return "ModelDirectory[" + path + "]";
    }
}
