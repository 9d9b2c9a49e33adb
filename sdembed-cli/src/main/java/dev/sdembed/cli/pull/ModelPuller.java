package dev.sdembed.cli.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sdembed.ModelLoadException;
import dev.sdembed.cli.pull.PullPlan.Role;
import dev.sdembed.cli.pull.PullPlan.Tower;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.hub.HubClient;
import dev.sdembed.hub.HubFile;
import dev.sdembed.hub.HubListing;
import dev.sdembed.onnx.ClipTokenizer;
import dev.sdembed.onnx.ModelDirectory;
import dev.sdembed.onnx.ModelManifest;
import dev.sdembed.onnx.ModelVerifier;
import dev.sdembed.onnx.clip.ClipTokenizerJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Pulls a model from the Hugging Face Hub into sdembed model directories: lists the revision, plans from the layout
 * what to take ({@link RepoLayouts}), fetches the graphs and their small files from that commit, then the
 * external-data files the graphs name, and builds each directory beside its target ({@link StagedDirectory}): files
 * hard-linked from the cache (else copied), a tokenizer.json converted where the repository has only BPE files,
 * Immich's preprocessing turned into {@code preprocessor_config.json}, and an {@code sdembed.json} with the kind,
 * dimension, pad id, embedding space and where every file came from. Each directory is then loaded as
 * {@code sdembed models verify} loads it, and only when all pass does the new directory replace the target, in one
 * rename.
 */
public final class ModelPuller {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One directory a pull wrote.
     *
     * @param files the files in it, sdembed.json included
     * @param bytes their total size
     */
    public record PulledDirectory(Path path, String name, String kind, Integer dimension, String embeddingSpace,
                                  int files, long bytes) {
    }

    /**
     * What a pull did.
     *
     * @param target          the directory written (for a pair, the one holding {@code text/} and {@code vision/})
     * @param bytes           the repository files' total size
     * @param downloadedBytes how much of it was downloaded now, the rest coming from the cache
     */
    public record Result(PullSource source, String commit, String layout, Path target,
                         List<PulledDirectory> directories, long bytes, long downloadedBytes) {
    }

    private final HubClient client;
    private final boolean verify;

    /** @param verify whether every directory is loaded before it replaces the target */
    public ModelPuller(HubClient client, boolean verify) {
        this.client = Objects.requireNonNull(client, "client");
        this.verify = verify;
    }

    public Result pull(PullSource source, String revision, Path target) {
        HubListing listing = client.listing(source.repo(), revision);
        PullPlan plan = RepoLayouts.plan(source, listing);
        Map<String, HubFile> files = new LinkedHashMap<>();
        client.snapshot(listing, plan.files()::contains).files().forEach(f -> files.put(f.path(), f));
        Map<Tower, List<String>> external = new LinkedHashMap<>();
        Set<String> data = new LinkedHashSet<>();
        for (Tower tower : plan.towers()) {
            List<String> paths = externalData(tower, files.get(tower.graph()), listing);
            external.put(tower, paths);
            data.addAll(paths);
        }
        data.removeAll(files.keySet());
        if (!data.isEmpty()) {
            client.snapshot(listing, data::contains).files().forEach(f -> files.put(f.path(), f));
        }
        List<PulledDirectory> written = new ArrayList<>();
        try (StagedDirectory staged = StagedDirectory.create(target)) {
            List<Path> built = new ArrayList<>();
            for (Tower tower : plan.towers()) {
                Path dir = tower.dirName().isEmpty() ? staged.root() : staged.root().resolve(tower.dirName());
                build(dir, tower, external.get(tower), files, source, listing, plan.layout());
                built.add(dir);
            }
            if (verify) {
                for (Path dir : built) {
                    requireLoads(dir, source, listing);
                }
            }
            staged.commit();
            for (int i = 0; i < built.size(); i++) {
                Tower tower = plan.towers().get(i);
                Path dir = tower.dirName().isEmpty() ? staged.target() : staged.target().resolve(tower.dirName());
                written.add(describe(dir));
            }
        }
        long bytes = files.values().stream().mapToLong(HubFile::size).sum();
        long downloaded = files.values().stream().filter(f -> !f.fromCache()).mapToLong(HubFile::size).sum();
        return new Result(source, listing.commit(), plan.layout(), target.toAbsolutePath().normalize(), written, bytes,
                downloaded);
    }

