package dev.sdembed.examples;

import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Searches the embedded store three ways: images whose prompts match a text, the same restricted to ComfyUI images
 * by a filter, and images whose prompts are like a stored image's prompt. Indexes the sample library first when the
 * store is empty.
 *
 * <pre>bin/example SearchExample [--query TEXT] [--model DIR] [--samples DIR] [--store DIR]</pre>
 */
public final class SearchExample {
    private SearchExample() {
    }

    public static void main(String[] args) {
        run(System.out, args);
    }

    public static void run(PrintStream out, String... args) {
        ExampleArgs a = ExampleArgs.parse(args, "--query", "--model", "--samples", "--store");
        String text = a.get("--query", "a castle at night");
        String slot = ExampleArgs.SLOT;
        try (TextEncoder bge = BgeTextEncoder.builder(a.model()).build();
             EmbeddingStore store = EmbeddedEmbeddingStore.builder()
                     .directory(a.path("--store", BulkImportWithProgress.DEFAULT_STORE))
                     .slot(SlotSpec.of(slot, bge.info())).build()) {
            Path samples = a.samples();
            if (store.stats().images() == 0) {
                out.println("The store is empty: indexing " + samples + " first");
                try (BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store).textSlot(slot, bge).build()) {
                    pipeline.run(samples);
                }
            }
            Path root = samples.toAbsolutePath().normalize();
            // Embedded once (as a query, with BGE's instruction) for both searches.
            SearchQuery query = SearchQuery.vector(slot, bge.embedQuery(text));
            print(out, root, "prompts like \"" + text + "\"",
                    store.search(SearchRequest.builder(query).k(5).build()));
            print(out, root, "the same, ComfyUI images only", store.search(SearchRequest.builder(query)
                    .filter(SearchFilter.generator("comfyui")).k(3).build()));
            // A stored image is its own query: its prompt's embedding, leaving the image itself out.
            String fox = samples.resolve("fox-01.png").toAbsolutePath().normalize().toString();
            print(out, root, "prompts like the prompt of fox-01.png",
                    store.search(SearchRequest.builder(SearchQuery.storedImage(slot, fox)).k(3).build()));
        }
    }

    private static void print(PrintStream out, Path root, String what, List<SearchHit> hits) {
        out.println(what + ":");
        for (SearchHit h : hits) {
            Path file = Path.of(h.path());
            out.printf(Locale.ROOT, "  %.4f  %-32s %s%n", h.score(), file.startsWith(root) ? root.relativize(file) : file,
                    h.prompt());
        }
    }
}
