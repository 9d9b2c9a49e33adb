package dev.sdembed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.InvalidInputException;
import dev.sdembed.SdembedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Turns one suite run's results into {@code report.md} plus PNG charts, in the same folder: the JMH JSON files
 * ({@code *.jmh.json}), {@code pipeline.json} ({@link PipelineThroughputMain}), {@code store-ingest-*.json}
 * ({@link StoreLatencyBenchmark}), {@code archive.json} ({@link ArchiveRunMain}), {@code embedded-search-*.json} (recall and heap of {@link EmbeddedSearchBenchmark}),
 * and, when present, {@code startup.md} ({@code bin/bench-startup}), {@code projection.md} (the GPU projection from the
 * realistic-size models), {@code target-check.md}
 * ({@link TargetCheck}) and {@code durations.tsv} (the suite's steps and seconds, written by {@code bin/bench}). A
 * section whose results are missing says so instead of failing, so a partial run still gives a report.
 *
 * <p>Run: {@code java -cp embeddings-bench/target/benchmarks.jar dev.sdembed.bench.BenchReport DIR}
 */
public final class BenchReport {
    static final String REPORT = "report.md";
    static final String ENCODERS_CHART = "encoders.png";
    static final String PIPELINE_CHART = "pipeline.png";
    static final String INGEST_CHART = "store-ingest.png";
    static final String LATENCY_CHART = "store-latency.png";

    private final Path dir;
    private final List<JmhResult> results;
    private final List<JmhResult> unreported;
    private final StringBuilder md = new StringBuilder();

    private BenchReport(Path dir, List<JmhResult> results) {
        this.dir = dir;
        this.results = results;
        this.unreported = new ArrayList<>(results);
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("Usage: BenchReport DIR   (DIR holds the suite's *.jmh.json and other results)");
            System.exit(2);
        }
        try {
            Path report = write(Path.of(args[0]), Machine.describe());
            System.out.println("Report: " + report.toAbsolutePath());
        } catch (SdembedException e) {
            System.err.println("bench report: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Reads the results in {@code dir} and writes {@value #REPORT} and the charts there; returns the report. */
    public static Path write(Path dir, Machine machine) {
        System.setProperty("java.awt.headless", "true");
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException("Benchmark result folder " + dir + " does not exist; run bin/bench first");
        }
        BenchReport report = new BenchReport(dir, JmhResult.readAll(dir));
        report.render(machine);
        Path file = dir.resolve(REPORT);
        try {
            Files.writeString(file, report.md);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
        return file;
    }

    private void render(Machine machine) {
        md.append("# sdembed benchmark report\n\n");
        md.append("- Measured: ").append(measuredAt().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        md.append("- Machine: ").append(machine.cores()).append(" cores, ").append(machine.cpuModel()).append('\n');
        String jdk = results.isEmpty() ? machine.jdk()
                : results.get(0).jdk() + " (" + results.get(0).vm() + ")";
        md.append("- JDK: ").append(jdk).append('\n');
        md.append("- ONNX Runtime: ").append(machine.onnxRuntime()).append('\n');
        md.append("- Noise: single-fork, short-iteration runs on a possibly shared machine; compare ratios within one "
                + "run, not absolute figures across machines.\n\n");
        durations();
        encoders();
        pipeline();
        spark();
        pixelHash();
        storeIngest();
        storeLatency();
        embeddedSearch();
        serverLoad();
        releaseArchives();
        others();
        include("startup.md", "One-shot commands",
                "Not measured in this run (no startup.md from bin/bench-startup).");
        include("int8.md", "BGE int8",
                "Not measured in this run (no int8.md from BgeInt8Main).");
        include("projection.md", "GPU projection",
                "No projection: the realistic-size model benchmarks (`dev.sdembed.bench.realistic`) and their "
                        + "`GpuProjection` are not in this build, or did not run.");
        include("target-check.md", "Target check",
                "Not run in this suite: `bin/bench --target-check --config FILE` measures a configured device map.");
    }

    /** When the newest result file was written (a rewritten report keeps its run's date), else now. */
    private ZonedDateTime measuredAt() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .map(f -> {
                        try {
                            return Files.getLastModifiedTime(f).toInstant();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .max(java.util.Comparator.naturalOrder())
                    .map(t -> t.atZone(java.time.ZoneOffset.UTC)).orElseGet(ZonedDateTime::now);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    private void durations() {
        Path file = dir.resolve("durations.tsv");
        if (!Files.isRegularFile(file)) {
            return;
        }
        md.append("## Suite steps\n\n| step | seconds |\n|---|---:|\n");
        double total = 0;
        for (String line : readLines(file)) {
            String[] cells = line.split("\t");
            if (cells.length == 2) {
                md.append("| ").append(cells[0]).append(" | ").append(cells[1]).append(" |\n");
                total += Double.parseDouble(cells[1]);
            }
        }
        md.append("| **total** | ").append(String.format(Locale.ROOT, "%.0f", total)).append(" |\n\n");
    }

    // ---- (a) encoders ------------------------------------------------------------------------------------------

    private void encoders() {
        md.append("## Encoders: items/s by batch size\n\n");
        Map<String, TreeMap<Integer, Double>> series = new LinkedHashMap<>();
        List<String[]> rows = new ArrayList<>();
        Optional<JmhResult> langchain = take(r -> r.is("LangChain4jBgeBenchmark", "embedAll")).stream().findFirst();
        for (JmhResult r : take(r -> r.is("BgeThroughputBenchmark", "embedAll"))) {
            int batch = r.intParam("batchSize");
            String fusion = r.params().get("fusion");
            String name = "BGE-small, sdembed (" + r.params().getOrDefault("layout", "sequential")
                    + (fusion == null ? "" : fusion.equals("on") ? ", fused attention, CLS-only last layer" : ", graph as exported") + ")";
            series.computeIfAbsent(name, k -> new TreeMap<>()).put(batch, r.score());
            rows.add(new String[]{name, Integer.toString(batch), number(r.score()), number(r.error()),
                    langchain.map(l -> String.format(Locale.ROOT, "%.2fx", r.score() / l.score())).orElse("–")});
        }
        langchain.ifPresent(l -> {
            rows.add(new String[]{"BGE-small, LangChain4j (its own batching)", "–", number(l.score()),
                    number(l.error()), "1.00x"});
            TreeMap<Integer, Double> flat = new TreeMap<>();
            series.values().stream().flatMap(s -> s.keySet().stream()).forEach(b -> flat.put(b, l.score()));
            if (!flat.isEmpty()) {
                series.put("BGE-small, LangChain4j (own batching)", flat);
            }
        });
        tinyClip("textEmbedAll", "tiny CLIP text", false, series, rows);
        tinyClip("visionEmbedPixels", "tiny CLIP vision (preprocessed pixels)", false, series, rows);
        tinyClip("visionEmbedFiles", "tiny CLIP vision (PNG files: decode + preprocess + infer)", true, series, rows);
        if (rows.isEmpty()) {
            md.append("Not measured in this run (no BgeThroughput, LangChain4jBge or TinyClip results).\n\n");
            return;
        }
        md.append("| encoder | batch | items/s | ± | vs LangChain4j |\n|---|---:|---:|---:|---:|\n");
        rows.forEach(this::row);
        md.append("\nBGE-small is the real bge-small-en-v1.5 on 256 SD prompts; the tiny CLIP towers have the real "
                + "exports' signatures but a few layers, so their rates show the encoders' own overhead, not "
                + "CLIP's compute (see the realistic-size models for that).\n\n");
        Charts.lines(dir.resolve(ENCODERS_CHART), "Encoder throughput by batch size", "batch size", "items/s",
                series, 2, true);
        md.append("![encoders](").append(ENCODERS_CHART).append(")\n\n");
    }

    /** TinyClip's ops are batches ({@code visionEmbedFiles}: the 64-file set), so items/s = ops/s x items per op. */
    private void tinyClip(String method, String name, boolean perFileSet, Map<String, TreeMap<Integer, Double>> series,
                          List<String[]> rows) {
        for (JmhResult r : take(r -> r.is("TinyClipBenchmark", method))) {
            int batch = r.intParam("batch");
            int items = perFileSet ? TinyClipBenchmark.FILES : batch;
            series.computeIfAbsent(name, k -> new TreeMap<>()).put(batch, r.score() * items);
            rows.add(new String[]{name, Integer.toString(batch), number(r.score() * items),
                    number(r.error() * items), "–"});
        }
    }

    // ---- (b) pipeline ------------------------------------------------------------------------------------------

    private void pipeline() {
        md.append("## Pipeline vs its slowest encoder alone\n\n");
        Path file = dir.resolve("pipeline.json");
        if (!Files.isRegularFile(file)) {
            md.append("Not measured in this run (no pipeline.json from PipelineThroughputMain).\n\n");
        } else {
            pipelineRun(readJson(file), PIPELINE_CHART);
        }
        // Runs with a full-size vision tower (-Dsdembed.bench.vision=ID): pipeline-ID.json.
        try (Stream<Path> files = Files.list(dir)) {
            for (Path other : files.filter(p -> p.getFileName().toString().matches("pipeline-.+\\.json")).sorted()
                    .toList()) {
                pipelineRun(readJson(other), null);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    /** One run's table, and its chart when {@code chart} names one. */
    private void pipelineRun(JsonNode p, String chart) {
        double ratio = p.path("ratio").asDouble();
        String vision = p.path("visionModel").asText("tiny");
        md.append(String.format(Locale.ROOT, "Library: %d generated PNGs of %d px with A1111 metadata, %d distinct "
                        + "texts; bge-small for prompts and negatives (on %s), %s for pixels (on %s), %s; best of %d "
                        + "rounds.%n%n", p.path("images").asInt(), p.path("imageSize").asInt(),
                p.path("distinctTexts").asInt(), p.path("textDevice").asText("cpu"),
                vision.equals("tiny") ? "a tiny CLIP vision tower"
                        : "a full-size " + vision + " vision tower of random weights (its real shapes and FLOPs)",
                p.path("imageDevice").asText("cpu"), p.path("store").asText("postgresql").equals("embedded")
                        ? "the embedded store" : "a real PostgreSQL", p.path("rounds").asInt()));
        md.append("| measure | value |\n|---|---:|\n");
        row(new String[]{"CLIP vision alone, images/s", number(p.path("clipImagesPerSecond").asDouble())});
        row(new String[]{"bge-small alone, distinct texts/s", number(p.path("bgeTextsPerSecond").asDouble())});
        row(new String[]{"slowest encoder alone (" + p.path("slowestEncoder").asText() + "), library images/s",
                number(p.path("slowestAloneImagesPerSecond").asDouble())});
        row(new String[]{"pipeline end to end, images/s", number(p.path("pipelineImagesPerSecond").asDouble())});
        row(new String[]{"pipeline / slowest encoder alone", String.format(Locale.ROOT, "%.1f %%", 100 * ratio)});
        if (p.has("ceilingRatio")) {
            row(new String[]{"ceiling: the encoders' CPU work spread over the cores, images/s",
                    number(p.path("ceilingImagesPerSecond").asDouble())});
            row(new String[]{"pipeline / ceiling (issue 21: at least 90 %)",
                    String.format(Locale.ROOT, "%.1f %%", 100 * p.path("ceilingRatio").asDouble())});
            row(new String[]{"CPU-s: encoders alone / pipeline's JVM / machine during the pipeline",
                    String.format(Locale.ROOT, "%.2f / %.2f / %.2f", p.path("encodersCpuSeconds").asDouble(),
                            p.path("pipelineCpuSeconds").asDouble(), p.path("machineCpuSeconds").asDouble())});
        }
        row(new String[]{"indexed / failed", p.path("indexed").asLong() + " / " + p.path("failed").asLong()});
        md.append('\n');
        if (chart != null) {
            Map<String, Double> bars = new LinkedHashMap<>();
            bars.put("slowest encoder alone (" + p.path("slowestEncoder").asText() + ")",
                    p.path("slowestAloneImagesPerSecond").asDouble());
            bars.put("pipeline", p.path("pipelineImagesPerSecond").asDouble());
            Charts.bars(dir.resolve(chart), String.format(Locale.ROOT,
                    "Pipeline = %.0f %% of its slowest encoder alone", 100 * ratio), "images/s", bars);
            md.append("![pipeline](").append(chart).append(")\n\n");
        }
    }

    // ---- pixel hash ----------------------------------------------------------------------------------------------

    /** What the pixel hash adds per file (PixelHashBenchmark) and to a whole run (PixelHashPipelineMain). */
    private void pixelHash() {
        md.append("## Pixel hash: what it adds to indexing\n\n");
        List<JmhResult> perFile = take(r -> r.benchmark().contains(".PixelHashBenchmark."));
        if (perFile.isEmpty()) {
            md.append("Per file: not measured in this run (no PixelHashBenchmark results).\n\n");
        } else {
            md.append("Per file, one thread, ms (generated pictures, PNG with A1111 metadata or JPEG q75, and the "
                    + "shared fixtures' real A1111/ComfyUI PNGs, `sd-png`): the read "
                    + "indexing does anyway (header, SHA-256, metadata), the decode and pixel hash a new image content "
                    + "adds where no image slot decodes it, and the hash alone of pixels already decoded.\n\n"
                    + "| image | read (header, SHA-256, metadata) | decode + pixel hash | hash of decoded pixels |\n"
                    + "|---|---:|---:|---:|\n");
            Map<String, Map<String, JmhResult>> byImage = new LinkedHashMap<>();
            for (JmhResult r : perFile) {
                String image = r.params().get("files");
                String method = r.benchmark().substring(r.benchmark().lastIndexOf('.') + 1);
                byImage.computeIfAbsent(image, k -> new LinkedHashMap<>()).put(method, r);
            }
            byImage.forEach((image, m) -> row(new String[]{image, ms(m.get("readFile")), ms(m.get("decodeAndHash")),
                    ms(m.get("hashDecoded"))}));
            md.append('\n');
        }
        Path file = dir.resolve("pixel-hash-pipeline.json");
        if (!Files.isRegularFile(file)) {
            md.append("Whole runs: not measured in this run (no pixel-hash-pipeline.json from "
                    + "PixelHashPipelineMain).\n\n");
            return;
        }
        md.append("Whole index runs into a fresh embedded store, bge-small for prompts and no image slot (so the pixel "
                + "hash's decode is the only one, as in the quick start), best of the rounds:\n\n"
                + "| library | without pixel hashes | with | images/s without / with | added per image |\n"
                + "|---|---:|---:|---:|---:|\n");
        for (JsonNode r : readJson(file)) {
            row(new String[]{r.path("images").asInt() + " x " + r.path("imageSize").asInt() + " px PNG",
                    String.format(Locale.ROOT, "%.2f s", r.path("withoutSeconds").asDouble()),
                    String.format(Locale.ROOT, "%.2f s (%+.0f %%)", r.path("withSeconds").asDouble(),
                            r.path("overheadPercent").asDouble()),
                    number(r.path("withoutImagesPerSecond").asDouble()) + " / "
                            + number(r.path("withImagesPerSecond").asDouble()),
                    String.format(Locale.ROOT, "%.2f ms", r.path("addedMillisPerImage").asDouble())});
        }
        md.append('\n');
    }

    private static String ms(JmhResult r) {
        return r == null ? "–" : String.format(Locale.ROOT, "%.2f ± %.2f", r.millis(r.score()), r.millis(r.error()));
    }

    // ---- server load ---------------------------------------------------------------------------------------------

    private void serverLoad() {
        md.append("## Server under load\n\n");
        Path file = dir.resolve("server-load.json");
        if (!Files.isRegularFile(file)) {
            md.append("Not measured in this run (no server-load.json from ServerLoadMain).\n\n");
            return;
        }
        JsonNode p = readJson(file);
        md.append(String.format(Locale.ROOT, "`sdembed serve` on loopback: %d clients for %d s after a %d s warm-up,"
                        + " searches (a page of 20 at offset 0 or 20 for one of 40 texts, so after its first search a"
                        + " text's bge-small query vector comes from the server's cache) and thumbnails (JPEG, from the"
                        + " disk cache once made) half and half, %d generated images in the embedded store.%n%n", p.path("clients").asInt(), p.path("seconds").asInt(),
                p.path("warmUpSeconds").asInt(), p.path("images").asInt()));
        md.append("| requests | count | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n");
        for (String kind : new String[]{"searches", "thumbnails", "all"}) {
            JsonNode k = p.path(kind);
            row(new String[]{kind, Long.toString(k.path("count").asLong()), millis(k.path("p50Ms").asDouble()),
                    millis(k.path("p99Ms").asDouble()), millis(k.path("maxMs").asDouble())});
        }
        md.append(String.format(Locale.ROOT, "%n%.1f requests/s; errors: %d; heap after a full GC: %.1f MB after the"
                        + " warm-up, %.1f MB at the end.%n%n", p.path("requestsPerSecond").asDouble(),
                p.path("errors").asLong(), p.path("heapAfterWarmUpMb").asDouble(), p.path("heapAtEndMb").asDouble()));
    }

    // ---- (b') Spark --------------------------------------------------------------------------------------------

    private void spark() {
        md.append("## Spark job (local mode) vs sdembed index\n\n");
        Path file = dir.resolve("spark.json");
        if (!Files.isRegularFile(file)) {
            md.append("Not measured in this run (no spark.json from SparkVsLocalMain).\n\n");
            return;
        }
        JsonNode p = readJson(file);
        md.append(String.format(Locale.ROOT, "Library: %d generated PNGs of %d px; the same configuration, store and "
                        + "%d cores; Spark local[%d]; %d rounds alternating which side runs first, medians. The bar: "
                        + "85 %%.%n%n", p.path("images").asInt(), p.path("imageSize").asInt(), p.path("cores").asInt(),
                p.path("cores").asInt(), p.path("rounds").asInt()));
        md.append("| measure | value |\n|---|---:|\n");
        row(new String[]{"sdembed index (pipeline), images/s", number(p.path("medianLocal").asDouble())});
        row(new String[]{"Spark job, images/s", number(p.path("medianSpark").asDouble())});
        row(new String[]{"Spark / local", String.format(Locale.ROOT, "%.1f %%", 100 * p.path("medianRatio")
                .asDouble())});
        row(new String[]{"Spark / local per round", ratios(p.path("ratios"))});
        row(new String[]{"PostgreSQL CPU per image written, ms", number(p.path("serverCpuMsPerImage").asDouble())});
        row(new String[]{"driver listing, files/s", number(p.path("listingFilesPerSecond").asDouble())});
        md.append('\n');
    }

    private static String ratios(JsonNode values) {
        List<String> out = new ArrayList<>();
        values.forEach(v -> out.add(String.format(Locale.ROOT, "%.0f %%", 100 * v.asDouble())));
        return String.join(", ", out);
    }

    // ---- release archives ----------------------------------------------------------------------------------------

    private void releaseArchives() {
        md.append("## Release archives\n\n");
        Path file = dir.resolve(ArchiveRunMain.RESULT);
        if (!Files.isRegularFile(file)) {
            md.append("Not measured in this run (no " + ArchiveRunMain.RESULT + " from ArchiveRunMain).\n\n");
            return;
        }
        JsonNode a = readJson(file);
        md.append("| archive | MB |\n|---|---:|\n");
        a.path("archives").fields().forEachRemaining(e -> row(new String[]{"`" + e.getKey() + "`",
                String.format(Locale.ROOT, "%.1f", e.getValue().asLong() / 1e6)}));
        md.append(String.format(Locale.ROOT, "%nFirst `sdembed index` of the %d-image sample library from the unpacked"
                        + " `%s`, as a user's first run: a new JVM (Java %s) with only the JDK on the PATH, loading"
                        + " bge-small and fusing its attention, embedding %d texts: **%.1f s**, of which the pipeline"
                        + " %.2f s. Unpacking it with tar: %.1f s.%n%n", a.path("images").asInt(),
                a.path("archive").asText(), a.path("jdk").asText(), a.path("textsEmbedded").asInt(),
                a.path("firstIndexSeconds").asDouble(), a.path("pipelineSeconds").asDouble(),
                a.path("unpackSeconds").asDouble()));
    }

    // ---- (c) ingest ----------------------------------------------------------------------------------------------

    private void storeIngest() {
        md.append("## Store ingest\n\n");
        Map<String, Double> bars = new LinkedHashMap<>();
        List<String[]> rows = new ArrayList<>();
        ingestMethod("ingestBinaryCopy", "PostgreSQL: store write (binary COPY)", bars, rows);
        ingestMethod("ingestBinaryCopyTwoWriters", "PostgreSQL: store write, two writers (as the pipeline)", bars,
                rows);
        ingestMethod("ingestBatchedInsert", "PostgreSQL: JDBC batched INSERT (baseline)", bars, rows);
        if (rows.isEmpty()) {
            md.append("COPY vs INSERT not measured in this run (no StoreIngestBenchmark ingest results).\n\n");
        } else {
            md.append("Prompts with 1024-d vectors into an unindexed slot, batches of 5,000, mean of the measured "
                    + "single shots.\n\n| method | vectors | seconds | vectors/s |\n|---|---:|---:|---:|\n");
            rows.forEach(this::row);
            md.append('\n');
            Charts.bars(dir.resolve(INGEST_CHART), "PostgreSQL ingest: COPY vs INSERT", "vectors/s", bars);
            md.append("![ingest](").append(INGEST_CHART).append(")\n\n");
        }
        List<JsonNode> loads = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(f -> f.getFileName().toString().matches("store-ingest-.*\\.json")).sorted()
                    .forEach(f -> loads.add(readJson(f)));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
        if (loads.isEmpty()) {
            return;
        }
        md.append("Loading the search libraries through the store SPI (`EmbeddingStore.write`, batches of 5,000 "
                + "with image records); PostgreSQL then builds its HNSW index, the embedded store reads the vectors "
                + "into memory on its first search.\n\n"
                + "| store | vectors | write s | index / load s | vectors/s overall |\n|---|---:|---:|---:|---:|\n");
        loads.sort((a, b) -> a.path("store").asText().equals(b.path("store").asText())
                ? Integer.compare(a.path("vectors").asInt(), b.path("vectors").asInt())
                : b.path("store").asText().compareTo(a.path("store").asText()));
        for (JsonNode l : loads) {
            row(new String[]{storeName(l.path("store").asText()), grouped(l.path("vectors").asInt()),
                    String.format(Locale.ROOT, "%.1f", l.path("writeSeconds").asDouble()),
                    String.format(Locale.ROOT, "%.1f", l.path("indexSeconds").asDouble()),
                    number(l.path("vectorsPerSecond").asDouble())});
        }
        md.append('\n');
    }

    private void ingestMethod(String method, String name, Map<String, Double> bars, List<String[]> rows) {
        for (JmhResult r : take(r -> r.is("StoreIngestBenchmark", method))) {
            int vectors = r.intParam("vectors");
            double seconds = r.seconds();
            bars.put(name, vectors / seconds);
            rows.add(new String[]{name, grouped(vectors), String.format(Locale.ROOT, "%.2f", seconds),
                    number(vectors / seconds)});
        }
    }

    // ---- (d) query latency -------------------------------------------------------------------------------------

    private void storeLatency() {
        md.append("## Query latency by library size\n\n");
        List<JmhResult> latency = take(r -> r.is("StoreLatencyBenchmark", "searchTop10"));
        if (latency.isEmpty()) {
            md.append("Not measured in this run (no StoreLatencyBenchmark results).\n\n");
            return;
        }
        latency.sort((a, b) -> a.params().get("store").equals(b.params().get("store"))
                ? Integer.compare(a.intParam("vectors"), b.intParam("vectors"))
                : b.params().get("store").compareTo(a.params().get("store")));
        md.append("Top-10 search through `EmbeddingStore.search` on 1024-d prompt vectors (PostgreSQL: pgvector HNSW; "
                + "embedded: exact search over vectors in memory), JMH sample time.\n\n"
                + "| store | vectors | p50 ms | p99 ms | mean ms | samples |\n|---|---:|---:|---:|---:|---:|\n");
        Map<String, TreeMap<Integer, Double>> series = new LinkedHashMap<>();
        for (JmhResult r : latency) {
            String store = storeName(r.params().get("store"));
            int vectors = r.intParam("vectors");
            double p50 = r.millis(r.percentile(50));
            double p99 = r.millis(r.percentile(99));
            series.computeIfAbsent(store + " p50", k -> new TreeMap<>()).put(vectors, p50);
            series.computeIfAbsent(store + " p99", k -> new TreeMap<>()).put(vectors, p99);
            row(new String[]{store, grouped(vectors), millis(p50), millis(p99), millis(r.millis(r.score())),
                    Long.toString(r.samples())});
        }
        md.append('\n');
        Charts.lines(dir.resolve(LATENCY_CHART), "Top-10 query latency by library size", "vectors in the library",
                "ms", series, 10, false);
        md.append("![latency](").append(LATENCY_CHART).append(")\n\n");
    }

    // ---- (d3) embedded search: int8 + re-rank vs exact ---------------------------------------------------------

    private void embeddedSearch() {
        md.append("## Embedded search: int8 codes + exact re-rank vs exact\n\n");
        List<JmhResult> runs = take(r -> r.is("EmbeddedSearchBenchmark", "searchTop10"));
        if (runs.isEmpty()) {
            md.append("Not measured in this run (no EmbeddedSearchBenchmark results).\n\n");
            return;
        }
        runs.sort(java.util.Comparator.comparingInt((JmhResult r) -> r.intParam("vectors"))
                .thenComparing(r -> r.params().get("path"), java.util.Comparator.reverseOrder()));
        md.append("Top-10 search of the embedded store over clustered 1024-d vectors (`EmbeddedSearchBenchmark`): "
                + "`exact` holds float32 in memory and scores every vector (the reference); `default` scans int8 "
                + "codes and re-ranks the best candidates from the file. Recall@10 against the exact ranking over "
                + "100 held-out queries; heap after a GC, per dimension and vector. Target (issue 21): p50 <= 10 ms "
                + "at 100,000 and <= 60 ms at 1,000,000, recall >= 0.99, heap <= 1.2.\n\n"
                + "| path | vectors | p50 ms | p99 ms | p50 vs exact | recall@10 | heap B/dim/vector | load s |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
        Map<Integer, Double> exactP50 = new TreeMap<>();
        for (JmhResult r : runs) {
            if (r.params().get("path").equals("exact")) {
                exactP50.put(r.intParam("vectors"), r.millis(r.percentile(50)));
            }
        }
        for (JmhResult r : runs) {
            String path = r.params().get("path");
            int vectors = r.intParam("vectors");
            double p50 = r.millis(r.percentile(50));
            Double exact = exactP50.get(vectors);
            Path extra = dir.resolve("embedded-search-" + path + "-" + vectors + ".json");
            JsonNode figures = Files.isRegularFile(extra) ? readJson(extra) : null;
            row(new String[]{path, grouped(vectors), millis(p50), millis(r.millis(r.percentile(99))),
                    exact == null || path.equals("exact") ? "–" : String.format(Locale.ROOT, "%.2f x", p50 / exact),
                    figures == null ? "–" : String.format(Locale.ROOT, "%.4f", figures.path("recallAt10").asDouble()),
                    figures == null ? "–" : String.format(Locale.ROOT, "%.3f",
                            figures.path("heapBytesPerDimension").asDouble()),
                    figures == null ? "–"
                            : String.format(Locale.ROOT, "%.1f", figures.path("loadSeconds").asDouble())});
        }
        md.append('\n');
    }

    // ---- everything else -----------------------------------------------------------------------------------------

    private void others() {
        if (unreported.isEmpty()) {
            return;
        }
        md.append("## Other benchmarks\n\nEvery other JMH result of the run (realistic-size models, device "
                + "scheduling, ...) as JMH reports it.\n\n| benchmark | parameters | mode | score | ± | unit |\n"
                + "|---|---|---|---:|---:|---|\n");
        for (JmhResult r : List.copyOf(unreported)) {
            row(new String[]{r.shortName(), r.params().isEmpty() ? "–" : r.params().toString(), r.mode(),
                    number(r.score()), number(r.error()), r.unit()});
        }
        md.append('\n');
    }

    private void include(String fileName, String title, String whenMissing) {
        md.append("## ").append(title).append("\n\n");
        Path file = dir.resolve(fileName);
        if (!Files.isRegularFile(file)) {
            md.append(whenMissing).append("\n\n");
            return;
        }
        for (String line : readLines(file)) {
            // One level down, so the included file's headings nest under this section.
            md.append(line.startsWith("#") ? "#" + line : line).append('\n');
        }
        md.append('\n');
    }

    /** The results matching {@code which}, removed from the "other benchmarks" list. */
    private List<JmhResult> take(Predicate<JmhResult> which) {
        List<JmhResult> taken = new ArrayList<>(results.stream().filter(which).toList());
        unreported.removeAll(taken);
        return taken;
    }

    private void row(String[] cells) {
        md.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    private static String storeName(String param) {
        return switch (param) {
            case "postgres" -> "PostgreSQL";
            case "embedded" -> "embedded";
            default -> param;
        };
    }

    /** Three significant figures below 1,000; whole numbers with separators above. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String millis(double ms) {
        return String.format(Locale.ROOT, ms < 10 ? "%.2f" : "%.1f", ms);
    }

    private static String grouped(int n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    static JsonNode readJson(Path file) {
        try {
            return BenchOutput.JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidInputException("Cannot read benchmark result " + file + ": " + e.getMessage(), e);
        }
    }

    /** One JMH result as the JSON result format has it. */
    record JmhResult(String benchmark, String mode, Map<String, String> params, double score, double error,
                     String unit, Map<Double, Double> percentiles, long samples, String jdk, String vm) {

        /** Every result of every {@code *.jmh.json} file in {@code dir}, in file and run order. */
        static List<JmhResult> readAll(Path dir) {
            List<JmhResult> all = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".jmh.json")).sorted()
                        .toList()) {
                    JsonNode root = readJson(file);
                    if (!root.isArray()) {
                        throw new InvalidInputException("Benchmark result " + file + " is not a JMH JSON result "
                                + "(expected an array of results, as -rf json writes)");
                    }
                    root.forEach(n -> all.add(of(n)));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list " + dir, e);
            }
            return all;
        }

        static JmhResult of(JsonNode n) {
            Map<String, String> params = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.path("params").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                params.put(e.getKey(), e.getValue().asText());
            }
            JsonNode primary = n.path("primaryMetric");
            Map<Double, Double> percentiles = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = primary.path("scorePercentiles").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                percentiles.put(Double.parseDouble(e.getKey()), e.getValue().asDouble());
            }
            long samples = 0;
            // Sample-time raw data: per fork and iteration, [value, count] pairs of the histogram.
            for (JsonNode fork : primary.path("rawDataHistogram")) {
                for (JsonNode iteration : fork) {
                    for (JsonNode bin : iteration) {
                        samples += bin.path(1).asLong();
                    }
                }
            }
            return new JmhResult(n.path("benchmark").asText(), n.path("mode").asText(), params,
                    primary.path("score").asDouble(Double.NaN), primary.path("scoreError").asDouble(Double.NaN),
                    primary.path("scoreUnit").asText(), percentiles, samples, n.path("jdkVersion").asText(),
                    n.path("vmName").asText() + " " + n.path("vmVersion").asText());
        }

        /** Whether this is {@code method} of the benchmark class {@code simpleClass}, in any package. */
        boolean is(String simpleClass, String method) {
            return benchmark.endsWith("." + simpleClass + "." + method);
        }

        /** {@code Class.method} without the package. */
        String shortName() {
            String[] parts = benchmark.split("\\.");
            return parts.length < 2 ? benchmark : parts[parts.length - 2] + "." + parts[parts.length - 1];
        }

        int intParam(String name) {
            String v = params.get(name);
            if (v == null) {
                throw new InvalidInputException("JMH result " + benchmark + " has no parameter '" + name + "'");
            }
            return Integer.parseInt(v);
        }

        double percentile(double p) {
            Double v = percentiles.get(p);
            if (v == null) {
                throw new InvalidInputException("JMH result " + benchmark + " " + params + " has no " + p
                        + "th percentile; run it in sample-time mode");
            }
            return v;
        }

        /** A time score (or percentile) of this result in milliseconds. */
        double millis(double value) {
            return value * switch (unit.replace("/op", "")) {
                case "s" -> 1000.0;
                case "ms" -> 1.0;
                case "us" -> 0.001;
                case "ns" -> 0.000001;
                default -> throw new InvalidInputException("JMH result " + benchmark + " has unit " + unit
                        + "; expected a time per operation");
            };
        }

        double seconds() {
            return millis(score) / 1000;
        }
    }
}
