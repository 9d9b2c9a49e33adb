package dev.sdembed.bench;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import dev.sdembed.store.postgres.PostgresEmbeddingStore;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * Both stores through the store SPI only ({@link EmbeddingStore#write}, {@link EmbeddingStore#search}) at two library
 * sizes of 1024-d prompt vectors with one image record each: top-10 search latency, p50/p99 from JMH's sample-time
 * histogram.
 *
 * <p>The trial set-up loads the library the fast way each store offers and times it, which is the ingest rate:
 * PostgreSQL writes batches of 5,000 through binary COPY with the slot's HNSW index dropped, then builds the index
 * (as {@code sdembed index} on an empty store would profit from); the embedded store writes the same batches, then
 * reads the slot's vectors into memory on the first search. Those times go to {@code store-ingest-<store>-<n>.json}
 * in {@link BenchOutput}'s folder, since JMH only records the measured method.
 *
 * <p>Run: {@code java -jar embeddings-bench/target/benchmarks.jar StoreLatency}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 2, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class StoreLatencyBenchmark {
    private static final int BATCH = 5000;

    @Param({"postgres", "embedded"})
    public String store;

    @Param({"10000", "100000"})
    public int vectors;

    private EmbeddingStore opened;
    private float[][] queries;
    private int next;

    @Setup(Level.Trial)
    public void load() {
        StoreBenchData library = StoreBenchData.generate(vectors);
        queries = library.queries;
        long t0 = System.nanoTime();
        double writeSeconds;
        double indexSeconds;
        if (store.equals("postgres")) {
            PostgresEmbeddingStore pg = PostgresEmbeddingStore.builder().url(StoreBenchData.postgres().url()).schema(StoreBenchData.postgres().newSchema("bench_latency"))
                    .slot(StoreBenchData.SLOT).build();
            opened = pg;
            pg.dropVectorIndex(StoreBenchData.SLOT.name());
            library.writeAll(pg, BATCH);
            writeSeconds = seconds(t0);
            indexSeconds = pg.createVectorIndex(StoreBenchData.SLOT.name()).toNanos() / 1e9;
        } else if (store.equals("embedded")) {
            Path dir = StoreIngestBenchmark.benchTarget().resolve("bench-stores").resolve("embedded-" + vectors);
            deleteTree(dir);
            opened = EmbeddedEmbeddingStore.builder().directory(dir).slot(StoreBenchData.SLOT).build();
            library.writeAll(opened, BATCH);
            writeSeconds = seconds(t0);
            long l0 = System.nanoTime();
            search(queries[0]);
            indexSeconds = seconds(l0);
        } else {
            throw new IllegalArgumentException("store is '" + store + "'; expected postgres or embedded");
        }
        BenchOutput.write("store-ingest-" + store + "-" + vectors + ".json", new StoreIngest(store, vectors,
                StoreBenchData.DIMENSION, writeSeconds, indexSeconds, vectors / (writeSeconds + indexSeconds)));
    }

    /**
     * One store load, as {@link BenchReport} reads it.
     *
     * @param writeSeconds the batch writes
     * @param indexSeconds PostgreSQL: the HNSW index build; embedded: reading the vectors into memory
     * @param vectorsPerSecond vectors over both
     */
    record StoreIngest(String store, int vectors, int dimension, double writeSeconds, double indexSeconds,
                       double vectorsPerSecond) {
    }

    @TearDown(Level.Trial)
    public void close() {
        opened.close();
    }

    @Benchmark
    public void searchTop10(Blackhole hole) {
        hole.consume(search(queries[next++ % queries.length]));
    }

    private List<SearchHit> search(float[] query) {
        List<SearchHit> hits = opened.search(SearchRequest.builder(SearchQuery.vector(StoreBenchData.SLOT.name(),
                new Embedding(query))).k(10).build());
        if (hits.size() != 10) {
            throw new IllegalStateException(store + " search returned " + hits.size() + " hits instead of 10");
        }
        return hits;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void deleteTree(Path dir) {
        try {
            TestPaths.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove the previous benchmark store " + dir, e);
        }
    }

    /** Runs in this JVM, for debugging. */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(StoreLatencyBenchmark.class.getSimpleName()).forks(0).build()).run();
    }
}
