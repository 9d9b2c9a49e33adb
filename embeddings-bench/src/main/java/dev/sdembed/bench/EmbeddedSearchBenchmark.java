package dev.sdembed.bench;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.TextContent;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import dev.sdembed.testing.TestPaths;
import dev.sdembed.testing.TestVectors;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The embedded store's top-10 search at 100,000 and 1,000,000 clustered 1024-d vectors (one prompt and one image
 * record each): {@code path=default} (int8 codes in memory, the best candidates re-ranked by their exact scores from
 * the file) against {@code path=exact} ({@code exactSearch(true)}: every vector as float32 in memory, scored
 * exactly). Latency p50/p99 from JMH's sample-time histogram; the set-up prints, next to it, recall@10 against the
 * exact ranking over 100 held-out queries and the heap the slot's vectors take, and writes both with the load times
 * to {@code embedded-search-<path>-<vectors>.json} in {@link BenchOutput}'s folder.
 *
 * <p>The library is generated one batch at a time ({@link TestVectors.Clustered}: the same clusters as the store
 * tests use, 1,000 topics, spread 2.0) and streamed into the store, and the exact top 10 of every query is computed
 * from the same stream, so neither 4 GB of float32 test vectors nor the ranking's own copy is ever held. The store and
 * the exact answers stay under {@code target/bench-stores/search-<vectors>/} for the next trial (both paths read the
 * same file) and the next run; delete the folder to build them again (measured: 15 s at 100,000, 213 s at a million,
 * 6 GB of file). The default path needs about 1.1 GB of heap at a million vectors, the exact one 4.3 GB, hence the
 * fork's 5 GB. {@code bin/bench} runs 100,000; a million only on request:
 *
 * <p>Run: {@code java -jar embeddings-bench/target/benchmarks.jar EmbeddedSearch -p vectors=100000,1000000}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx5g"})
public class EmbeddedSearchBenchmark {
    static final int DIMENSION = 1024;
    static final SlotSpec SLOT = new SlotSpec("prompt_bench", Modality.TEXT, DIMENSION, "bench-encoder", "fp-bench",
            null);
    private static final int QUERIES = 100;
    private static final int K = 10;
    private static final int BATCH = 5000;
    private static final long SEED = 21;

    @Param({"100000", "1000000"})
    public int vectors;

    @Param({"exact", "default"})
    public String path;

    private EmbeddedEmbeddingStore store;
    private float[][] queries;
    private int next;

    @Setup(Level.Trial)
    public void load() {
        if (!path.equals("exact") && !path.equals("default")) {
            throw new IllegalArgumentException("path is '" + path + "'; expected exact or default");
        }
        Path dir = StoreIngestBenchmark.benchTarget().resolve("bench-stores").resolve("search-" + vectors);
        TestVectors.Clustered source = new TestVectors.Clustered(DIMENSION, 1000, 2.0, SEED);
        queries = new float[QUERIES][];
        TestVectors.Clustered held = source.withMembers(SEED + 1);
        for (int q = 0; q < QUERIES; q++) {
            queries[q] = held.next();
        }
        double writeSeconds = 0;
        int[][] truth = readTruth(dir);
        if (truth == null) {
            long t0 = System.nanoTime();
            truth = build(dir, source);
            writeSeconds = (System.nanoTime() - t0) / 1e9;
        }
        System.gc();
        long heapBefore = usedHeap();
        store = EmbeddedEmbeddingStore.builder().directory(dir).slot(SLOT).readOnly(true)
                .exactSearch(path.equals("exact")).build();
        long t0 = System.nanoTime();
        search(queries[0]);
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        System.gc();
        double heapPerDimension = (usedHeap() - heapBefore) / ((double) vectors * DIMENSION);
        double found = 0;
        for (int q = 0; q < QUERIES; q++) {
            List<SearchHit> hits = search(queries[q]);
            for (SearchHit h : hits) {
                int id = indexOf(h.path());
                found += IntStream.of(truth[q]).anyMatch(i -> i == id) ? 1 : 0;
            }
        }
        double recall = found / (QUERIES * (double) K);
        System.out.printf(Locale.ROOT, "%n%s path, %,d x %d-d: recall@%d %.4f against the exact ranking (%d queries), "
                + "heap %.3f bytes per dimension and vector, vectors loaded in %.1f s%n", path, vectors, DIMENSION, K,
                recall, QUERIES, heapPerDimension, loadSeconds);
        BenchOutput.write("embedded-search-" + path + "-" + vectors + ".json", new Result(path, vectors, DIMENSION,
                recall, QUERIES, heapPerDimension, loadSeconds, writeSeconds));
    }

    /**
     * One trial's figures beside its latency, as {@link BenchReport} reads them.
     *
     * @param heapBytesPerDimension the heap the loaded slot added (after a GC), per vector and dimension
     * @param writeSeconds          generating and writing the library, 0 when an earlier run left it
     */
    record Result(String path, int vectors, int dimension, double recallAt10, int queries,
                  double heapBytesPerDimension, double loadSeconds, double writeSeconds) {
    }

    @TearDown(Level.Trial)
    public void close() {
        store.close();
    }

