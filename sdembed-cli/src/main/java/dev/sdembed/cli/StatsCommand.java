package dev.sdembed.cli;

import dev.sdembed.encoder.Modality;
import dev.sdembed.runtime.IndexReport;
import dev.sdembed.runtime.JsonViews;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "stats", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed stats", "  sdembed stats --json --store postgresql://sdembed@localhost:5432/sdembed"},
        description = {"Prints what the store holds, from one store call: images (indexed and failed, and how many"
                + " have no generation metadata and so cannot be found by prompt), the indexed images by generator"
                + " and by model, distinct texts and image files, and per slot the embeddings stored, stale ones,"
                + " the references to them and the bytes of vectors stored against the same without deduplication.",
                "--json prints it as one JSON object: images, failedImages, textContents, imageContents, slots"
                        + " [{slot, embeddings, stale, references, vectorBytes, vectorBytesWithoutDedup}],"
                        + " vectorBytes, vectorBytesWithoutDedup, storageSavedPercent, okImages,"
                        + " imagesWithoutMetadata, generators [{generator, images}], models [{model, images}]."})
public final class StatsCommand implements Callable<Integer> {
    /** Generators and models listed in the readable output; --json lists all. */
    static final int LISTED = 10;

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--json", description = "One JSON object instead of the readable lines.")
    boolean json;

    @Override
    public Integer call() {
        try (StoreSession session = StoreSession.open(storeOptions)) {
            StoreStats stats = session.store().stats();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.line(JsonViews.stats(stats)));
            } else {
                print(stats, session, out);
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    private static void print(StoreStats stats, StoreSession session, PrintWriter out) {
        out.printf(Locale.ROOT, "Images: %d (%d indexed, %d failed)%n", stats.images(), stats.okImages(),
                stats.failedImages());
        boolean imageSlot = session.specs().stream().anyMatch(s -> s.modality() == Modality.IMAGE);
        String without = IndexReport.withoutMetadata(stats, imageSlot);
        if (without != null) {
            out.println("  " + without);
        }
        out.println("Generators: " + counts(stats.generators(), "(none)"));
        out.println("Models: " + counts(stats.models(), "(none named)"));
        out.printf(Locale.ROOT, "Contents: %d distinct texts, %d distinct image files%n", stats.textContents(),
                stats.imageContents());
        out.println("Slots:");
        for (SlotStats s : stats.slots()) {
            SlotSpec spec = session.specs().stream().filter(x -> x.name().equals(s.slot())).findFirst().orElse(null);
            out.printf(Locale.ROOT, "  %s: %d embeddings (%d stale), %d references, %d bytes of vectors (%d without"
                            + " deduplication)%n", spec == null ? s.slot() : StoreSession.describe(spec), s.embeddings(),
                    s.stale(), s.references(), s.vectorBytes(), s.vectorBytesWithoutDedup());
        }
        out.printf(Locale.ROOT, "Vectors stored: %d bytes (%d without deduplication, %.1f %% saved)%n",
                stats.vectorBytes(), stats.vectorBytesWithoutDedup(), stats.storageSavedPercent());
    }

    /** {@code a1111 30, comfyui 16, none 2}: the first {@value #LISTED}, then how many more. */
    private static String counts(List<StoreStats.Count> counts, String nullName) {
        if (counts.isEmpty()) {
            return "(no indexed images)";
        }
        List<String> parts = new ArrayList<>();
        for (StoreStats.Count c : counts.subList(0, Math.min(LISTED, counts.size()))) {
            parts.add(StoreSession.printable(c.value() == null ? nullName : c.value()) + " " + c.images());
        }
        String listed = String.join(", ", parts);
        return counts.size() <= LISTED ? listed : listed + " and " + (counts.size() - LISTED) + " more (--json lists"
                + " all)";
    }
}
