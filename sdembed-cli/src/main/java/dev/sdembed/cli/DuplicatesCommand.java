package dev.sdembed.cli;

import dev.sdembed.encoder.Modality;
import dev.sdembed.runtime.JsonViews;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.SlotSpec;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "duplicates", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed duplicates --threshold 0.97"},
        description = {"Groups near-identical indexed images (by an image slot, else by prompt in a text slot),"
                + " largest group first.",
                "Prints each group with its size, its lowest similarity between linked images and its files;"
                        + " --json: one JSON object per group: {\"size\", \"lowestLink\", \"paths\"}."})
public final class DuplicatesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--threshold", paramLabel = "SIMILARITY", defaultValue = "0.95",
            description = "Least cosine similarity that links two images, in (0, 1] (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--neighbours", paramLabel = "N", defaultValue = "10",
            description = "Nearest neighbours examined per image, 1 to 100 (default: ${DEFAULT-VALUE}).")
    int neighbours;

    @Option(names = "--json", description = "One JSON object per group instead of the readable lines.")
    boolean json;

    @Option(names = "--slot", paramLabel = "NAME", description = "The slot compared (default: the first image slot,"
            + " else the first text slot).")
    String slot;

    @Override
    public Integer call() {
        try (StoreSession session = StoreSession.open(storeOptions)) {
            SlotSpec s = session.comparedSlot(slot, "duplicates");
            List<DuplicateGroup> groups = session.store.nearDuplicates(NearDuplicateRequest.of(s.name())
                    .withThreshold(threshold).withNeighbours(neighbours));
            PrintWriter out = spec.commandLine().getOut();
            if (!json) {
                out.printf(Locale.ROOT, "%d groups of images at least %.3f similar by slot %s%s%n", groups.size(),
                        threshold, StoreSession.describe(s), s.modality() == Modality.TEXT
                                ? " (their prompts: no image slot compared)" : "");
            }
            int number = 0;
            for (DuplicateGroup g : groups) {
                if (!json) {
                    out.printf(Locale.ROOT, "%3d  %d images, lowest link %.4f%n", ++number, g.members().size(),
                            g.lowestLink());
                    g.members().forEach(m -> out.println("       " + StoreSession.displayPath(m.path())));
                    continue;
                }
                out.println(Json.line(JsonViews.group(g)));
            }
            out.flush();
        }
        return ExitCodes.OK;
    }
}
