package dev.sdembed.bench.realistic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sdembed.InvalidInputException;
import dev.sdembed.bench.realistic.RealisticModels.Spec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a {@link RealisticModelBenchmark} JMH JSON result into {@code projection.md} and {@code projection.json}: the
 * measured CPU throughput per arch as effective GFLOP/s, then a projection (not a measurement) of the seed's two-GPU
 * split, RTX 5090 on cuda:0 (BGE-large + CLIP ViT-H/14 vision) and RTX 3080 Ti on cuda:1 (CLIP-L text + bigG text).
 *
 * <p>Method: each encoder's GPU throughput is the published peak dense FP16 tensor rate of its GPU × a utilisation
 * taken from a published measurement of a ViT with the same width and activation (timm's inference benchmark, PyTorch
 * AMP fp16), divided by the encoder's GFLOPs per item. Encoders on one GPU run one after the other, the two GPUs in
 * parallel, so images/s is set by the slower GPU. Every figure and its source is in {@link #ASSUMPTIONS} and the
 * constants below, and both go into the report.
 *
 * <p>Usage: {@code GpuProjection <jmh-result.json> <out-dir>}.
 */
public final class GpuProjection {
    static final String BENCHMARK = RealisticModelBenchmark.class.getName();
    static final int TEXTS_PER_IMAGE = 2;
    static final int BGE_TOKENS = 77;
    static final double BATCH_IMAGES = 64;
    static final double LIBRARY_IMAGES = 200_000;
    /** Largest best/worst ratio of CPU GFLOP/s still read as "throughput tracks FLOPs". */
    static final double SPREAD_TRACKS_FLOPS = 1.5;

    /** A GPU by its published peak dense FP16 tensor throughput with FP32 accumulation (what fp16 GEMMs use). */
    public record Gpu(String name, double peakTflops, String source) {
    }

    /** A published measured throughput of a model on a GPU, from which a utilisation of that GPU's peak follows. */
    public record Calibration(String model, Gpu gpu, double itemsPerSecond, double gflopsPerItem, String source) {
        public double utilisation() {
            return itemsPerSecond * gflopsPerItem / (gpu.peakTflops() * 1000);
        }
    }

    static final Gpu RTX_5090 = new Gpu("RTX 5090", 209.5, "NVIDIA lists 838.4 TFLOPS FP16 tensor with sparsity;"
            + " ÷ 2 dense, ÷ 2 for FP32 accumulation on GeForce parts (NVIDIA's GeForce whitepapers list FP16 with"
            + " FP32 accumulate at half the FP16-accumulate rate, e.g. RTX 4090: 165.2 vs 330.3)");
    static final Gpu RTX_3090 = new Gpu("RTX 3090", 71.2, "NVIDIA Ampere GA102 whitepaper, RTX 3090: 142 TFLOPS FP16"
            + " tensor dense with FP16 accumulate, 71 with FP32 accumulate (82 SMs × 1695 MHz × 512 FP32-acc"
            + " FLOP/clock/SM)");
    static final Gpu RTX_3080_TI = new Gpu("RTX 3080 Ti", 68.2, "same GA102 SM as the RTX 3090: 80 SMs × 1665 MHz"
            + " boost (NVIDIA spec) × 512 FP16-with-FP32-accumulate FLOP/clock/SM");

    private static final String TIMM_5090 = "timm results/benchmark-infer-amp-nchw-pt291-cu130-5090.csv"
            + " (PyTorch 2.9.1, CUDA 13.0, AMP fp16, batch 1024)";
    private static final String TIMM_3090 = "timm results/benchmark-infer-amp-nchw-pt240-cu124-rtx3090.csv"
            + " (PyTorch 2.4.0, CUDA 12.4, AMP fp16, batch 1024)";

    /** The seed's encoders, their device and the measurement each is calibrated with (same width and activation). */
    static List<EncoderPlan> plan() {
        double bgeGflops = RealisticArch.transformerFlops(BGE_TOKENS, 1024, 24, 4096) / 1e9;
        return List.of(
                new EncoderPlan("BGE-large-en-v1.5", "cuda:0", RTX_5090, bgeGflops, TEXTS_PER_IMAGE, null,
                        new Calibration("vit_large_patch14_clip_224", RTX_5090, 830.55,
                                RealisticArch.VIT_L_14.gflopsPerItem(), TIMM_5090)),
                new EncoderPlan("CLIP ViT-H/14 vision", "cuda:0", RTX_5090, RealisticArch.VIT_H_14.gflopsPerItem(),
                        1, RealisticArch.VIT_H_14, new Calibration("vit_huge_patch14_clip_224", RTX_5090, 421.48,
                        RealisticArch.VIT_H_14.gflopsPerItem(), TIMM_5090)),
                new EncoderPlan("CLIP ViT-L/14 text", "cuda:1", RTX_3080_TI,
                        RealisticArch.CLIP_L_TEXT.gflopsPerItem(), TEXTS_PER_IMAGE, RealisticArch.CLIP_L_TEXT,
                        new Calibration("vit_base_patch32_clip_quickgelu_224", RTX_3090, 4601.51,
                                RealisticArch.VIT_B_32.gflopsPerItem(), TIMM_3090)),
                new EncoderPlan("OpenCLIP ViT-bigG/14 text", "cuda:1", RTX_3080_TI,
                        RealisticArch.BIGG_TEXT.gflopsPerItem(), TEXTS_PER_IMAGE, RealisticArch.BIGG_TEXT,
                        new Calibration("vit_huge_patch14_clip_224", RTX_3090, 183.87,
                                RealisticArch.VIT_H_14.gflopsPerItem(), TIMM_3090)));
    }

    static final List<String> ASSUMPTIONS = List.of(
            "Each image costs " + TEXTS_PER_IMAGE + " texts per text encoder (prompt and negative prompt), no"
                    + " deduplication: an upper bound, since libraries repeat negative prompts and the cache embeds"
                    + " each distinct text once.",
            "BGE-large texts are " + BGE_TOKENS + " tokens (24 blocks, width 1024, MLP 4096; FLOPs by the same"
                    + " count as the generated towers); longer prompts cost proportionally more.",
            "Utilisation comes from a published ViT inference measurement with the same width and activation as"
                    + " the encoder (ViT-H/14 vision is the same network); text towers run 77 tokens instead of"
                    + " 50-257, and the reference ran batch 1024, so smaller batches may reach less.",
            "The 3080 Ti inherits the RTX 3090's measured utilisation (same GA102 SM), scaled by peak rate.",
            "ONNX Runtime's CUDA provider with fp16 weights is assumed to match PyTorch AMP; cuDNN/cuBLAS picks"
                    + " and TensorRT could move it either way.",
            "Encoders on one GPU run one after the other; the two GPUs run in parallel. Decoding, preprocessing,"
                    + " host-device copies and store writes are assumed to overlap with inference and are not"
                    + " counted.");

    /** One encoder of the seed's split and how its GPU throughput is projected. */
    public record EncoderPlan(String name, String device, Gpu gpu, double gflopsPerItem, int itemsPerImage,
                              RealisticArch measuredAs, Calibration calibration) {
        public double projectedItemsPerSecond() {
            return calibration.utilisation() * gpu.peakTflops() * 1000 / gflopsPerItem;
        }
    }

    /** One measured CPU row: arch and batch size, with the throughput JMH reported. */
    public record CpuResult(String arch, int batch, double millionParams, double gflopsPerItem,
                            double itemsPerSecond, double itemsPerSecondError) {
        public double gflopsPerSecond() {
            return itemsPerSecond * gflopsPerItem;
        }
    }

    private GpuProjection() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            throw new InvalidInputException("Usage: GpuProjection <jmh-result.json> <out-dir> (got "
                    + args.length + " arguments)");
        }
        write(Path.of(args[0]), Path.of(args[1]));
    }

    /** Reads {@code jmhJson}, writes {@code projection.md} and {@code projection.json} into {@code outDir}. */
    public static void write(Path jmhJson, Path outDir) {
        List<CpuResult> cpu = readCpuResults(jmhJson);
        try {
            Files.createDirectories(outDir);
            Files.writeString(outDir.resolve("projection.md"), markdown(cpu, plan()));
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(outDir.resolve("projection.json").toFile(), json(cpu, plan()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the projection into " + outDir, e);
        }
    }

    /** The RealisticModelBenchmark rows of a JMH JSON result, as items/s (ops/s × batch). */
    static List<CpuResult> readCpuResults(Path jmhJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(jmhJson.toFile());
        } catch (IOException e) {
            throw new InvalidInputException("Cannot read JMH result " + jmhJson + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new InvalidInputException("JMH result " + jmhJson + " is not a JSON array of benchmark results"
                    + " (write it with -rf json)");
        }
        List<CpuResult> rows = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (JsonNode r : root) {
            String benchmark = r.path("benchmark").asText();
            if (!benchmark.startsWith(BENCHMARK + ".")) {
                others.add(benchmark);
                continue;
            }
            String arch = r.path("params").path("arch").asText(null);
            String batchText = r.path("params").path("batch").asText(null);
            JsonNode metric = r.path("primaryMetric");
            if (arch == null || batchText == null || !metric.has("score")) {
                throw new InvalidInputException("JMH result " + jmhJson + ": a " + benchmark + " entry lacks"
                        + " params.arch, params.batch or primaryMetric.score");
            }
            RealisticArch a = RealisticArch.fromId(arch);
            int batch = Integer.parseInt(batchText);
            double perSecond = opsPerSecond(metric.path("scoreUnit").asText(), jmhJson) * batch;
            double error = metric.path("scoreError").isNumber() ? metric.path("scoreError").asDouble() : Double.NaN;
            rows.add(new CpuResult(a.id(), batch, Spec.of(a).parameterCount() / 1e6, a.gflopsPerItem(),
                    metric.path("score").asDouble() * perSecond, error * perSecond));
        }
        if (rows.isEmpty()) {
            throw new InvalidInputException("JMH result " + jmhJson + " has no " + BENCHMARK + " results"
                    + " (benchmarks found: " + others + ")");
        }
        rows.sort(Comparator.comparing((CpuResult c) -> RealisticArch.fromId(c.arch())).thenComparing(CpuResult::batch));
        return rows;
    }

    private static double opsPerSecond(String unit, Path file) {
        return switch (unit) {
            case "ops/s" -> 1;
            case "ops/ms" -> 1e3;
            case "ops/us" -> 1e6;
            case "ops/min" -> 1.0 / 60;
            default -> throw new InvalidInputException("JMH result " + file + " has score unit '" + unit
                    + "'; expected a throughput unit (ops/s, ops/ms, ops/us or ops/min)");
        };
    }

    /** Seconds per image each device spends, by device, in plan order. */
    static Map<String, Double> secondsPerImageByDevice(List<EncoderPlan> plan) {
        Map<String, Double> byDevice = new LinkedHashMap<>();
        for (EncoderPlan e : plan) {
            byDevice.merge(e.device(), e.itemsPerImage() / e.projectedItemsPerSecond(), Double::sum);
        }
        return byDevice;
    }

    static double projectedImagesPerSecond(List<EncoderPlan> plan) {
        return 1 / secondsPerImageByDevice(plan).values().stream().mapToDouble(Double::doubleValue).max()
                .orElseThrow();
    }

    static String markdown(List<CpuResult> cpu, List<EncoderPlan> plan) {
        StringBuilder md = new StringBuilder();
        md.append("## Realistic-size CLIP towers: CPU throughput per GFLOP\n\n");
        md.append("Random-weight models with the real shapes and operators (`RealisticModels`), through the SDK"
                + " encoders, 2 intra-op threads. GFLOPs = 2 × multiply-accumulates of Conv and MatMul work (within"
                + " 1 % of open_clip's published profile).\n\n");
        md.append("| arch | params (M) | GFLOPs/item | batch | CPU items/s | CPU effective GFLOP/s |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (CpuResult c : cpu) {
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %d | %s | %.1f |%n", c.arch(),
                    c.millionParams(), c.gflopsPerItem(), c.batch(), rate(c.itemsPerSecond(),
                            c.itemsPerSecondError()), c.gflopsPerSecond()));
        }
        double best = cpu.stream().mapToDouble(CpuResult::gflopsPerSecond).max().orElse(0);
        double worst = cpu.stream().mapToDouble(CpuResult::gflopsPerSecond).min().orElse(0);
        double spread = best / worst;
        md.append(String.format(Locale.ROOT, "%nEffective GFLOP/s spans %.1f-%.1f (×%.2f) across towers and batch"
                + " sizes: %s%n%n", worst, best, spread, spread <= SPREAD_TRACKS_FLOPS
                ? "nearly constant, so throughput tracks FLOPs, the premise of scaling GPU measurements by FLOPs below."
                : "wider than ×" + SPREAD_TRACKS_FLOPS + ", so this run does not show throughput tracking FLOPs"
                        + " (shared or busy cores make short runs noisy; rerun on an idle machine); the projection"
                        + " below scales by FLOPs all the same."));

        md.append("### Projection (not a measurement)\n\n");
        md.append("The seed's split: RTX 5090 on cuda:0 (BGE-large + CLIP ViT-H/14 vision), RTX 3080 Ti on cuda:1"
                + " (CLIP ViT-L/14 text + OpenCLIP ViT-bigG/14 text). Projected items/s = utilisation × GPU peak ÷"
                + " GFLOPs per item; utilisation = a published measured throughput × its GFLOPs ÷ that GPU's"
                + " peak.\n\n");
        md.append("| encoder | device | GFLOPs/item | per image | calibrated on | measured items/s | utilisation"
                + " | projected items/s | vs CPU |\n");
        md.append("|---|---|---:|---:|---|---:|---:|---:|---:|\n");
        for (EncoderPlan e : plan) {
            String vsCpu = cpuBest(cpu, e.measuredAs())
                    .map(c -> String.format(Locale.ROOT, "×%.0f", e.projectedItemsPerSecond() / c))
                    .orElse("–");
            md.append(String.format(Locale.ROOT, "| %s | %s %s | %.2f | %d | %s on %s | %.1f | %.0f %% | %.0f | %s |%n",
                    e.name(), e.device(), e.gpu().name(), e.gflopsPerItem(), e.itemsPerImage(),
                    e.calibration().model(), e.calibration().gpu().name(), e.calibration().itemsPerSecond(),
                    100 * e.calibration().utilisation(), e.projectedItemsPerSecond(), vsCpu));
        }
        md.append('\n');
        for (Map.Entry<String, Double> d : secondsPerImageByDevice(plan).entrySet()) {
            md.append(String.format(Locale.ROOT, "- %s: %.2f ms of inference per image%n", d.getKey(),
                    1000 * d.getValue()));
        }
        double imagesPerSecond = projectedImagesPerSecond(plan);
        md.append(String.format(Locale.ROOT, "- Projected: **%.0f images/s** with all slots (the slower GPU"
                        + " sets the pace); 64 images in **%.0f ms** (seed: about 500 ms); 200,000 images in"
                        + " **%.1f min** (seed: under 1.4 h).%n%n", imagesPerSecond,
                1000 * BATCH_IMAGES / imagesPerSecond, LIBRARY_IMAGES / imagesPerSecond / 60));
        md.append("Assumptions:\n\n");
        ASSUMPTIONS.forEach(a -> md.append("- ").append(a).append('\n'));
        md.append("\nSources:\n\n");
        for (Gpu g : List.of(RTX_5090, RTX_3090, RTX_3080_TI)) {
            md.append(String.format(Locale.ROOT, "- %s peak %.1f TFLOPS: %s.%n", g.name(), g.peakTflops(),
                    g.source()));
        }
        md.append("- Measured throughputs: " + TIMM_5090 + "; " + TIMM_3090 + " (huggingface/pytorch-image-models)."
                + " Reference GFLOPs from the generator's count (ViT-B/32 8.82, ViT-L/14 162.03, ViT-H/14 334.59,"
                + " as open_clip's docs/model_profile.csv).\n");
        return md.toString();
    }

    private static java.util.Optional<Double> cpuBest(List<CpuResult> cpu, RealisticArch arch) {
        if (arch == null) {
            return java.util.Optional.empty();
        }
        return cpu.stream().filter(c -> c.arch().equals(arch.id())).map(CpuResult::itemsPerSecond)
                .max(Double::compare);
    }

    private static String rate(double value, double error) {
        String v = value >= 10 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.3f", value);
        return Double.isNaN(error) ? v : v + " ± " + (value >= 10 ? String.format(Locale.ROOT, "%.1f", error)
                : String.format(Locale.ROOT, "%.3f", error));
    }

    static Map<String, Object> json(List<CpuResult> cpu, List<EncoderPlan> plan) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> cpuRows = new ArrayList<>();
        for (CpuResult c : cpu) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("arch", c.arch());
            row.put("batch", c.batch());
            row.put("millionParams", c.millionParams());
            row.put("gflopsPerItem", c.gflopsPerItem());
            row.put("itemsPerSecond", c.itemsPerSecond());
            row.put("gflopsPerSecond", c.gflopsPerSecond());
            cpuRows.add(row);
        }
        out.put("cpu", cpuRows);
        List<Map<String, Object>> encoders = new ArrayList<>();
        for (EncoderPlan e : plan) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("encoder", e.name());
            row.put("device", e.device());
            row.put("gpu", e.gpu());
            row.put("gflopsPerItem", e.gflopsPerItem());
            row.put("itemsPerImage", e.itemsPerImage());
            row.put("calibration", e.calibration());
            row.put("utilisation", e.calibration().utilisation());
            row.put("projectedItemsPerSecond", e.projectedItemsPerSecond());
            encoders.add(row);
        }
        out.put("projection", Map.of("label", "projection, not a measurement", "encoders", encoders,
                "secondsPerImageByDevice", secondsPerImageByDevice(plan),
                "imagesPerSecond", projectedImagesPerSecond(plan),
                "secondsFor64Images", BATCH_IMAGES / projectedImagesPerSecond(plan),
                "secondsFor200000Images", LIBRARY_IMAGES / projectedImagesPerSecond(plan),
                "assumptions", ASSUMPTIONS));
        return out;
    }
}
