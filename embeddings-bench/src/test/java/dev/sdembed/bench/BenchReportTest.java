package dev.sdembed.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report generator on results captured from a real {@code bin/bench} run ({@code src/test/resources/bench-sample},
 * sample-time histograms cut to a few bins to keep the files small).
 */
class BenchReportTest {
    private static final List<String> SAMPLE = List.of("encoders.jmh.json", "store-ingest.jmh.json",
            "store-latency.jmh.json", "pipeline.json", "pipeline-vit-b-32.json", "store-ingest-embedded-10000.json",
            "store-ingest-postgres-10000.json", "durations.tsv", "archive.json");
    private static final Machine MACHINE = new Machine(2, "Test CPU @ 2.0GHz", "OpenJDK 17", "1.28.0");

    @TempDir
    Path dir;

    @Test
    void writesTablesFromTheCapturedResults() throws IOException {
        copySample(SAMPLE);
        for (String name : SAMPLE) {
            Files.setLastModifiedTime(dir.resolve(name), FileTime.from(Instant.parse("2026-11-24T20:00:00Z")));
        }
        Files.setLastModifiedTime(dir.resolve("pipeline.json"), FileTime.from(Instant.parse("2026-11-24T23:33:10Z")));

        String md = Files.readString(BenchReport.write(dir, MACHINE));

        assertThat(md).contains("- Measured: 2026-11-24T23:33:10Z\n")
                .contains("- Machine: 2 cores, Test CPU @ 2.0GHz")
                .contains("- ONNX Runtime: 1.28.0")
                .contains("- JDK: 17.0.15 (OpenJDK 64-Bit Server VM 17.0.15+6-Debian-1deb12u1)");
        // Encoders: BGE is per text already (256 ops per invocation); tiny CLIP ops are batches (files: 64 each).
        assertThat(md).contains("| BGE-small, sdembed (sequential) | 1 | 9.46 | – | 0.92x |")
                .contains("| BGE-small, sdembed (sequential) | 32 | 16.8 | – | 1.63x |")
                .contains("| BGE-small, LangChain4j (its own batching) | – | 10.3 | – | 1.00x |")
                .contains("| tiny CLIP text | 16 | 1,315 | – | – |")
                .contains("| tiny CLIP vision (preprocessed pixels) | 64 | 81.8 | – | – |")
                .contains("| tiny CLIP vision (PNG files: decode + preprocess + infer) | 16 | 28.5 | – | – |");
        assertThat(md).contains("Library: 1000 generated PNGs of 256 px with A1111 metadata, 210 distinct texts")
                .contains("| slowest encoder alone (clip-vision), library images/s | 74.3 |")
                .contains("| pipeline end to end, images/s | 34.2 |")
                .contains("| pipeline / slowest encoder alone | 46.1 % |")
                .contains("| pipeline / ceiling (issue 21: at least 90 %) | 68.4 % |")
                .contains("| CPU-s: encoders alone / pipeline's JVM / machine during the pipeline"
                        + " | 5.87 / 7.08 / 8.11 |")
                .contains("| indexed / failed | 1000 / 0 |");
        // The run with a full-size vision tower follows, as its own table without a chart.
        String realistic = md.substring(md.indexOf("Library: 400 generated PNGs"));
        assertThat(realistic).startsWith("Library: 400 generated PNGs of 256 px with A1111 metadata, 90 distinct"
                        + " texts; bge-small for prompts and negatives (on cpu), a full-size vit-b-32 vision tower of"
                        + " random weights (its real shapes and FLOPs) for pixels (on cpu), a real PostgreSQL; best of"
                        + " 2 rounds.")
                .contains("| pipeline end to end, images/s | 40.2 |")
                .contains("| pipeline / ceiling (issue 21: at least 90 %) | 93.7 % |")
                .contains("| indexed / failed | 400 / 0 |");
        assertThat(realistic.substring(0, realistic.indexOf("\n## "))).doesNotContain("![pipeline]");
        // Ingest: single-shot ms per 20,000 vectors -> vectors/s.
        assertThat(md).contains("| PostgreSQL: store write (binary COPY) | 20,000 | 0.97 | 20,697 |")
                .contains("| PostgreSQL: store write, two writers (as the pipeline) | 20,000 | 1.07 | 18,609 |")
                .contains("| PostgreSQL: JDBC batched INSERT (baseline) | 20,000 | 8.36 | 2,392 |")
                .contains("| PostgreSQL | 10,000 | 14.5 | 31.5 | 217 |\n| embedded | 10,000 | 9.8 | 1.5 | 888 |");
        // Latency: p50/p99 from JMH's percentiles (ms/op); samples counted from the (cut) histogram.
        assertThat(md).contains("| PostgreSQL | 10,000 | 17.4 | 59.5 | 19.9 | 6 |")
                .contains("| PostgreSQL | 100,000 | 23.7 | 78.1 | 25.7 | 6 |")
                .contains("| embedded | 10,000 | 21.4 | 101.4 | 25.7 | 7 |")
                .contains("| embedded | 100,000 | 228.9 | 310.9 | 225.3 | 7 |");
        // Release archives: sizes in MB (10^6 bytes) and the first index from the unpacked CPU archive.
        assertThat(md).contains("| `sdembed-0.1.0-SNAPSHOT-cpu-linux-x64.tar.gz` | 114.7 |\n")
                .contains("| `sdembed-0.1.0-SNAPSHOT-gpu-windows-x64.zip` | 436.2 |\n")
                .contains("First `sdembed index` of the 48-image sample library from the unpacked"
                        + " `sdembed-0.1.0-SNAPSHOT-cpu-linux-x64.tar.gz`, as a user's first run: a new JVM"
                        + " (Java 17.0.15) with only the JDK on the PATH, loading bge-small and fusing its attention, embedding 27 texts:"
                        + " **2.7 s**, of which the pipeline 0.29 s. Unpacking it with tar: 1.4 s.");
        assertThat(md).contains("| encoders | 726 |").contains("| **total** | 1490 |")
                .doesNotContain("## Other benchmarks");
    }

