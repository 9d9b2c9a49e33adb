package dev.sdembed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.runtime.DefaultPaths;
import dev.sdembed.runtime.SdembedConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sdembed init}: a configuration file for the pulled models, devices assigned as the seed assigns them.
 */
@Command(name = "init", mixinStandardHelpOptions = true, sortOptions = false,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed init --gpus 2", "  sdembed init --preset cpu -o sdembed.json --store postgresql://sdembed@localhost:5432/sdembed"},
        description = {"Writes a configuration file (the --config format of index, search, similar, duplicates,"
                + " stats and doctor) whose slots point at the directories sdembed models pull writes.",
                "--preset full (the default), the seed's set: prompts and negative prompts through BGE-large"
                        + " (prompt_bge), CLIP ViT-L/14 text (prompt_clip_l) and OpenCLIP ViT-bigG/14 text"
                        + " (prompt_clip_g), pixels through OpenCLIP ViT-H/14 vision (image_clip_h). --gpus 2 puts"
                        + " BGE-large and ViT-H on cuda:0, CLIP-L and bigG on cuda:1; --gpus 1 all on cuda:0;"
                        + " --gpus 0 all on the CPU. --text-to-image adds ViT-H's text tower (prompt_clip_h), the"
                        + " query encoder search --mode image needs.",
                "--preset cpu, for machines without a GPU: BGE-small for prompts, CLIP ViT-B/32 text and vision"
                        + " (text-to-image search included), all on the CPU.",
                "Models not pulled yet are listed with the command that pulls them."})
public final class InitCommand implements Callable<Integer> {

    enum Preset { FULL, CPU }

    /** One slot of a preset: its model directory under the models folder and the catalogue name that pulls it. */
    private record Slot(String name, String model, String pull, int gpu, boolean image) {
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = "full",
            description = "full (the seed's four encoders) or cpu (BGE-small and CLIP ViT-B/32). Default: ${DEFAULT-VALUE}.")
    Preset preset;

    @Option(names = "--gpus", paramLabel = "N", defaultValue = "0",
            description = "GPUs to spread the full preset over: 0 (CPU), 1 or 2. Default: ${DEFAULT-VALUE}.")
    int gpus;

    @Option(names = "--text-to-image", description = "Full preset: add ViT-H's text tower (prompt_clip_h) so that"
            + " search --mode image has a query encoder in the image slot's space.")
    boolean textToImage;

    @Option(names = "--models", paramLabel = "DIR", description = "The folder models pull wrote into. Default: the"
            + " project's models/.")
    Path models;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", defaultValue = "sdembed-config.json",
            description = "The file to write. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--store", paramLabel = "URL", description = "store.url of the file: a folder or postgresql://…"
            + " (default: none, so the embedded store in ./sdembed-data).")
    String store;

    @Option(names = "--force", description = "Overwrite FILE when it exists.")
    boolean force;

    @Override
    public Integer call() {
        Checks.inRange("--gpus", gpus, 0, 2);
        if (preset == Preset.CPU && gpus > 0) {
            throw new InvalidInputException("--preset cpu runs on the CPU; drop --gpus " + gpus + " or use --preset full");
        }
        if (preset == Preset.CPU && textToImage) {
            throw new InvalidInputException("--text-to-image is for --preset full; the cpu preset has ViT-B/32's text"
                    + " tower already");
        }
        Path file = out.toAbsolutePath().normalize();
        if (Files.exists(file) && !force) {
            throw new InvalidInputException("Configuration " + file + " exists; pass --force to overwrite it or -o to"
                    + " write another file");
        }
        Path modelsDir = (models != null ? models : DefaultPaths.models()).toAbsolutePath().normalize();
        List<Slot> slots = slots();
        // Made here, not in a static field: picocli creates every command to build the command line, and an
        // ObjectMapper made then cost every command (--version too) ~40 ms of start.
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        if (store != null) {
            root.putObject("store").put("url", store);
        }
        root.putObject("pipeline").put("batchSize", 64).put("batchesInFlight", 2);
        ObjectNode slotsNode = root.putObject("slots");
        Set<String> missing = new LinkedHashSet<>();
        for (Slot s : slots) {
            Path dir = modelsDir.resolve(s.model());
            ObjectNode n = slotsNode.putObject(s.name());
            n.put("model", relative(file.getParent(), dir));
            n.put("device", gpus == 0 ? "cpu" : "cuda:" + Math.min(s.gpu(), gpus - 1));
            if (s.image() && gpus > 0) {
                n.put("batchSize", 64);
            }
            if (!Files.isDirectory(dir)) {
                missing.add(s.pull());
            }
        }
        try {
            Files.createDirectories(file.getParent());
            json.writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
        }
        if (missing.isEmpty()) {
            // The same check index makes when it reads the file.
            SdembedConfig.read(file);
        }
        print(file, slotsNode, missing, modelsDir);
        return ExitCodes.OK;
    }

    private List<Slot> slots() {
        List<Slot> slots = new ArrayList<>();
        if (preset == Preset.CPU) {
            slots.add(new Slot("prompt_bge", "bge-small-en-v1.5", "bge-small-en-v1.5", 0, false));
            slots.add(new Slot("prompt_clip_b", "clip-vit-b-32/text", "clip-vit-b-32", 0, false));
            slots.add(new Slot("image_clip_b", "clip-vit-b-32/vision", "clip-vit-b-32", 0, true));
            return slots;
        }
        // The seed's split: the heaviest text encoder with the image encoder on one GPU, the CLIP texts on the other.
        slots.add(new Slot("prompt_bge", "bge-large-en-v1.5", "bge-large-en-v1.5", 0, false));
        slots.add(new Slot("prompt_clip_l", "clip-vit-l-14/text", "clip-vit-l-14", 1, false));
        slots.add(new Slot("prompt_clip_g", "clip-vit-bigg-14-text", "clip-vit-bigg-14-text", 1, false));
        slots.add(new Slot("image_clip_h", "clip-vit-h-14/vision", "clip-vit-h-14", 0, true));
        if (textToImage) {
            slots.add(new Slot("prompt_clip_h", "clip-vit-h-14/text", "clip-vit-h-14", 1, false));
        }
        return slots;
    }

    /** {@code dir} relative to the configuration's folder (as SdembedConfig resolves it), else absolute. */
    private static String relative(Path base, Path dir) {
        Path rel = base.relativize(dir);
        String s = rel.toString().replace(rel.getFileSystem().getSeparator(), "/");
        return s.startsWith("../../..") ? dir.toString() : s;
    }

    private void print(Path file, ObjectNode slots, Set<String> missing, Path modelsDir) {
        PrintWriter w = spec.commandLine().getOut();
        w.println("Wrote " + file + " (" + preset.name().toLowerCase(java.util.Locale.ROOT) + " preset, "
                + (gpus == 0 ? "CPU" : gpus + " GPU" + (gpus > 1 ? "s" : "")) + "):");
        slots.fields().forEachRemaining(e -> w.println("  " + String.format("%-14s", e.getKey()) + " "
                + String.format("%-7s", e.getValue().get("device").asText()) + " " + e.getValue().get("model").asText()));
        if (missing.isEmpty()) {
            w.println("Every model is there. Next: sdembed doctor --config " + file + ", then sdembed index ROOT"
                    + " --config " + file);
        } else {
            w.println("Not pulled yet into " + modelsDir + ":");
            for (String name : missing) {
                w.println("  sdembed models pull " + name);
            }
        }
        w.flush();
    }
}
