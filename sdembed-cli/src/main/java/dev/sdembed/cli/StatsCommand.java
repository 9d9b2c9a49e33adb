package dev.sdembed.cli;

import dev.sdembed.runtime.JsonViews;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "stats", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed stats --store postgresql://sdembed@localhost:5432/sdembed"},
        description = {"Prints the store's counts as one JSON object: images (and failed ones), distinct texts and"
                + " image contents, and per slot the embeddings stored, stale ones, and the bytes of vectors stored"
                + " against the same without deduplication."})
public final class StatsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions storeOptions;

    @Override
    public Integer call() {
        try (StoreSession session = StoreSession.open(storeOptions)) {
            Map<String, Object> m = JsonViews.stats(session.store.stats());
            PrintWriter out = spec.commandLine().getOut();
            out.println(Json.line(m));
            out.flush();
        }
        return ExitCodes.OK;
    }
}