    /** The repository paths of the external-data files {@code graph} names, each checked to be in the commit. */
    private static List<String> externalData(Tower tower, HubFile graph, HubListing listing) {
        List<String> paths = new ArrayList<>();
        for (String location : ModelDirectory.externalDataLocations(graph.localPath())) {
            String path = normalise(tower.graphFolder() + location);
            if (path == null || !path.startsWith(tower.graphFolder()) || !listing.has(path)) {
                throw new ModelLoadException(listing.repoId() + " at commit " + listing.commit() + ": "
                        + tower.graph() + " keeps weights in '" + location + "', which the repository does not have"
                        + " beside it; the export is incomplete");
            }
            paths.add(path);
        }
        return paths;
    }

    private void build(Path dir, Tower tower, List<String> external, Map<String, HubFile> files, PullSource source,
                       HubListing listing, String layout) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + dir + ": " + e.getMessage(), e);
        }
        Map<String, ModelManifest.SourceFile> provenance = new LinkedHashMap<>();
        take(files.get(tower.graph()), dir, ModelDirectory.MODEL_FILE, provenance);
        for (String path : external) {
            take(files.get(path), dir, path.substring(tower.graphFolder().length()), provenance);
        }
        tower.copies().forEach((name, path) -> take(files.get(path), dir, name, provenance));
        if (tower.vocab() != null) {
            String pad = padToken(tower.tokenizerConfig() == null ? null
                    : files.get(tower.tokenizerConfig()).localPath());
            Path written = ClipTokenizerJson.writeFromHuggingFaceFiles(files.get(tower.vocab()).localPath(),
                    files.get(tower.merges()).localPath(), dir, pad);
            provenance.put(ModelDirectory.TOKENIZER_FILE, written(written, "converted from " + tower.vocab() + " + "
                    + tower.merges() + " (pad token " + pad + ")"));
        }
        if (tower.immichPreprocess() != null) {
            Path out = dir.resolve(ModelDirectory.PREPROCESSOR_CONFIG_FILE);
            write(out, ImmichPreprocess.toPreprocessorConfig(files.get(tower.immichPreprocess()).localPath()));
            provenance.put(ModelDirectory.PREPROCESSOR_CONFIG_FILE, written(out, "converted from "
                    + tower.immichPreprocess()));
        }
        ObjectNode manifest = manifest(dir, tower, tower.config() == null ? null
                : readJson(files.get(tower.config()).localPath()), source);
        ObjectNode src = manifest.putObject("source");
        src.put("repository", listing.repoId());
        src.put("revision", listing.revision());
        src.put("commit", listing.commit());
        src.put("layout", layout);
        src.put("pulled_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        ObjectNode filesNode = src.putObject("files");
        provenance.forEach((name, f) -> {
            ObjectNode n = filesNode.putObject(name);
            n.put("from", f.from());
            n.put("sha256", f.sha256());
            n.put("size", f.size());
        });
        write(dir.resolve(ModelManifest.FILE_NAME), manifest);
    }

    private static void take(HubFile file, Path dir, String name, Map<String, ModelManifest.SourceFile> provenance) {
        StagedDirectory.linkOrCopy(file.localPath(), dir.resolve(name));
        provenance.put(name, new ModelManifest.SourceFile(file.path(), file.sha256(), file.size()));
    }

    private static ModelManifest.SourceFile written(Path file, String from) {
        try {
            return new ModelManifest.SourceFile(from, ContentHash.ofFile(file).hex(), Files.size(file));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** kind, name, dimension, embedding space, the pad id a CLIP tokenizer resolves, BGE's settings. */
    private static ObjectNode manifest(Path dir, Tower tower, JsonNode config, PullSource source) {
        ModelCatalogue.Entry entry = source.entry();
        ObjectNode m = JSON.createObjectNode();
        String kind = tower.role().kind();
        if (kind == null && config != null) {
            kind = kindOf(config.path("model_type").asText(""));
        }
        if (kind != null) {
            m.put("kind", kind);
        }
        m.put("name", tower.name());
        // The repository's own config first (the graph is checked against it by the load), the catalogue's else.
        Integer dimension = dimension(config, kind);
        if (dimension == null && entry != null) {
            dimension = entry.dimension();
        }
        if (dimension != null) {
            m.put("dimension", dimension);
        }
        if (entry != null && entry.bge()) {
            m.put("pooling", "cls");
            m.put("max_length", 512);
            m.put("query_instruction", ModelCatalogue.BGE_QUERY_INSTRUCTION);
        }
        int context = config == null ? 77 : config.path("text_cfg").path("context_length").asInt(77);
        if (tower.role() == Role.CLIP_TEXT) {
            if (context != 77) {
                m.put("max_length", context);
            }
            try (ClipTokenizer tokenizer = ClipTokenizer.open(dir)) {
                m.put("pad_token_id", tokenizer.padId());
            }
        }
        if (tower.role() == Role.CLIP_TEXT || tower.role() == Role.CLIP_VISION) {
            // Both towers of a pair name the same space, so text-to-image search may compare them.
            m.put("embedding_space", entry != null && entry.embeddingSpace() != null ? entry.embeddingSpace()
                    : "hf:" + source.repo().toLowerCase(java.util.Locale.ROOT));
        }
        return m;
    }

    private static String kindOf(String modelType) {
        return switch (modelType) {
            case "bert", "roberta", "xlm-roberta", "distilbert", "mpnet", "nomic_bert" -> "bert";
            case "clip_text_model" -> "clip-text";
            case "clip_vision_model" -> "clip-vision";
            default -> null;
        };
    }

    /** OpenCLIP's {@code embed_dim}, else transformers' {@code projection_dim} (CLIP) or {@code hidden_size}. */
    private static Integer dimension(JsonNode config, String kind) {
        if (config == null) {
            return null;
        }
        for (String field : "bert".equals(kind) ? List.of("hidden_size") : List.of("embed_dim", "projection_dim")) {
            if (config.path(field).isInt()) {
                return config.get(field).intValue();
            }
        }
        return null;
    }

    /** The pad token a {@code tokenizer_config.json} names (a string or {@code {"content": …}}), else CLIP's end token. */
    private static String padToken(Path tokenizerConfig) {
        if (tokenizerConfig != null) {
            JsonNode pad = readJson(tokenizerConfig).path("pad_token");
            String content = pad.isObject() ? pad.path("content").asText(null) : pad.asText(null);
            if (content != null && !content.isEmpty()) {
                return content;
            }
        }
        return ClipTokenizerJson.DEFAULT_PAD_TOKEN;
    }

    /** Loads {@code dir} as {@code models verify} does; every problem refuses the pull, naming the repository. */
    private static void requireLoads(Path dir, PullSource source, HubListing listing) {
        ModelVerifier.Report report = ModelVerifier.verify(dir);
        if (!report.ok()) {
            throw new ModelLoadException("The pull of " + source.describe() + " at commit " + listing.commit()
                    + " was refused, nothing was written: the model does not load as sdembed expects: "
                    + report.problems().stream().map(p -> "[" + p.check() + "] " + p.message())
                    .collect(Collectors.joining("; ")));
        }
    }

    private static PulledDirectory describe(Path dir) {
        ModelManifest manifest;
        try {
            manifest = ModelDirectory.open(dir).manifest();
        } catch (RuntimeException e) {
            throw new ModelLoadException("The pulled directory " + dir + " does not open: " + e.getMessage(), e);
        }
        long bytes = 0;
        int count = 0;
        try (var all = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                bytes += Files.size(f);
                count++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
        return new PulledDirectory(dir, manifest.name(), manifest.kind(), manifest.dimension(),
                manifest.embeddingSpace(), count, bytes);
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read " + file + " as JSON: " + e.getMessage(), e);
        }
    }

    private static void write(Path file, JsonNode json) {
        try {
            JSON.writeValue(file.toFile(), json);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code a/b/../c} to {@code a/c}; null when it climbs out of the repository. */
    private static String normalise(String path) {
        List<String> out = new ArrayList<>();
        for (String segment : path.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (out.isEmpty()) {
                    return null;
                }
                out.remove(out.size() - 1);
            } else {
                out.add(segment);
            }
        }
        return String.join("/", out);
    }
}
