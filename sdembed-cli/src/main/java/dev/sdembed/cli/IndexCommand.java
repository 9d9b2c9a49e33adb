package dev.sdembed.cli;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.runtime.IndexReport;
import dev.sdembed.runtime.LoadedSlots;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.pipeline.Progress;
import dev.sdembed.pipeline.ProgressListener;
import dev.sdembed.pipeline.VanishedFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "index", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed index ~/Pictures/stable-diffusion",
                "  sdembed index /data/sd-outputs --config sdembed.json \\",
                "      --store postgresql://sdembed@localhost:5432/sdembed"},
        description = {"Indexes folders of generated images: reads each file's prompt and negative prompt, embeds"
                + " every text and image once per slot, hashes the pixels (for duplicates --by pixels) and stores image"
                + " records that reference the embeddings.",
                "Resumable: files already indexed (same path, size and time, every slot current) are skipped, so a"
                        + " stopped run continues where it stopped. A file that cannot be read is stored as failed"
                        + " and printed as {\"failed\", \"error\"}; --retry-failed tries those again.",
                "Indexed files that are gone from the folders walked are printed as {\"vanished\", \"movedTo\","
                        + " \"removed\"}: movedTo when the same file turned up at a new path (a move or rename)."
                        + " --prune removes their records (a moved file's record goes to its new path, nothing"
                        + " embedded again). A root that is missing or empty, as an unmounted drive is, is never"
                        + " pruned.",
                "Exit code 1 when some files failed; the others are still indexed."})