    @Test
    void drawsEveryChartAsADecodablePng() throws IOException {
        copySample(SAMPLE);

        BenchReport.write(dir, MACHINE);

        for (String chart : List.of(BenchReport.ENCODERS_CHART, BenchReport.PIPELINE_CHART, BenchReport.INGEST_CHART,
                BenchReport.LATENCY_CHART)) {
            Path file = dir.resolve(chart);
            assertThat(Files.size(file)).as(chart).isGreaterThan(10_000);
            BufferedImage image = ImageIO.read(file.toFile());
            assertThat(image).as(chart).isNotNull();
            assertThat(image.getWidth()).isEqualTo(900);
            assertThat(image.getHeight()).isEqualTo(520);
            assertThat(distinctColours(image)).as(chart).isGreaterThan(20);
        }
    }

    /** Issue 21's table: latency from JMH, recall and heap from the benchmark's own files, the ratio to exact. */
    @Test
    void embeddedSearchRowsPutRecallAndHeapBesideLatency() throws IOException {
        copySample(List.of("embedded-search.jmh.json", "embedded-search-exact-100000.json",
                "embedded-search-default-100000.json", "embedded-search-exact-1000000.json",
                "embedded-search-default-1000000.json"));

        String md = Files.readString(BenchReport.write(dir, MACHINE));

        assertThat(md).contains("## Embedded search: int8 codes + exact re-rank vs exact")
                .contains("| exact | 100,000 | 14.3 | 36.6 | – | 1.0000 | 4.080 | 0.7 |\n"
                        + "| default | 100,000 | 3.98 | 8.65 | 0.28 x | 1.0000 | 1.077 | 1.2 |\n"
                        + "| exact | 1,000,000 | 167.0 | 256.4 | – | 1.0000 | 4.047 | 7.5 |\n"
                        + "| default | 1,000,000 | 30.9 | 51.6 | 0.18 x | 1.0000 | 1.056 | 7.4 |")
                .doesNotContain("## Other benchmarks");
    }