    @Benchmark
    public void searchTop10(Blackhole hole) {
        hole.consume(search(queries[next++ % QUERIES]));
    }

    private List<SearchHit> search(float[] query) {
        List<SearchHit> hits = store.search(SearchRequest.builder(SearchQuery.vector(SLOT.name(),
                new Embedding(query))).k(K).build());
        if (hits.size() != K) {
            throw new IllegalStateException(path + " search returned " + hits.size() + " hits instead of " + K);
        }
        return hits;
    }

    /** Streams the library into a new store at {@code dir} and returns the exact top 10 of each query. */
    private int[][] build(Path dir, TestVectors.Clustered source) {
        try {
            TestPaths.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove the previous benchmark store " + dir, e);
        }
        TopK[] best = new TopK[QUERIES];
        for (int q = 0; q < QUERIES; q++) {
            best[q] = new TopK(K);
        }
        long t0 = System.nanoTime();
        try (EmbeddedEmbeddingStore writer = EmbeddedEmbeddingStore.builder().directory(dir).slot(SLOT).build()) {
            float[][] batch = new float[BATCH][];
            for (int from = 0; from < vectors; from += BATCH) {
                int n = Math.min(BATCH, vectors - from);
                WriteBatch.Builder b = WriteBatch.builder();
                for (int i = 0; i < n; i++) {
                    batch[i] = source.next();
                    TextContent text = TextContent.of("bench prompt " + (from + i)
                            + ", masterpiece, best quality, cinematic lighting");
                    // A distinct fake image content: hashes are what matter to a store, not pixels.
                    ImageContent image = new ImageContent(ContentHash.ofBytes(("image:bench-" + (from + i))
                            .getBytes(StandardCharsets.UTF_8)), 512, 768, "png", 1000);
                    b.text(text).image(image).embedding(SLOT.name(), text.hash(), batch[i])
                            .record(ImageRecord.builder(pathOf(from + i)).imageHash(image.hash()).promptHash(text.hash())
                                    .generator((from + i) % 20 == 0 ? "comfyui" : "a1111").fileSize(1000)
                                    .modifiedAt(Instant.EPOCH).build());
                }
                writer.write(b.build());
                int first = from;
                IntStream.range(0, QUERIES).parallel().forEach(q -> {
                    for (int i = 0; i < n; i++) {
                        best[q].offer(first + i, dot(batch[i], queries[q]));
                    }
                });
                if ((from / BATCH) % 20 == 19) {
                    System.out.printf(Locale.ROOT, "%,d of %,d vectors written (%.0f s)%n", from + n, vectors,
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        int[][] truth = new int[QUERIES][];
        for (int q = 0; q < QUERIES; q++) {
            truth[q] = best[q].indexes();
        }
        writeTruth(dir, truth);
        return truth;
    }

    private int[][] readTruth(Path dir) {
        Path file = dir.resolve("exact-top10.bin");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            if (in.readInt() != vectors || in.readLong() != SEED || in.readInt() != QUERIES) {
                return null;
            }
            int[][] truth = new int[QUERIES][K];
            for (int[] row : truth) {
                for (int i = 0; i < K; i++) {
                    row[i] = in.readInt();
                }
            }
            return truth;
        } catch (IOException e) {
            return null;
        }
    }

    /** Written last: its presence says the store beside it is complete. */
    private void writeTruth(Path dir, int[][] truth) {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("exact-top10.bin")))) {
            out.writeInt(vectors);
            out.writeLong(SEED);
            out.writeInt(QUERIES);
            for (int[] row : truth) {
                for (int i : row) {
                    out.writeInt(i);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the exact answers into " + dir, e);
        }
    }

    /** The inner product summed as the store's exact search sums it (four float accumulators), for equal ranks. */
    private static float dot(float[] v, float[] q) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        for (int j = 0; j < v.length; j += 4) {
            s0 += v[j] * q[j];
            s1 += v[j + 1] * q[j + 1];
            s2 += v[j + 2] * q[j + 2];
            s3 += v[j + 3] * q[j + 3];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static String pathOf(int i) {
        return "/bench/" + (i % 97) + "/" + i + ".png";
    }

    private static int indexOf(String path) {
        return Integer.parseInt(path.substring(path.lastIndexOf('/') + 1, path.length() - ".png".length()));
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The best k (score, index) pairs offered, ties to the lower index; not thread-safe (one per query). */
    private static final class TopK {
        private final int[] index;
        private final double[] score;
        private int size;

        TopK(int k) {
            index = new int[k];
            score = new double[k];
        }

        void offer(int i, double s) {
            if (size == index.length && s <= score[size - 1]) {
                return;
            }
            int at = size == index.length ? size - 1 : size++;
            while (at > 0 && score[at - 1] < s) {
                score[at] = score[at - 1];
                index[at] = index[at - 1];
                at--;
            }
            score[at] = s;
            index[at] = i;
        }

        int[] indexes() {
            return index.clone();
        }
    }

    /** Runs in this JVM, for debugging. */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(EmbeddedSearchBenchmark.class.getSimpleName()).forks(0).build()).run();
    }
}
