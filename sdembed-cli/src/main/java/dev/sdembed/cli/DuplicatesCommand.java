package dev.sdembed.cli;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.runtime.Duplicates;
import dev.sdembed.runtime.JsonViews;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.PixelDuplicateRequest;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "duplicates", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed duplicates", "  sdembed duplicates --by file --folder /mnt/backup",
                "  sdembed duplicates --by image --threshold 0.97 --json"},
        description = {"Groups duplicate indexed images, largest group first, saying what was compared:",
                "  --by file     identical files (the same bytes),",
                "  --by pixels   the same picture: re-encoded (PNG, JPEG, WebP), resized or stripped of its metadata"
                        + " (pixel hashes at most --max-distance bits apart). The default: it is what 'duplicates'"
                        + " means for deleting one copy, needs no image model, and never groups different pictures.",
                "  --by image    similar pictures (the CLIP image slot's embeddings, at least --threshold similar):"
                        + " variations to review, not copies,",
                "  --by prompt   similar prompts (a text slot): usually different pictures.",
                "The filters pick the images that take part; for --by image or prompt, --min-score raises the"
                        + " threshold, --distinct file counts identical files once (groups of mere copies drop out) and"
                        + " --distinct prompt keeps one image per prompt in each group.",
                "Prints each group with its size, how close its members are and its files; --json: one JSON object"
                        + " per group: {\"by\", \"size\", \"lowestLink\", \"paths\"}."})
public final class DuplicatesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions storeOptions;

    @Mixin
    FilterOptions filterOptions;

    @Option(names = "--by", paramLabel = "file|pixels|image|prompt",
            description = "What two images are compared by (default: pixels).")
    String by;

    @Option(names = "--max-distance", paramLabel = "BITS",
            description = "--by pixels: the most bits of 64 two pixel hashes may differ in, 0 to "
                    + PixelDuplicateRequest.MAX_DISTANCE + " (default: " + PixelDuplicateRequest.DEFAULT_MAX_DISTANCE
                    + ").")
    Integer maxDistance;

    @Option(names = "--threshold", paramLabel = "SIMILARITY",
            description = "--by image or prompt: least cosine similarity that links two images, in (0, 1] (default: "
                    + NearDuplicateRequest.DEFAULT_THRESHOLD + ").")
    Double threshold;

    @Option(names = "--neighbours", paramLabel = "N",
            description = "--by image or prompt: nearest neighbours examined per image, 1 to 100 (default: "
                    + NearDuplicateRequest.DEFAULT_NEIGHBOURS + ").")
    Integer neighbours;

    @Option(names = "--json", description = "One JSON object per group instead of the readable lines.")
    boolean json;

    @Option(names = "--slot", paramLabel = "NAME", description = "--by image or prompt: the slot compared (default:"
            + " the first image slot, or the first text slot).")
    String slot;

    @Override
    public Integer call() {
        Duplicates.By kind = by == null ? Duplicates.DEFAULT : Duplicates.By.of(by);
        Duplicates.Request request = request(kind);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (StoreSession session = StoreSession.open(storeOptions)) {
            Duplicates.Result result = Duplicates.find(session.store(), session.querySlots, request);
            if (!json) {
                out.printf(Locale.ROOT, "%d groups of %s, by %s%s%n", result.groups().size(), result.description(),
                        kind.id(), FilterOptions.describe(request.filter()));
            }
            int number = 0;
            for (DuplicateGroup g : result.groups()) {
                if (json) {
                    Map<String, Object> line = new java.util.LinkedHashMap<>();
                    line.put("by", kind.id());
                    line.putAll(JsonViews.group(g));
                    out.println(Json.line(line));
                    continue;
                }
                out.printf(Locale.ROOT, "%3d  %d images, %s%n", ++number, g.members().size(), closeness(kind, g));
                g.members().forEach(m -> out.println("       " + StoreSession.displayPath(m.path())));
            }
            out.flush();
            if (result.imagesWithoutPixelHash() > 0) {
                err.println("sdembed: " + result.imagesWithoutPixelHash() + " indexed images have no pixel hash yet"
                        + " (indexed before pixel hashes, or with --no-pixel-hash) and were not compared; index their"
                        + " folders again to add it (nothing is embedded again)");
                err.flush();
            }
        }
        return ExitCodes.OK;
    }

    /** The request the options describe; options of another kind are refused, naming the kind they belong to. */
    private Duplicates.Request request(Duplicates.By kind) {
        boolean embeddings = kind == Duplicates.By.IMAGE || kind == Duplicates.By.PROMPT;
        if (!embeddings && (threshold != null || neighbours != null || slot != null)) {
            String option = threshold != null ? "--threshold" : neighbours != null ? "--neighbours" : "--slot";
            throw new InvalidInputException(option + " applies to --by image or --by prompt (embeddings); duplicates"
                    + " by " + kind.id() + (kind == Duplicates.By.PIXELS ? " take --max-distance BITS" : " take none"));
        }
        if (kind != Duplicates.By.PIXELS && maxDistance != null) {
            throw new InvalidInputException("--max-distance applies to --by pixels only");
        }
        Duplicates.Request d = Duplicates.Request.of(kind);
        return new Duplicates.Request(kind, slot,
                threshold == null ? d.threshold() : threshold,
                neighbours == null ? d.neighbours() : Checks.inRange("--neighbours", neighbours, 1, 100),
                maxDistance == null ? d.maxDistance()
                        : Checks.inRange("--max-distance", maxDistance, 0, PixelDuplicateRequest.MAX_DISTANCE),
                filterOptions.filter());
    }

    private static String closeness(Duplicates.By kind, DuplicateGroup g) {
        return switch (kind) {
            case FILE -> "identical files";
            case PIXELS -> g.lowestLink() == 1.0 ? "identical pixel hashes"
                    : "pixel hashes up to " + Duplicates.widestDistance(g) + " bits apart";
            default -> String.format(Locale.ROOT, "lowest link %.4f", g.lowestLink());
        };
    }
}
