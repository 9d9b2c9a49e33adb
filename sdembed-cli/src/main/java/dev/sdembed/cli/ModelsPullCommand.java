package dev.sdembed.cli;

import dev.sdembed.InvalidInputException;
import dev.sdembed.cli.pull.ModelCatalogue;
import dev.sdembed.cli.pull.ModelPuller;
import dev.sdembed.cli.pull.PullProgress;
import dev.sdembed.cli.pull.PullSource;
import dev.sdembed.hub.HubClient;
import dev.sdembed.runtime.DefaultPaths;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sdembed models pull NAME}: a published ONNX model from the Hugging Face Hub into model directories. */
@Command(name = "pull", mixinStandardHelpOptions = true, sortOptions = false,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed models pull --list", "  sdembed models pull clip-vit-h-14", "  sdembed models pull hf:BAAI/bge-large-en-v1.5 --dir models/bge-large"},
        description = {"Downloads a model from the Hugging Face Hub into model directories that embed-text,"
                + " embed-image, index and models verify take as they are: files from one commit, checked against"
                + " the Hub's sizes and SHA-256, kept in the Hugging Face cache (HF_HUB_CACHE, else $HF_HOME/hub, else"
                + " ~/.cache/huggingface/hub) and hard-linked (else copied) into the directory, with an sdembed.json"
                + " recording the kind, dimension, pad id, embedding space and where every file came from.",
                "NAME is one of the catalogue's (--list): bge-large-en-v1.5, bge-small-en-v1.5, clip-vit-l-14,"
                        + " clip-vit-h-14, clip-vit-bigg-14-text, clip-vit-b-32; or hf:ORG/REPO[/SUBFOLDER] for any"
                        + " repository in a layout sdembed reads (an optimum/Hugging Face ONNX export, Immich's"
                        + " textual/ + visual/ OpenCLIP exports, a diffusers text_encoder*/ with its tokenizer*/).",
                "A CLIP pair (clip-vit-l-14, clip-vit-h-14, clip-vit-b-32, an Immich repository) becomes two"
                        + " directories, DIR/text and DIR/vision, sharing one embedding_space; every other model"
                        + " becomes DIR itself. The directory is built beside DIR and moved there in one rename once"
                        + " it loads: a failed pull leaves DIR as it was.",
                "Environment: HF_ENDPOINT (a mirror), HF_TOKEN (gated repositories; sent to the Hub only, never"
                        + " logged), HF_HUB_CACHE / HF_HOME, HF_HUB_OFFLINE=1 (as --offline)."})
public final class ModelsPullCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "A catalogue name or hf:ORG/REPO[/SUBFOLDER].")
    String name;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where the model goes (a pair: DIR/text and"
            + " DIR/vision). Default: models/NAME of the project (for hf: the repository's name, lower case).")
    Path dir;

    @Option(names = "--revision", paramLabel = "REV", defaultValue = HubClient.DEFAULT_REVISION,
            description = "Branch, tag or commit (default: ${DEFAULT-VALUE}).")
    String revision;

    @Option(names = "--offline", description = "Use the Hugging Face cache only, as HF_HUB_OFFLINE=1; fails naming"
            + " every file the cache lacks.")
    boolean offline;

    @Option(names = "--no-verify", description = "Do not load the model before moving it into place (saves a load of"
            + " the largest towers: seconds and their size in memory).")
    boolean noVerify;

    @Option(names = "--json", description = "Print the summary as one JSON object.")
    boolean json;

    @Option(names = "--list", description = "List the catalogue: names, repositories, download sizes, licenses.")
    boolean list;

    /** Where HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, HF_HOME and HF_HUB_OFFLINE are read; tests swap it. */
    Function<String, String> environment = System::getenv;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            printCatalogue(out);
            return ExitCodes.OK;
        }
        if (name == null) {
            throw new InvalidInputException("Name the model to pull: one of " + ModelCatalogue.names()
                    + ", or hf:ORG/REPO[/SUBFOLDER] (sdembed models pull --list)");
        }
        PullSource source = PullSource.parse(name);
        Path target = dir != null ? dir : DefaultPaths.models().resolve(source.defaultDirectoryName());
        PrintWriter err = spec.commandLine().getErr();
        HubClient.Builder client = HubClient.builder().environment(environment)
                .listener(new PullProgress(err, System.console() != null, System::nanoTime));
        if (offline) {
            client.offline(true);
        }
        ModelPuller.Result result = new ModelPuller(client.build(), !noVerify).pull(source, revision, target);
        if (json) {
            out.println(Json.line(toJson(result)));
        } else {
            printSummary(out, result);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static void printSummary(PrintWriter out, ModelPuller.Result r) {
        long cached = r.bytes() - r.downloadedBytes();
        out.println("Pulled " + r.source().describe() + " at commit " + r.commit() + " (" + r.layout() + "): "
                + PullProgress.bytes(r.bytes()) + ", " + PullProgress.bytes(r.downloadedBytes()) + " downloaded"
                + (cached > 0 ? ", " + PullProgress.bytes(cached) + " from the Hugging Face cache" : ""));
        int width = r.directories().stream().mapToInt(d -> d.path().toString().length()).max().orElse(0);
        for (ModelPuller.PulledDirectory d : r.directories()) {
            out.println("  " + String.format("%-" + width + "s", d.path()) + "  " + (d.kind() == null ? "detected"
                    : d.kind()) + (d.dimension() == null ? "" : ", " + d.dimension() + "-d")
                    + (d.embeddingSpace() == null ? "" : ", space " + d.embeddingSpace()) + ", " + d.files()
                    + " files, " + PullProgress.bytes(d.bytes()));
        }
        out.println("Use it with --model-dir DIR, or as a slot's \"model\" in a --config file (sdembed init writes one).");
    }

    private static Map<String, Object> toJson(ModelPuller.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.source().describe());
        m.put("repository", r.source().repo());
        m.put("commit", r.commit());
        m.put("layout", r.layout());
        m.put("target", r.target().toString());
        m.put("bytes", r.bytes());
        m.put("downloaded_bytes", r.downloadedBytes());
        List<Map<String, Object>> dirs = new ArrayList<>();
        for (ModelPuller.PulledDirectory d : r.directories()) {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("path", d.path().toString());
            dm.put("name", d.name());
            dm.put("kind", d.kind());
            dm.put("dimension", d.dimension());
            dm.put("embedding_space", d.embeddingSpace());
            dm.put("files", d.files());
            dm.put("bytes", d.bytes());
            dirs.add(dm);
        }
        m.put("directories", dirs);
        return m;
    }

    private static void printCatalogue(PrintWriter out) {
        for (ModelCatalogue.Entry e : ModelCatalogue.entries()) {
            out.println(e.name());
            out.println("    " + e.summary());
            out.println("    from " + e.source() + ", about " + e.download() + "; license: " + e.license());
        }
        out.println("Any other repository in a supported layout: hf:ORG/REPO[/SUBFOLDER].");
        out.flush();
    }
}
