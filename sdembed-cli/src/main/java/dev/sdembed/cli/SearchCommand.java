package dev.sdembed.cli;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.runtime.QuerySlots;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.TextRole;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "search", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed search --text \"girl under cherry blossoms\" -k 10",
                "  sdembed search --text \"a castle at night\" --mode image --config sdembed.json"},
        description = {"Finds the indexed images nearest to a text: by their prompts (--mode prompt, with a text"
                + " slot's encoder), by their negative prompts (--mode negative: what the images were told to"
                + " avoid) or by their pixels (--mode image, with a text slot that shares an embedding space with"
                + " an image slot, e.g. a CLIP text and vision pair). The filters restrict the images in the store's"
                + " query, so k hits come back whenever k images pass.",
                "Prints the hits best first, one per line: rank, score (cosine similarity), file and the start of its"
                        + " prompt (its negative prompt for --mode negative). With --json one JSON object per hit:"
                        + " {\"rank\", \"score\", \"path\", \"imageId\", \"generator\", \"model\", \"prompt\"},"
                        + " plus \"negativePrompt\" for --mode negative."})
public final class SearchCommand implements Callable<Integer>, LoadsEncoders {
    enum Mode { PROMPT, NEGATIVE, IMAGE }

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions storeOptions;

    @Mixin
    FilterOptions filterOptions;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "What to look for.")
    String text;

    @Option(names = "-k", paramLabel = "K", defaultValue = "20", description = "Hits to print (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "prompt",
            description = "prompt: match the images' prompts; negative: their negative prompts; image: their pixels"
                    + " (default: ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--json", description = "One JSON object per hit instead of the readable lines.")
    boolean json;

    @Option(names = "--slot", paramLabel = "NAME", description = "The text slot to embed the query with"
            + " (default: the first text slot, or for --mode image the first one sharing an image slot's space).")
    String slot;

    @Override
    public Integer call() {
        SearchFilter filter = filterOptions.filter();
        try (StoreSession session = StoreSession.open(storeOptions)) {
            SlotSpec query;
            SlotSpec target;
            if (mode != Mode.IMAGE) {
                query = session.slot(slot, Modality.TEXT).orElseThrow(() -> new InvalidInputException(
                        "No text slot configured; --mode " + mode.name().toLowerCase(Locale.ROOT) + " needs one"));
                target = query;
            } else {
                QuerySlots.Pair pair = session.querySlots.textToImage(slot, "--mode image");
                query = pair.text();
                target = pair.image();
            }
            TextRole role = mode == Mode.NEGATIVE ? TextRole.NEGATIVE : TextRole.PROMPT;
            SearchRequest request = SearchRequest.builder(session.querySlots.text(query, text))
                    .target(target.name()).role(role).k(k).filter(filter).build();
            List<SearchHit> hits = session.store().search(request);
            String by = switch (mode) {
                case PROMPT -> "prompt";
                case NEGATIVE -> "negative prompt";
                case IMAGE -> "image";
            };
            StoreSession.printHits(spec.commandLine().getOut(), hits, json, "Top " + k + " for \"" + text + "\" by "
                    + by + ", slot " + StoreSession.describe(target) + FilterOptions.describe(filter));
        }
        return ExitCodes.OK;
    }
}
