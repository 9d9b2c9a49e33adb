package dev.sdembed.cli.pull;

import dev.sdembed.InvalidInputException;
import dev.sdembed.cli.pull.PullPlan.Role;
import dev.sdembed.cli.pull.PullPlan.Tower;
import dev.sdembed.hub.HubListing;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The repository layouts a pull reads, each as its publisher writes it (checked against their code):
 *
 * <ul>
 *   <li>{@value #HF_ONNX}: a Hugging Face model repository with an ONNX export, {@code onnx/model.onnx} (BAAI's
 *       bge-*-en-v1.5, optimum's {@code optimum-cli export onnx}) or {@code model.onnx}, with {@code tokenizer.json},
 *       {@code config.json} and for vision models {@code preprocessor_config.json} beside it or at the folder's
 *       root.</li>
 *   <li>{@value #IMMICH}: Immich's OpenCLIP exports ({@code machine-learning/export} of immich-app/immich):
 *       {@code config.json} (OpenCLIP's model config, {@code embed_dim}), {@code textual/} ({@code model.onnx},
 *       {@code tokenizer.json}, {@code tokenizer_config.json}) and {@code visual/} ({@code model.onnx},
 *       {@code preprocess_cfg.json}), weights beside each graph. {@code *.armnn}, {@code fp16/} and {@code rknpu/} are
 *       for other hardware and never fetched.</li>
 *   <li>{@value #DIFFUSERS}: one text encoder of a diffusers pipeline's ONNX export ({@code text_encoder/} or
 *       {@code text_encoder_2/} with {@code model.onnx}, {@code model.onnx_data} and {@code config.json}), its
 *       tokenizer from the sibling {@code tokenizer/} or {@code tokenizer_2/}: {@code tokenizer.json} when there is
 *       one, else converted from {@code vocab.json} and {@code merges.txt}.</li>
 * </ul>
 */
public final class RepoLayouts {
    public static final String HF_ONNX = "hf-onnx";
    public static final String IMMICH = "immich-openclip";
    public static final String DIFFUSERS = "diffusers-text-encoder";

    private static final Pattern TEXT_ENCODER = Pattern.compile("(.*/)?text_encoder(_\\d+)?");
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json");

    private RepoLayouts() {
    }

    /** The plan for {@code source} from what the repository holds, or an error naming the layouts read. */
    public static PullPlan plan(PullSource source, HubListing listing) {
        String p = source.prefix();
        String base = source.defaultDirectoryName();
        boolean textual = listing.has(p + "textual/model.onnx");
        boolean visual = listing.has(p + "visual/model.onnx");
        if (textual || visual) {
            if (source.entry() != null && source.entry().embeddingSpace() != null && !(textual && visual)) {
                throw new InvalidInputException(source.describe() + " at commit " + listing.commit() + " lacks its "
                        + (textual ? "visual" : "textual") + "/model.onnx; expected Immich's text and vision towers");
            }
            List<Tower> towers = new ArrayList<>();
            if (textual) {
                towers.add(immichText(listing, p + "textual/", p + "config.json", base + "-text", "text"));
            }
            if (visual) {
                towers.add(immichVision(listing, p + "visual/", p + "config.json", base + "-vision", "vision"));
            }
            return new PullPlan(IMMICH, towers.size() == 1 ? List.of(single(towers.get(0))) : towers);
        }
        String sub = source.subfolder();
        if (sub != null && listing.has(p + "model.onnx")) {
            String parent = sub.contains("/") ? sub.substring(0, sub.lastIndexOf('/') + 1) : "";
            if (sub.equals("textual") || sub.endsWith("/textual")) {
                return new PullPlan(IMMICH, List.of(immichText(listing, p, parent + "config.json", base, "")));
            }
            if (sub.equals("visual") || sub.endsWith("/visual")) {
                return new PullPlan(IMMICH, List.of(immichVision(listing, p, parent + "config.json", base, "")));
            }
            Matcher m = TEXT_ENCODER.matcher(sub);
            if (m.matches()) {
                return new PullPlan(DIFFUSERS, List.of(diffusersText(listing, source, m, base)));
            }
        }
        List<String> encoders = listing.paths().stream()
                .filter(f -> f.startsWith(p) && f.endsWith("/model.onnx")
                        && TEXT_ENCODER.matcher(f.substring(p.length(), f.length() - "/model.onnx".length())).matches())
                .map(f -> f.substring(p.length(), f.length() - "/model.onnx".length())).toList();
        if (listing.has(p + "model_index.json") && !encoders.isEmpty()) {
            throw new InvalidInputException(source.describe() + " is a diffusers pipeline; name the text encoder to"
                    + " pull: " + String.join(" or ", encoders.stream().map(e -> "hf:" + source.repo() + "/"
                    + p + e).toList()));
        }
        String graph = listing.has(p + "onnx/model.onnx") ? p + "onnx/model.onnx"
                : listing.has(p + "model.onnx") ? p + "model.onnx" : null;
        if (graph != null) {
            return new PullPlan(HF_ONNX, List.of(hfOnnx(listing, source, graph, base)));
        }
        throw new InvalidInputException(source.describe() + " has no ONNX model in a layout sdembed reads: "
                + (p.isEmpty() ? "" : "under " + p + ", ") + "expected onnx/model.onnx or model.onnx (Hugging Face,"
                + " optimum), textual/ and visual/ with model.onnx (Immich), or text_encoder*/model.onnx beside"
                + " tokenizer*/ (diffusers). The repository has: " + sample(listing, p) + ".");
    }

    private static Tower immichText(HubListing listing, String folder, String config, String name, String dirName) {
        Map<String, String> copies = present(listing, folder, TOKENIZER_FILES);
        String vocab = null;
        String merges = null;
        if (!copies.containsKey("tokenizer.json")) {
            vocab = require(listing, folder + "vocab.json", "the text tower's tokenizer (no tokenizer.json)");
            merges = require(listing, folder + "merges.txt", "the text tower's tokenizer (no tokenizer.json)");
        }
        return new Tower(dirName, name, Role.CLIP_TEXT, folder + "model.onnx", copies, vocab, merges,
                copies.get("tokenizer_config.json"), null, listing.has(config) ? config : null);
    }

    private static Tower immichVision(HubListing listing, String folder, String config, String name, String dirName) {
        String preprocess = require(listing, folder + "preprocess_cfg.json", "the vision tower's preprocessing");
        return new Tower(dirName, name, Role.CLIP_VISION, folder + "model.onnx", Map.of(), null, null, null,
                preprocess, listing.has(config) ? config : null);
    }

    private static Tower diffusersText(HubListing listing, PullSource source, Matcher encoder, String name) {
        String p = source.prefix();
        String tokenizerFolder = (encoder.group(1) == null ? "" : encoder.group(1)) + "tokenizer"
                + (encoder.group(2) == null ? "" : encoder.group(2)) + "/";
        Map<String, String> copies = present(listing, tokenizerFolder, TOKENIZER_FILES);
        String vocab = null;
        String merges = null;
        if (!copies.containsKey("tokenizer.json")) {
            vocab = require(listing, tokenizerFolder + "vocab.json", "the tokenizer of " + source.subfolder());
            merges = require(listing, tokenizerFolder + "merges.txt", "the tokenizer of " + source.subfolder());
        }
        return new Tower("", name, Role.CLIP_TEXT, p + "model.onnx", copies, vocab, merges,
                copies.get("tokenizer_config.json"), null, listing.has(p + "config.json") ? p + "config.json" : null);
    }

    private static Tower hfOnnx(HubListing listing, PullSource source, String graph, String name) {
        String p = source.prefix();
        Map<String, String> copies = new LinkedHashMap<>();
        for (String file : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                "config.json", "preprocessor_config.json")) {
            // Beside the graph first (optimum's own folder), else at the model's root (BAAI's onnx/).
            String beside = graph.substring(0, graph.length() - "model.onnx".length()) + file;
            if (listing.has(beside)) {
                copies.put(file, beside);
            } else if (listing.has(p + file)) {
                copies.put(file, p + file);
            }
        }
        Role role = source.entry() != null && source.entry().bge() ? Role.BERT : Role.DETECT;
        return new Tower("", name, role, graph, copies, null, null, null, null, copies.get("config.json"));
    }

    private static Tower single(Tower t) {
        return new Tower("", t.name(), t.role(), t.graph(), t.copies(), t.vocab(), t.merges(), t.tokenizerConfig(),
                t.immichPreprocess(), t.config());
    }

    private static Map<String, String> present(HubListing listing, String folder, List<String> names) {
        Map<String, String> found = new LinkedHashMap<>();
        for (String name : names) {
            if (listing.has(folder + name)) {
                found.put(name, folder + name);
            }
        }
        return found;
    }

    private static String require(HubListing listing, String path, String what) {
        if (!listing.has(path)) {
            throw new InvalidInputException(listing.repoId() + " at commit " + listing.commit() + " has no " + path
                    + ", which " + what + " needs");
        }
        return path;
    }

    private static String sample(HubListing listing, String prefix) {
        List<String> paths = listing.paths().stream().filter(f -> f.startsWith(prefix)).toList();
        if (paths.isEmpty()) {
            return "nothing under " + prefix;
        }
        String shown = String.join(", ", paths.stream().limit(15).toList());
        return paths.size() > 15 ? shown + ", … (" + paths.size() + " files)" : shown;
    }
}
