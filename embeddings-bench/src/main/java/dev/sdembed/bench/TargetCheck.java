package dev.sdembed.bench;

import dev.sdembed.InvalidInputException;
import dev.sdembed.SdembedException;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.runtime.LoadedSlots;
import dev.sdembed.runtime.SlotConfig;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.Encoder;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.MetadataReader;
import dev.sdembed.metadata.MetadataReaders;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.testing.SdPrompts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The seed's throughput promise made checkable: "64 images with all five embeddings in about 500 ms" on two GPUs,
 * "200K images in 1.4 hours". Loads the slots of a command-line configuration file ({@link SdembedConfig}: model
 * folders and the device of each) exactly as {@code sdembed index} does, then times batches of {@value #BATCH}
 * images through every slot, scheduled as the pipeline schedules encoders: slots on different devices at once,
 * slots sharing a device one after another (the device's cores or GPU are already busy with one of them). Text slots
 * embed the batch's distinct prompts and negatives (read from the files' metadata), image slots decode, preprocess
 * and embed the files. Reports the median wall time per batch, the rate, and the projection for
 * {@value #LIBRARY} images; judges the 500 ms target only when every slot really runs on a GPU, since the target
 * is the seed's two GPUs' and means nothing on a CPU.
 *
 * <p>Not timed: metadata reading, hashing and the store write, which the pipeline overlaps with the next batch's
 * encoding.
 *
 * <p>Run: {@code bin/bench --target-check --config FILE [--images DIR] [--runs N] [--out FILE]}, or
 * {@code java -cp embeddings-bench/target/benchmarks.jar dev.sdembed.bench.TargetCheck --config FILE ...}
 */
public final class TargetCheck {
    static final int BATCH = 64;
    static final double TARGET_MS = 500;
    static final long LIBRARY = 200_000;
    private static final int IMAGE_EDGE = 512;

    private TargetCheck() {
    }

    /** Prints the check as Markdown; a bad option or configuration prints one line and exits with 2. */
    public static void main(String[] args) throws IOException {
        try {
            System.out.print(cli(args));
        } catch (SdembedException e) {
            System.err.println("target-check: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Runs the check for command-line {@code args} and returns its Markdown (also written to {@code --out}). */
    static String cli(String[] args) throws IOException {
        Path config = null;
        Path images = null;
        Path out = null;
        int runs = 5;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--config" -> config = Path.of(required(args[i], value));
                case "--images" -> images = Path.of(required(args[i], value));
                case "--out" -> out = Path.of(required(args[i], value));
                case "--runs" -> runs = positive(args[i], required(args[i], value));
                default -> throw new InvalidInputException("Unknown target-check option '" + args[i]
                        + "'; expected --config FILE [--images DIR] [--runs N] [--out FILE]");
            }
            i++;
        }
        if (config == null) {
            throw new InvalidInputException("The target check needs --config FILE: the command line's configuration "
                    + "with the slots' model folders and devices (see README, 'The command line')");
        }
        Result result = run(config, images != null ? folderImages(images) : generatedImages(), runs);
        String markdown = result.markdown();
        if (out != null) {
            Files.writeString(out, markdown);
        }
        return markdown;
    }

    /** Loads the configuration's slots, times {@code runs} batches (after one warm-up) and closes the encoders. */
    public static Result run(Path configFile, Batch images, int runs) {
        if (runs < 1) {
            throw new InvalidInputException("runs is " + runs + "; expected at least 1");
        }
        SdembedConfig config = SdembedConfig.read(configFile);
        List<String> texts = images.texts();
        try (LoadedSlots slots = LoadedSlots.load(config, Sdembed.Usage.BULK)) {
            List<Slot> timed = new ArrayList<>();
            for (SlotConfig s : config.slots()) {
                TextEncoder text = slots.textEncoders().get(s.name());
                Encoder encoder = text != null ? text : slots.imageEncoders().get(s.name());
                // device() is where it really runs: the CPU after a fallback from an unusable GPU.
                timed.add(new Slot(s, encoder, encoder.device()));
            }
            long devices = timed.stream().map(Slot::device).distinct().count();
            ExecutorService threads = Executors.newFixedThreadPool((int) devices);
            try {
                batch(timed, images.files(), texts, threads);
                List<double[]> measured = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    measured.add(batch(timed, images.files(), texts, threads));
                }
                List<SlotTiming> timings = new ArrayList<>();
                for (int i = 0; i < timed.size(); i++) {
                    Slot s = timed.get(i);
                    int index = i;
                    boolean image = s.encoder() instanceof ImageEncoder;
                    timings.add(new SlotTiming(s.config().name(), s.encoder().info().name(), s.config().device(),
                            s.device(), image ? Modality.IMAGE : Modality.TEXT,
                            image ? images.files().size() : texts.size(),
                            median(measured.stream().mapToDouble(m -> m[index]).toArray())));
                }
                double[] walls = measured.stream().mapToDouble(m -> m[m.length - 1]).toArray();
                return new Result(configFile, images.description(), images.files().size(), texts.size(), timings,
                        walls, median(walls));
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /**
     * One batch: one thread per device running its slots in turn, the devices at once; returns each slot's
     * milliseconds and, last, the wall time.
     */
    private static double[] batch(List<Slot> slots, List<Path> files, List<String> texts, ExecutorService threads) {
        double[] ms = new double[slots.size() + 1];
        Map<Device, List<Integer>> byDevice = new LinkedHashMap<>();
        for (int i = 0; i < slots.size(); i++) {
            byDevice.computeIfAbsent(slots.get(i).device(), d -> new ArrayList<>()).add(i);
        }
        long start = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (List<Integer> onDevice : byDevice.values()) {
            running.add(threads.submit(() -> {
                for (int i : onDevice) {
                    long t0 = System.nanoTime();
                    embed(slots.get(i), files, texts);
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
            }));
        }
        for (Future<?> device : running) {
            try {
                device.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException("A slot failed during the target check", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while timing the batch", e);
            }
        }
        ms[slots.size()] = (System.nanoTime() - start) / 1e6;
        return ms;
    }

    private static void embed(Slot s, List<Path> files, List<String> texts) {
        if (s.encoder() instanceof ImageEncoder image) {
            List<ImageEmbeddingResult> results = image.embedEach(files);
            long failed = results.stream().filter(r -> !r.succeeded()).count();
            if (failed > 0) {
                throw new InvalidInputException("Slot " + s.config().name() + ": " + failed + " of " + files.size()
                        + " images could not be decoded; the check needs readable images");
            }
        } else {
            ((TextEncoder) s.encoder()).embedAll(texts);
        }
    }

    /**
     * {@value #BATCH} images of a folder (sorted by name; fewer are repeated to fill the batch) with their prompts.
     */
    public static Batch folderImages(Path dir) {
        List<Path> found;
        try (Stream<Path> files = Files.walk(dir)) {
            found = files.filter(Files::isRegularFile).filter(f -> {
                String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
                return BulkEmbeddingPipeline.DEFAULT_EXTENSIONS.stream().anyMatch(ext -> name.endsWith("." + ext));
            }).sorted().limit(BATCH).toList();
        } catch (IOException e) {
            throw new InvalidInputException("Cannot list images in " + dir + ": " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            throw new InvalidInputException("No PNG, JPEG or WebP images in " + dir + " for the target check");
        }
        List<Path> batch = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            batch.add(found.get(i % found.size()));
        }
        String description = found.size() + " images from " + dir
                + (found.size() < BATCH ? ", repeated to fill a batch of " + BATCH : "");
        return new Batch(batch, promptsOf(batch), description);
    }

    /**
     * {@value #BATCH} generated {@value #IMAGE_EDGE} px PNGs with A1111 metadata (distinct SD-style prompts, ten
     * negatives), under {@code target/target-check-images/}.
     */
    public static Batch generatedImages() {
        Path dir = StoreIngestBenchmark.benchTarget().resolve("target-check-images");
        List<String> prompts = SdPrompts.generated(BATCH, 64);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            Path file = dir.resolve("image-" + i + ".png");
            if (!Files.exists(file)) {
                SdTestImages.a1111(file, IMAGE_EDGE, i, prompts.get(i), "lowres, bad anatomy, watermark " + (i % 10));
            }
            files.add(file);
        }
        return new Batch(files, promptsOf(files), BATCH + " generated " + IMAGE_EDGE + " x " + IMAGE_EDGE
                + " PNGs with A1111 metadata (" + dir + ")");
    }

    /** The distinct prompts and negatives of the files, as the pipeline embeds them (once per content). */
    private static List<String> promptsOf(List<Path> files) {
        MetadataReader reader = MetadataReaders.standard();
        Set<String> texts = new LinkedHashSet<>();
        for (Path file : files) {
            try {
                GenerationMetadata m = reader.read(file);
                if (m.prompt() != null && !m.prompt().isBlank()) {
                    texts.add(m.prompt());
                }
                if (m.negativePrompt() != null && !m.negativePrompt().isBlank()) {
                    texts.add(m.negativePrompt());
                }
            } catch (RuntimeException e) {
                // An image without readable metadata still counts for the image slots.
            }
        }
        return List.copyOf(texts);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String required(String option, String value) {
        if (value == null) {
            throw new InvalidInputException("Option " + option + " needs a value");
        }
        return value;
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException("Option " + option + " is '" + value + "'; expected a positive integer");
    }

    private record Slot(SlotConfig config, Encoder encoder, Device device) {
    }

    /**
     * The images of one batch and the distinct texts the text slots embed for it.
     *
     * @param description where the images come from, for the report
     */
    public record Batch(List<Path> files, List<String> texts, String description) {
        public Batch {
            files = List.copyOf(files);
            texts = List.copyOf(texts);
        }
    }

    /**
     * One slot's share of a batch.
     *
     * @param configuredDevice the device the configuration asks for
     * @param device           the device the encoder really runs on
     * @param inputs           texts or images it embeds per batch
     * @param medianMs         its own median time per batch, running beside the other slots
     */
    public record SlotTiming(String slot, String model, String configuredDevice, Device device, Modality modality,
                             int inputs, double medianMs) {
    }

    /**
     * The check's figures.
     *
     * @param batchMs  the wall time of each measured batch, all slots
     * @param medianMs their median
     */
    public record Result(Path config, String imagesDescription, int images, int texts, List<SlotTiming> slots,
                         double[] batchMs, double medianMs) {
        public Result {
            slots = List.copyOf(slots);
            batchMs = batchMs.clone();
        }

        @Override
        public double[] batchMs() {
            return batchMs.clone();
        }

        /** Whether every slot really runs on a GPU, the only setting the 500 ms target is meant for. */
        public boolean allGpu() {
            return slots.stream().allMatch(s -> s.device().isGpu());
        }

        public double imagesPerSecond() {
            return images / (medianMs / 1000);
        }

        public double projectedSeconds() {
            return LIBRARY / imagesPerSecond();
        }

        public boolean meetsTarget() {
            return medianMs <= TARGET_MS;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Result r && config.equals(r.config) && imagesDescription.equals(r.imagesDescription)
                    && images == r.images && texts == r.texts && slots.equals(r.slots)
                    && java.util.Arrays.equals(batchMs, r.batchMs) && medianMs == r.medianMs;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(config, imagesDescription, images, texts, slots, medianMs)
                    + 31 * java.util.Arrays.hashCode(batchMs);
        }

        @Override
        public String toString() {
            return "TargetCheck.Result[" + slots.size() + " slots, median " + medianMs + " ms]";
        }

        public String markdown() {
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "# Target check: %d images x %d slots%n%n", images, slots.size()));
            md.append("- Configuration: ").append(config).append('\n');
            md.append("- Images: ").append(imagesDescription).append('\n');
            md.append("- Texts per batch: ").append(texts).append(" distinct prompts and negatives\n");
            md.append("- Runs: ").append(batchMs.length).append(" batches after one warm-up batch\n\n");
            md.append("| slot | model | device | inputs per batch | median ms |\n|---|---|---|---:|---:|\n");
            for (SlotTiming s : slots) {
                String device = s.device().toString().equals(s.configuredDevice()) ? s.device().toString()
                        : s.device() + " (configured " + s.configuredDevice() + ")";
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d %s | %.0f |%n", s.slot(), s.model(),
                        device, s.inputs(), s.modality() == Modality.IMAGE ? "images" : "texts", s.medianMs()));
            }
            md.append(String.format(Locale.ROOT, "%n- Wall time per batch of %d, all slots (devices at once, slots "
                    + "sharing a device in turn): median %.0f ms "
                    + "(runs: %s)%n", images, medianMs, java.util.Arrays.stream(batchMs)
                    .mapToObj(v -> String.format(Locale.ROOT, "%.0f", v)).collect(Collectors.joining(", "))));
            md.append(String.format(Locale.ROOT, "- Rate: %.1f images/s%n", imagesPerSecond()));
            md.append(String.format(Locale.ROOT, "- Projected for %,d images: %.2f h (%,.0f s)%n", LIBRARY,
                    projectedSeconds() / 3600, projectedSeconds()));
            if (allGpu()) {
                md.append(String.format(Locale.ROOT, "- Target (<= %.0f ms per batch of %d on the GPUs): %s%n",
                        TARGET_MS, BATCH, meetsTarget()
                                ? String.format(Locale.ROOT, "MET, %.0f ms <= %.0f ms", medianMs, TARGET_MS)
                                : String.format(Locale.ROOT, "MISSED, %.0f ms > %.0f ms", medianMs, TARGET_MS)));
            } else {
                Map<String, String> notGpu = new LinkedHashMap<>();
                slots.stream().filter(s -> !s.device().isGpu()).forEach(s -> notGpu.put(s.slot(), s.device().toString()));
                md.append(String.format(Locale.ROOT, "- Target not judged: the %.0f ms per batch of %d target applies "
                        + "to the seed's two GPUs (RTX 5090 + RTX 3080 Ti); here %s run%s on the CPU, so the figures "
                        + "above describe this machine only.%n", TARGET_MS, BATCH,
                        String.join(", ", notGpu.keySet()), notGpu.size() == 1 ? "s" : ""));
            }
            return md.toString();
        }
    }
}
