package dev.sdembed.cli;

import dev.sdembed.Checks;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.LibraryWatcher;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.runtime.IndexReport;
import dev.sdembed.runtime.Sdembed;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
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

@Command(name = "watch", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed watch ~/Pictures/stable-diffusion", "  sdembed watch /mnt/nas/sd --rescan-only --rescan-interval 30m"},
        description = {"Keeps the store in step with folders until stopped (Ctrl-C): indexes them once as index"
                + " --prune does, then follows file-system events (every folder under the roots, new ones as they"
                + " appear) and rescans at an interval for what no event tells (network shares).",
                "Added and changed files are indexed once they have had no event for --debounce (a file still being"
                        + " written is indexed once, after it settles); renamed and moved files keep their records"
                        + " (nothing embedded again); deleted files are pruned with what only they used. Roots that"
                        + " are missing or empty, as an unmounted drive is, are never pruned.",
                "Prints a line per sync that changed something (--json: one JSON object per sync), failed and"
                        + " vanished files as index does; Ctrl-C lets the batches in flight finish and prints what"
                        + " the watch did."})
public final class WatchCommand implements Callable<Integer>, LoadsEncoders {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "ROOT", description = "Folders to watch (walked recursively).")
    List<Path> roots;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--debounce", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
            description = "How long a changed file must be quiet before it is indexed, 0 to 10m (default:"
                    + " ${DEFAULT-VALUE}).")
    Duration debounce;

    @Option(names = "--rescan-interval", paramLabel = "DURATION", defaultValue = "10m",
            converter = DurationConverter.class,
            description = "Time between full rescans, 1s to 7d (default: ${DEFAULT-VALUE}).")
    Duration rescanInterval;

    @Option(names = "--rescan-only", description = "Do not register folders for file-system events; rely on the"
            + " rescans (for network shares, which send none).")
    boolean rescanOnly;

    @Option(names = "--no-pixel-hash", description = "Do not hash new images' pixels (see index).")
    boolean noPixelHash;

    @Option(names = "--batch-size", paramLabel = "FILES",
            description = "Files per store transaction (default: the configuration's pipeline.batchSize, else 64).")
    Integer batchSize;

    @Option(names = "--json", description = "One JSON object per sync, and one for the whole watch when it stops.")
    boolean json;

    @Override
    public Integer call() {
        // Before the models load and the store opens: options and roots fail at once.
        Checks.inRange("--debounce", debounce, Duration.ZERO, LibraryWatcher.Builder.MAX_DEBOUNCE);
        Checks.inRange("--rescan-interval", rescanInterval, LibraryWatcher.Builder.MIN_RESCAN_INTERVAL,
                LibraryWatcher.Builder.MAX_RESCAN_INTERVAL);
        if (batchSize != null) {
            Checks.inRange("--batch-size", batchSize, 1, BulkEmbeddingPipeline.Builder.MAX_BATCH_SIZE);
        }
        BulkEmbeddingPipeline.checkRoots(roots);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long started = System.nanoTime();
        try (Sdembed sdembed = storeOptions.sdembed(Sdembed.Usage.BULK).open()) {
            IndexCommand.describeSlots(sdembed.slots(), err);
            BulkEmbeddingPipeline.Builder b = sdembed.pipeline().prune(true).pixelHashes(!noPixelHash)
                    .listener(new IndexCommand.CliProgress(out, err, false, Duration.ofSeconds(10)));
            if (batchSize != null) {
                b.batchSize(batchSize);
            }
            try (LibraryWatcher watcher = LibraryWatcher.builder(b.build(), roots).debounce(debounce)
                    .rescanInterval(rescanInterval).events(!rescanOnly).listener(new Printer(out, err)).build();
                 StopOnShutdown stop = StopOnShutdown.install(watcher::close, "sdembed-watch-stop")) {
                LibraryWatcher.Totals totals = watcher.run();
                printTotals(totals, Duration.ofNanos(System.nanoTime() - started), out);
                return ExitCodes.OK;
            }
        } finally {
            err.flush();
            out.flush();
        }
    }

    private void printTotals(LibraryWatcher.Totals t, Duration watched, PrintWriter out) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("watchedSeconds", watched.toSeconds());
            m.put("syncs", t.syncs());
            m.put("indexed", t.indexed());
            m.put("failed", t.failed());
            m.put("vanished", t.vanished());
            m.put("moved", t.moved());
            m.put("removed", t.removed());
            out.println(Json.line(m));
        } else {
            out.printf(Locale.ROOT, "Watched for %d:%02d:%02d: %d syncs, %d indexed, %d failed, %d vanished (%d moved,"
                    + " %d removed)%n", watched.toHours(), watched.toMinutesPart(), watched.toSecondsPart(), t.syncs(),
                    t.indexed(), t.failed(), t.vanished(), t.moved(), t.removed());
        }
        out.flush();
    }

    /** A line per sync that changed something (always the first), and each failed sync on stderr. */
    private final class Printer implements LibraryWatcher.Listener {
        private final PrintWriter out;
        private final PrintWriter err;

        Printer(PrintWriter out, PrintWriter err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public void onWatching(int folders) {
            String every = Checks.format(rescanInterval);
            err.println(rescanOnly
                    ? "sdembed: rescanning " + roots + " every " + every + " (--rescan-only: no file-system events);"
                            + " Ctrl-C stops"
                    : "sdembed: watching " + folders + " folders under " + roots + "; changes are synced "
                            + Checks.format(debounce) + " after they settle, everything rescanned every " + every
                            + "; Ctrl-C stops");
            err.flush();
        }

        @Override
        public void onSync(LibraryWatcher.Sync sync) {
            PipelineSummary s = sync.summary();
            boolean changedSomething = s.indexed() + s.failed() + s.vanished() + s.pixelHashesAdded() > 0;
            if (sync.trigger() != LibraryWatcher.Trigger.START && !changedSomething) {
                return;
            }
            String trigger = sync.trigger().name().toLowerCase(Locale.ROOT);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("sync", trigger);
                m.put("at", LocalTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
                m.put("changedPaths", sync.trigger() == LibraryWatcher.Trigger.EVENTS ? sync.changed().size() : null);
                m.putAll(IndexReport.json(s));
                m.putAll(IndexReport.syncJson(s));
                out.println(Json.line(m));
            } else {
                String what = sync.trigger() == LibraryWatcher.Trigger.EVENTS
                        ? sync.changed().size() + (sync.changed().size() == 1 ? " change" : " changes")
                        : trigger + " (" + s.files() + " files)";
                out.printf(Locale.ROOT, "[%s] %s: %d indexed, %d skipped, %d failed, %d vanished (%d moved, %d"
                        + " removed)%n", LocalTime.now().format(CLOCK), what, s.indexed(), s.skipped(), s.failed(),
                        s.vanished(), s.moved(), s.removed());
                if (s.pixelHashesAdded() > 0) {
                    out.printf(Locale.ROOT, "           pixel hashes added for %d distinct images indexed before%n",
                            s.pixelHashesAdded());
                }
            }
            out.flush();
        }

        @Override
        public void onSyncFailed(LibraryWatcher.Trigger trigger, RuntimeException failure) {
            err.println("sdembed: sync (" + trigger.name().toLowerCase(Locale.ROOT) + ") failed: "
                    + String.valueOf(failure.getMessage()).replace('\n', ' ') + "; the watch goes on and the next"
                    + " rescan catches up");
            err.flush();
        }
    }
}
