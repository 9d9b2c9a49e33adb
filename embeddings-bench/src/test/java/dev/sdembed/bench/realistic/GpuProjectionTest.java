package dev.sdembed.bench.realistic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.InvalidInputException;
import dev.sdembed.bench.realistic.GpuProjection.CpuResult;
import dev.sdembed.bench.realistic.GpuProjection.EncoderPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuProjectionTest {
    private static final String BENCH = "dev.sdembed.bench.realistic.RealisticModelBenchmark.embed";

    @TempDir
    Path dir;

    @Test
    void cpuRowsAreOpsTimesBatchAndGflopsPerSecondFollowsTheArchsFlops() throws Exception {
        Path json = jmh(entry("vit-h-14", 4, 0.05, 0.01, "ops/s"), entry("clip-l-text", 1, 0.004, 0.001, "ops/ms"),
                entry("vit-h-14", 1, 0.25, 0.02, "ops/s"),
                "{\"benchmark\": \"dev.sdembed.bench.TinyClipBenchmark.textEmbedAll\", \"params\": {\"batch\": \"1\"},"
                        + " \"primaryMetric\": {\"score\": 99, \"scoreUnit\": \"ops/s\"}}");

        List<CpuResult> rows = GpuProjection.readCpuResults(json);

        // Sorted by arch (enum order), then batch; the TinyClip entry is not ours.
        assertThat(rows).extracting(CpuResult::arch, CpuResult::batch)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("vit-h-14", 1),
                        org.assertj.core.groups.Tuple.tuple("vit-h-14", 4),
                        org.assertj.core.groups.Tuple.tuple("clip-l-text", 1));
        assertThat(rows.get(1).itemsPerSecond()).isCloseTo(0.2, within(1e-12));
        assertThat(rows.get(1).itemsPerSecondError()).isCloseTo(0.04, within(1e-12));
        assertThat(rows.get(1).gflopsPerSecond()).isCloseTo(0.2 * 334.59, within(0.2 * 334.59 * 0.001));
        assertThat(rows.get(2).itemsPerSecond()).isCloseTo(4.0, within(1e-9));
        assertThat(rows.get(2).millionParams()).isCloseTo(123.65, within(0.01));
    }

    @Test
    void calibratingOnTheSameNetworkAndGpuGivesBackTheMeasurement() {
        EncoderPlan vitH = plan("CLIP ViT-H/14 vision");

        assertThat(vitH.projectedItemsPerSecond()).isCloseTo(421.48, within(1e-9));
    }

    @Test
    void anotherGpuAndTowerScaleByPeakAndFlops() {
        EncoderPlan bigG = plan("OpenCLIP ViT-bigG/14 text");
        // 3090's ViT-H/14 measurement, scaled by FLOPs (334.59 vs 97.86 per item) and peaks (68.2 vs 71.2 TFLOPS).
        double expected = 183.87 * (334.59 / 97.86) * (68.2 / 71.2);

        assertThat(bigG.projectedItemsPerSecond()).isCloseTo(expected, within(expected * 0.002));
    }

    @Test
    void theSlowerGpuSetsImagesPerSecond() {
        List<EncoderPlan> plan = GpuProjection.plan();
        double gpu0 = 2 / plan("BGE-large-en-v1.5").projectedItemsPerSecond()
                + 1 / plan("CLIP ViT-H/14 vision").projectedItemsPerSecond();
        double gpu1 = 2 / plan("CLIP ViT-L/14 text").projectedItemsPerSecond()
                + 2 / plan("OpenCLIP ViT-bigG/14 text").projectedItemsPerSecond();

        assertThat(GpuProjection.projectedImagesPerSecond(plan)).isCloseTo(1 / Math.max(gpu0, gpu1),
                within(1e-9));
    }

    @Test
    void mainWritesTheMarkdownSectionAndJson() throws Exception {
        Path json = jmh(entry("vit-b-32", 1, 5.0, 0.5, "ops/s"), entry("bigg-text", 4, 0.1, 0.01, "ops/s"));
        Path out = dir.resolve("report");

        GpuProjection.main(new String[] {json.toString(), out.toString()});

        String md = Files.readString(out.resolve("projection.md"));
        assertThat(md).contains("| vit-b-32 | 87.85 | 8.82 | 1 | 5.000 ± 0.500 | 44.1 |")
                .contains("| bigg-text | 694.66 | 97.86 | 4 | 0.400 ± 0.040 | 39.1 |")
                .contains("### Projection (not a measurement)")
                .contains("RTX 5090").contains("RTX 3080 Ti").contains("200,000 images")
                // 44.1 vs 39.1 GFLOP/s: within ×1.5.
                .contains("spans 39.1-44.1 (×1.13)").contains("nearly constant, so throughput tracks FLOPs");
        JsonNode written = new ObjectMapper().readTree(out.resolve("projection.json").toFile());
        assertThat(written.path("cpu")).hasSize(2);
        double imagesPerSecond = written.path("projection").path("imagesPerSecond").asDouble();
        assertThat(written.path("projection").path("secondsFor200000Images").asDouble())
                .isCloseTo(200_000 / imagesPerSecond, within(1e-6));
        assertThat(written.path("projection").path("label").asText()).isEqualTo("projection, not a measurement");
    }

    @Test
    void rejectsInputsItCannotUseWithTheReason() throws Exception {
        Path other = jmh("{\"benchmark\": \"dev.sdembed.bench.TinyClipBenchmark.textEmbedAll\","
                + " \"primaryMetric\": {\"score\": 1, \"scoreUnit\": \"ops/s\"}}");
        assertThatThrownBy(() -> GpuProjection.readCpuResults(other)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("has no dev.sdembed.bench.realistic.RealisticModelBenchmark results")
                .hasMessageContaining("TinyClipBenchmark.textEmbedAll");

        Path avgt = jmh(entry("vit-b-32", 1, 0.2, 0.01, "s/op"));
        assertThatThrownBy(() -> GpuProjection.readCpuResults(avgt))
                .hasMessageContaining("has score unit 's/op'; expected a throughput unit");

        Path object = Files.writeString(dir.resolve("object.json"), "{}");
        assertThatThrownBy(() -> GpuProjection.readCpuResults(object))
                .hasMessageContaining("is not a JSON array of benchmark results (write it with -rf json)");

        assertThatThrownBy(() -> GpuProjection.main(new String[] {"only-one"}))
                .hasMessage("Usage: GpuProjection <jmh-result.json> <out-dir> (got 1 arguments)");
        assertThatThrownBy(() -> GpuProjection.readCpuResults(dir.resolve("missing.json")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("Cannot read JMH result");
    }

    private static EncoderPlan plan(String name) {
        return GpuProjection.plan().stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
    }

    private static String entry(String arch, int batch, double score, double error, String unit) {
        return "{\"benchmark\": \"" + BENCH + "\", \"mode\": \"thrpt\", \"params\": {\"arch\": \"" + arch
                + "\", \"batch\": \"" + batch + "\"}, \"primaryMetric\": {\"score\": " + score + ", \"scoreError\": "
                + error + ", \"scoreUnit\": \"" + unit + "\"}}";
    }

    private Path jmh(String... entries) throws Exception {
        return Files.writeString(dir.resolve("jmh-" + entries.length + "-" + System.nanoTime() + ".json"),
                "[" + String.join(",\n", entries) + "]");
    }
}
