package dev.sdembed.cli;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Modality;
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
        description = {"Finds the indexed images that look most like IMAGE (an image slot's embeddings). An indexed"
                + " image is looked up in the store and left out of its own hits; another file is embedded first.",
                "Prints one JSON object per hit, best first, as search does."})
public final class SimilarCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions storeOptions;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "An image file.")
    Path image;

    @Option(names = "-k", paramLabel = "K", defaultValue = "20", description = "Hits to print (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--slot", paramLabel = "NAME", description = "The image slot (default: the first one).")
    String slot;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(image)) {
            throw new InvalidInputException("Image " + image + " does not exist or is not a file");
        }
        try (StoreSession session = StoreSession.open(storeOptions)) {
            SlotSpec s = session.slot(slot, Modality.IMAGE).orElseThrow(() -> new InvalidInputException(
                    "No image slot configured; similar needs one (a CLIP vision model in --config)"));
            String key = image.toAbsolutePath().normalize().toString();
            SearchQuery query = session.store.findImages(List.of(key)).containsKey(key)
                    ? SearchQuery.storedImage(s.name(), key)
                    : SearchQuery.imageFile(s.name(), image, session.slots.imageEncoders().get(s.name()));
            List<SearchHit> hits = session.store.search(SearchRequest.builder(query).k(k).build());
            StoreSession.printHits(spec.commandLine().getOut(), hits);
        }
        return ExitCodes.OK;
    }
}