    @Test
    void saysWhatIsMissingInAPartialRun() throws IOException {
        copySample(List.of("store-latency.jmh.json"));

        String md = Files.readString(BenchReport.write(dir, MACHINE));

        assertThat(md).contains("Not measured in this run (no BgeThroughput, LangChain4jBge or TinyClip results).")
                .contains("Not measured in this run (no pipeline.json from PipelineThroughputMain).")
                .contains("COPY vs INSERT not measured in this run (no StoreIngestBenchmark ingest results).")
                .contains("## Release archives\n\nNot measured in this run (no archive.json from ArchiveRunMain).")
                .contains("Not measured in this run (no EmbeddedSearchBenchmark results).")
                .contains("Not measured in this run (no startup.md from bin/bench-startup).")
                .contains("## BGE int8\n\nNot measured in this run (no int8.md from BgeInt8Main).")
                .contains("No projection: the realistic-size model benchmarks (`dev.sdembed.bench.realistic`)")
                .contains("![latency](store-latency.png)");
        assertThat(dir.resolve(BenchReport.ENCODERS_CHART)).doesNotExist();
        assertThat(dir.resolve(BenchReport.LATENCY_CHART)).isRegularFile();
    }

    @Test
    void includesTheProjectionAndOtherBenchmarksItDoesNotKnow() throws IOException {
        copySample(List.of("encoders.jmh.json"));
        Files.writeString(dir.resolve("projection.md"), "# Projection\n\nRTX 5090: 1,000 images/s (projection)\n");
        String other = Files.readString(dir.resolve("encoders.jmh.json"))
                .replace("dev.sdembed.bench.LangChain4jBgeBenchmark.embedAll",
                        "dev.sdembed.bench.realistic.RealisticModelBenchmark.vitB32");
        Files.writeString(dir.resolve("realistic.jmh.json"), other);

        String md = Files.readString(BenchReport.write(dir, MACHINE));

        assertThat(md).contains("## GPU projection\n\n## Projection\n\nRTX 5090: 1,000 images/s (projection)")
                .contains("| RealisticModelBenchmark.vitB32 | – | thrpt | ");
    }

    @Test
    void rejectsAResultFileThatIsNotJmhJson() throws IOException {
        Files.writeString(dir.resolve("broken.jmh.json"), "{\"benchmark\": \"x\"}");

        assertThatThrownBy(() -> BenchReport.write(dir, MACHINE)).isInstanceOf(InvalidInputException.class)
                .hasMessage("Benchmark result " + dir.resolve("broken.jmh.json") + " is not a JMH JSON result "
                        + "(expected an array of results, as -rf json writes)");
        assertThatThrownBy(() -> BenchReport.write(dir.resolve("absent"), MACHINE))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not exist; run bin/bench first");
    }

    @Test
    void readsTheCpuModelFromProcCpuinfo() throws IOException {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU "
                + "@ 2.20GHz\nflags\t: fpu\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n");

        assertThat(Machine.cpuModel(cpuinfo)).isEqualTo("Intel(R) Xeon(R) CPU @ 2.20GHz");
        assertThat(Machine.cpuModel(dir.resolve("none"))).endsWith("(no /proc/cpuinfo)");
    }

    @Test
    void bgeRowsNameTheirAttentionFusion() throws IOException {
        copySample(List.of("encoders.jmh.json"));
        Path encoders = dir.resolve("encoders.jmh.json");
        // The captured run predates the fusion parameter; give its batch-1 result one of each setting.
        String json = Files.readString(encoders);
        json = json.replaceFirst("\"batchSize\" : \"1\",\\s*\"layout\" : \"sequential\"",
                "\"batchSize\" : \"1\", \"layout\" : \"sequential\", \"fusion\" : \"on\"");
        json = json.replaceFirst("\"batchSize\" : \"8\",\\s*\"layout\" : \"sequential\"",
                "\"batchSize\" : \"8\", \"layout\" : \"sequential\", \"fusion\" : \"off\"");
        Files.writeString(encoders, json);

        String md = Files.readString(BenchReport.write(dir, MACHINE));

        assertThat(md).contains("| BGE-small, sdembed (sequential, fused attention, CLS-only last layer) | 1 | 9.46 | – | 0.92x |")
                .contains("| BGE-small, sdembed (sequential, graph as exported) | 8 |")
                .contains("| BGE-small, sdembed (sequential) | 32 | 16.8 | – | 1.63x |");
    }

    private void copySample(List<String> names) throws IOException {
        for (String name : names) {
            try (InputStream in = getClass().getResourceAsStream("/bench-sample/" + name)) {
                assertThat(in).as("test resource bench-sample/" + name).isNotNull();
                Files.copy(in, dir.resolve(name));
            }
        }
    }

    private static int distinctColours(BufferedImage image) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
