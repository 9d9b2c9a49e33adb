package dev.sdembed.cli;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.MetadataReaders;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "similar", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed similar ~/Pictures/stable-diffusion/00042-1234567890.png -k 10"},
        description = {"Finds the indexed images that look most like IMAGE (an image slot's embeddings). An indexed"
                + " image is looked up in the store and left out of its own hits; another file is embedded first.",
                "Without an image slot (no CLIP vision model configured) it finds the images whose prompts are most"
                        + " like IMAGE's prompt, in the first text slot, and says so.",
                "The filters (--generator, --steps, --folder, --distinct, ...) restrict the hits as for search.",
                "Prints the hits best first as search does (--json: one JSON object per hit)."})
public final class SimilarCommand implements Callable<Integer>, LoadsEncoders {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions storeOptions;

    @Mixin
    FilterOptions filterOptions;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "An image file.")
    Path image;

    @Option(names = "-k", paramLabel = "K", defaultValue = "20", description = "Hits to print (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--slot", paramLabel = "NAME", description = "The slot compared: an image slot compares pixels,"
            + " a text slot prompts (default: the first image slot, else the first text slot).")
    String slot;

    @Option(names = "--json", description = "One JSON object per hit instead of the readable lines.")
    boolean json;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(image)) {
            throw new InvalidInputException("Image " + StoreSession.printable(image.toString())
                    + " does not exist or is not a file");
        }
        SearchFilter filter = filterOptions.filter();
        try (StoreSession session = StoreSession.open(storeOptions)) {
            SlotSpec s = session.comparedSlot(slot, "similar");
            String key = BulkEmbeddingPipeline.storedPath(image);
            boolean stored = session.store().findImages(List.of(key)).containsKey(key);
            SearchQuery query;
            String heading;
            String shown = StoreSession.printable(image.toString());
            if (s.modality() == Modality.IMAGE) {
                query = stored ? SearchQuery.storedImage(s.name(), key)
                        : session.querySlots.likeFile(s, image, image.toString());
                heading = "Top " + k + " like " + shown + " by pixels, slot " + StoreSession.describe(s);
            } else {
                query = stored ? SearchQuery.storedImage(s.name(), key)
                        : session.querySlots.likeFile(s, image, image.toString());
                heading = "Top " + k + " like " + shown + " by its prompt, slot " + StoreSession.describe(s)
                        + (slot == null ? " (no image slot configured: pixels are not compared)" : "");
            }
            heading += FilterOptions.describe(filter);
            List<SearchHit> hits = session.store().search(SearchRequest.builder(query).k(k).filter(filter).build());
            StoreSession.printHits(spec.commandLine().getOut(), hits, json, heading);
        }
        return ExitCodes.OK;
    }
}
