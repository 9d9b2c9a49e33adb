package dev.sdembed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.testing.ReleaseArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The release archives in the benchmark report: the size of each archive in {@code sdembed-dist/target}, and what a
 * user's first run of the CPU archive costs: unpacking it ({@code tar}), then the first {@code sdembed index} of the
 * sample library from it, in a new JVM with nothing but the JDK on the PATH (start, loading bge-small and fusing its
 * attention, indexing 48 images). Unpacks into a temporary folder as the archive's test does
 * ({@link ReleaseArchive}), and deletes it.
 *
 * <p>Run: {@code java -cp embeddings-bench/target/benchmarks.jar dev.sdembed.bench.ArchiveRunMain sdembed-dist/target};
 * with {@code -Dsdembed.bench.out=DIR} the figures go to {@code DIR/archive.json} for {@link BenchReport}.
 */
public final class ArchiveRunMain {
    static final String RESULT = "archive.json";

    private ArchiveRunMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("Usage: ArchiveRunMain DIR   (DIR: sdembed-dist/target, holding the release archives)");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Map<String, Object> result = new LinkedHashMap<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        Path cpu = null;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith("sdembed-") && (name.endsWith(".tar.gz") || name.endsWith(".zip"))) {
                    sizes.put(name, Files.size(f));
                    cpu = name.endsWith("-cpu-" + ReleaseArchive.thisPlatform() + ".tar.gz") ? f : cpu;
                }
            }
        }
        if (cpu == null) {
            System.err.println("archive run: no sdembed-*-cpu-" + ReleaseArchive.thisPlatform() + ".tar.gz in " + dir
                    + "; build it: mvn -DskipTests package");
            System.exit(2);
        }
        result.put("archives", sizes);

        long start = System.nanoTime();
        try (ReleaseArchive archive = ReleaseArchive.unpack(cpu)) {
            result.put("unpackSeconds", (System.nanoTime() - start) / 1e9);
            Path work = archive.newFolder("bench");
            require(archive.run(work, "samples", "samples"));
            ReleaseArchive.Run index = require(archive.run(work, "index", "samples", "--json-summary"));
            List<String> lines = index.outLines();
            JsonNode summary = BenchOutput.JSON.readTree(lines.get(lines.size() - 1));
            result.put("archive", cpu.getFileName().toString());
            result.put("images", summary.path("indexed").asInt());
            result.put("textsEmbedded", summary.at("/slots/prompt_bge/computed").asInt());
            result.put("firstIndexSeconds", index.took().toMillis() / 1000.0);
            result.put("pipelineSeconds", summary.path("wallTimeMs").asLong() / 1000.0);
            result.put("jdk", System.getProperty("java.version"));
        }
        System.out.printf(Locale.ROOT, "Release archives: %s; first index of %s images from the unpacked %s: %.1f s"
                        + " (pipeline %.2f s), unpacking %.1f s%n", sizes, result.get("images"), result.get("archive"),
                result.get("firstIndexSeconds"), result.get("pipelineSeconds"), result.get("unpackSeconds"));
        BenchOutput.write(RESULT, result);
    }

    private static ReleaseArchive.Run require(ReleaseArchive.Run run) {
        if (run.exitCode() != 0) {
            throw new IllegalStateException("The unpacked archive failed: " + run.describe());
        }
        return run;
    }
}