public final class IndexCommand implements Callable<Integer>, LoadsEncoders {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "ROOT", description = "Folders (walked recursively) or image files.")
    List<Path> roots;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--retry-failed", description = "Index files stored as failed again, even when unchanged.")
    boolean retryFailed;

    @Option(names = "--prune", description = "Remove the records of indexed files that are gone from the folders"
            + " walked (moved files' records follow them), with the texts, images and embeddings only they used."
            + " Roots that are missing or empty are never pruned.")
    boolean prune;

    @Option(names = "--no-pixel-hash", description = "Do not hash new images' pixels: saves a decode per new image"
            + " when no image slot decodes it, and leaves them out of duplicates --by pixels.")
    boolean noPixelHash;

    @Option(names = "--json-summary", description = "Print the end-of-run summary as one JSON object.")
    boolean jsonSummary;

    @Option(names = "--batch-size", paramLabel = "FILES",
            description = "Files per store transaction (default: the configuration's pipeline.batchSize, else 64).")
    Integer batchSize;

    @Option(names = "--progress-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds between progress lines when not on a terminal (default: ${DEFAULT-VALUE}).")
    double progressInterval;

    /** Longest time between progress lines a user may ask for: a day. */
    private static final double MAX_PROGRESS_INTERVAL = 86_400;

    @Override
    public Integer call() {
        if (!(progressInterval >= 0 && progressInterval <= MAX_PROGRESS_INTERVAL)) {
            // 0 prints every progress event (tests and logs that want them all).
            throw new InvalidInputException("--progress-interval is " + progressInterval + "; expected 0 to "
                    + (long) MAX_PROGRESS_INTERVAL + " seconds");
        }
        // Before the models load and the store opens: a mistyped root or option fails at once and creates nothing.
        if (batchSize != null) {
            Checks.inRange("--batch-size", batchSize, 1, BulkEmbeddingPipeline.Builder.MAX_BATCH_SIZE);
        }
        BulkEmbeddingPipeline.checkRoots(roots);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Sdembed sdembed = storeOptions.sdembed(Sdembed.Usage.BULK).open()) {
            describeSlots(sdembed.slots(), err);
            BulkEmbeddingPipeline.Builder b = sdembed.pipeline().retryFailed(retryFailed).prune(prune)
                    .pixelHashes(!noPixelHash)
                    .listener(new CliProgress(out, err, System.console() != null,
                            Duration.ofMillis(Math.round(progressInterval * 1000))));
            if (batchSize != null) {
                b.batchSize(batchSize);
            }
            try (BulkEmbeddingPipeline pipeline = b.build();
                 // Ctrl-C: the batches in flight are finished and written, and the summary printed, before the JVM
                 // ends.
                 StopOnShutdown stop = StopOnShutdown.install(pipeline::close, "sdembed-index-stop")) {
                PipelineSummary summary = pipeline.run(roots);
                print(summary, !sdembed.slots().imageEncoders().isEmpty(), out);
                return summary.failed() > 0 ? ExitCodes.COMPLETED_WITH_FAILURES : ExitCodes.OK;
            }
        } finally {
            err.flush();
            out.flush();
        }
    }

    /** Which slots this run fills, and what is off without CLIP models, so nobody wonders why pixels are ignored. */
    static void describeSlots(LoadedSlots slots, PrintWriter err) {
        err.println("sdembed: slots: " + String.join(", ", slots.specs().stream().map(StoreSession::describe).toList()));
        if (slots.imageEncoders().isEmpty()) {
            err.println("sdembed: no image slot (CLIP vision) configured, so pixels are not embedded: similar"
                    + " compares prompts, and search --mode image and duplicates --by image are off. To add CLIP slots:"
                    + " bin/sdembed models pull clip-vit-h-14, then bin/sdembed init writes a --config file with them"
                    + " (README, \"Getting the production models\").");
        }
        err.flush();
    }

    private void print(PipelineSummary s, boolean imageSlot, PrintWriter out) {
        if (jsonSummary) {
            Map<String, Object> json = IndexReport.json(s, s.store());
            json.putAll(IndexReport.syncJson(s));
            out.println(Json.line(json));
        } else {
            IndexReport.lines(s, s.store(), imageSlot).forEach(out::println);
            IndexReport.syncLines(s, prune).forEach(out::println);
        }
        out.flush();
    }

    /**
     * Failed files as JSON lines on stdout; progress as a redrawn bar on a terminal, else a line every interval on
     * stderr.
     */
    static final class CliProgress implements ProgressListener {
        private static final int BAR = 30;
        private final PrintWriter out;
        private final PrintWriter err;
        private final boolean terminal;
        private final long intervalNanos;
        private long lastLine = System.nanoTime();

        CliProgress(PrintWriter out, PrintWriter err, boolean terminal, Duration interval) {
            this.out = out;
            this.err = err;
            this.terminal = terminal;
            this.intervalNanos = interval.toNanos();
        }

        @Override
        public void onFileFailed(Path file, String reason) {
            Map<String, Object> line = new LinkedHashMap<>();
            // A name the JVM cannot decode reads with U+FFFD; the stored path keeps it apart and tells the bytes.
            String name = file.toString();
            line.put("failed", name.indexOf('\uFFFD') < 0 ? name : BulkEmbeddingPipeline.storedPath(file));
            line.put("error", reason);
            out.println(Json.line(line));
            out.flush();
        }

        @Override
        public void onVanished(VanishedFile file) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("vanished", file.path());
            line.put("movedTo", file.movedTo());
            line.put("removed", file.removed());
            out.println(Json.line(line));
            out.flush();
        }

        @Override
        public void onRootNotScanned(Path root) {
            err.println("sdembed: root " + root + " is missing or empty; nothing under it is pruned");
            err.flush();
        }

        @Override
        public void onProgress(Progress p) {
            long now = System.nanoTime();
            if (terminal) {
                err.print("\r" + bar(p) + "   ");
                if (p.walkComplete() && p.filesProcessed() >= p.filesSeen()) {
                    err.println();
                }
                err.flush();
            } else if (now - lastLine >= intervalNanos) {
                lastLine = now;
                err.println("sdembed: progress " + counts(p));
                err.flush();
            }
        }

        static String bar(Progress p) {
            double fraction = p.filesSeen() == 0 ? 0 : (double) p.filesProcessed() / p.filesSeen();
            int filled = (int) Math.round(fraction * BAR);
            return "[" + "#".repeat(filled) + " ".repeat(BAR - filled) + "] "
                    + (p.walkComplete() ? Math.round(fraction * 100) + " % " : "") + counts(p);
        }

        static String counts(Progress p) {
            return p.filesProcessed() + "/" + p.filesSeen() + (p.walkComplete() ? "" : "+") + " files, "
                    + p.filesDone() + " indexed, " + p.filesSkipped() + " skipped, " + p.filesFailed() + " failed, "
                    + String.format(Locale.ROOT, "%.1f files/s", p.filesPerSecond())
                    + p.eta().map(d -> ", ETA " + format(d)).orElse("");
        }

        private static String format(Duration d) {
            return String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
        }
    }
}
