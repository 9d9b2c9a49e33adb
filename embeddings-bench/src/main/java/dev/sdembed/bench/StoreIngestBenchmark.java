package dev.sdembed.bench;

import com.pgvector.PGvector;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.postgres.PostgresEmbeddingStore;
import dev.sdembed.store.postgres.PostgresUrl;
import dev.sdembed.testing.PostgresTestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.Properties;
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
 * The PostgreSQL store on 100,000 clustered 1024-d vectors, in one run:
 * <ul>
 *   <li>{@code ingestBinaryCopy}: the store's bulk path ({@link PostgresEmbeddingStore#write}: one lookup of the
 *       stored texts, then binary COPY of the new texts and their vectors straight into their tables) into an
 *       unindexed slot, 5,000 per batch, the batches made before timing;</li>
 *   <li>{@code ingestBinaryCopyTwoWriters}: the same batches written by two threads at once, as the pipeline's two
 *       batches in flight write them;</li>
 *   <li>{@code ingestBatchedInsert}: the same rows through plain JDBC batched INSERT ... ON CONFLICT with
 *       pgvector-java's {@code PGvector} parameters, the baseline;</li>
 *   <li>{@code hnswBuild}: building the slot's HNSW index over the loaded vectors;</li>
 *   <li>{@code searchTop10}: top-10 search latency (p50/p99 in the sample-time output) on the indexed store,
 *       unfiltered and with a filter 5 % of the images pass.</li>
 * </ul>
 * The server is the throwaway cluster of the store tests (durability off: fsync, synchronous_commit and
 * full_page_writes), or {@code SDEMBED_TEST_PG_URL}.
 *
 * <p>Run: {@code java -jar embeddings-bench/target/benchmarks.jar StoreIngest -f 1}
 */
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
// The ingest benchmarks' settings; hnswBuild and searchTop10 give their own, which JMH lets override these.
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class StoreIngestBenchmark {
    static final int DIMENSION = StoreBenchData.DIMENSION;
    static final SlotSpec SLOT = StoreBenchData.SLOT;

    /** 100,000 prompts with clustered vectors, and 1,000 held-out query vectors of the same distribution. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param("100000")
        public int vectors;

        @Param("5000")
        public int batchSize;

        PostgresTestServer server;
        StoreBenchData library;

        @Setup(Level.Trial)
        public void generate() {
            server = StoreBenchData.postgres();
            library = StoreBenchData.generate(vectors);
        }

        /** A new store holding every image, prompt and vector, loaded through the bulk path without the index. */
        PostgresEmbeddingStore loadedStore(String schemaPrefix) {
            PostgresEmbeddingStore store = PostgresEmbeddingStore.builder().url(server.url()).schema(server.newSchema(schemaPrefix)).slot(SLOT).build();
            store.dropVectorIndex(SLOT.name());
            library.writeAll(store, batchSize);
            return store;
        }
    }

    /**
     * An empty store whose slot has no index, emptied again before every measured ingest, and the batches to write
     * into it, made before measuring: what is timed is the store's write, not the copying of 400 MB of floats into
     * {@code Embedding}s, which a pipeline does as its encoders return.
     */
    @State(Scope.Benchmark)
    public static class EmptySlot {
        PostgresEmbeddingStore store;
        List<WriteBatch> batches;

        @Setup(Level.Trial)
        public void open(Data data) {
            store = PostgresEmbeddingStore.builder().url(data.server.url()).schema(data.server.newSchema("bench_ingest")).slot(SLOT).build();
            store.dropVectorIndex(SLOT.name());
            batches = new ArrayList<>();
            for (int from = 0; from < data.vectors; from += data.batchSize) {
                batches.add(data.library.batch(from, Math.min(data.vectors, from + data.batchSize), false));
            }
        }

        @Setup(Level.Invocation)
        public void empty(Data data) throws SQLException {
            try (Connection c = connect(data.server, store.schema()); Statement st = c.createStatement()) {
                st.execute("TRUNCATE text_contents, emb_" + SLOT.name() + " CASCADE");
                st.execute("CHECKPOINT");
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            store.close();
        }
    }

    /** 100,000 images with their prompts and vectors, loaded through the bulk path without the index. */
    @State(Scope.Benchmark)
    public static class LoadedSlot {
        PostgresEmbeddingStore store;

        @Setup(Level.Trial)
        public void load(Data data) {
            store = data.loadedStore("bench_loaded");
        }

        @Setup(Level.Invocation)
        public void dropIndex() {
            store.dropVectorIndex(SLOT.name());
        }

        @TearDown(Level.Trial)
        public void close() {
            store.close();
        }
    }

    /** The loaded store with its index built, for query latency. */
    @State(Scope.Benchmark)
    public static class IndexedSlot {
        @Param({"none", "generator-5pct"})
        public String filter;

        PostgresEmbeddingStore store;
        SearchFilter searchFilter;
        int next;

        @Setup(Level.Trial)
        public void build(Data data) {
            store = data.loadedStore("bench_indexed");
            Duration took = store.createVectorIndex(SLOT.name());
            System.out.printf("%nHNSW index over %d x %d-d built in %.1f s%n", data.vectors, DIMENSION,
                    took.toMillis() / 1000.0);
            searchFilter = filter.equals("none") ? SearchFilter.NONE : SearchFilter.generator("comfyui");
        }

        @TearDown(Level.Trial)
        public void close() {
            store.close();
        }
    }

    @Benchmark
    public void ingestBinaryCopy(Data data, EmptySlot slot) {
        for (WriteBatch batch : slot.batches) {
            slot.store.write(batch);
        }
    }

    /**
     * The bulk path as the pipeline drives it: two writers (its default two batches in flight), each batch its own
     * transaction on its own pooled connection, so the server works on two batches at once.
     */
    @Benchmark
    public void ingestBinaryCopyTwoWriters(Data data, EmptySlot slot) throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> written = new ArrayList<>();
            for (WriteBatch batch : slot.batches) {
                written.add(writers.submit(() -> slot.store.write(batch)));
            }
            for (Future<?> f : written) {
                f.get();
            }
        } finally {
            writers.shutdownNow();
        }
    }

    @Benchmark
    public void ingestBatchedInsert(Data data, EmptySlot slot) throws SQLException {
        try (Connection c = connect(data.server, slot.store.schema());
             PreparedStatement text = c.prepareStatement("INSERT INTO text_contents (hash, text) VALUES (?, ?) "
                     + "ON CONFLICT (hash) DO NOTHING");
             PreparedStatement vector = c.prepareStatement("INSERT INTO emb_" + SLOT.name() + " (hash, fingerprint, "
                     + "embedding) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING")) {
            c.setAutoCommit(false);
            for (int from = 0; from < data.vectors; from += data.batchSize) {
                int to = Math.min(data.vectors, from + data.batchSize);
                for (int i = from; i < to; i++) {
                    byte[] hash = data.library.texts[i].hash().toBytes();
                    text.setBytes(1, hash);
                    text.setString(2, data.library.texts[i].text());
                    text.addBatch();
                    vector.setBytes(1, hash);
                    vector.setString(2, SLOT.fingerprint());
                    vector.setObject(3, new PGvector(data.library.embeddings[i]));
                    vector.addBatch();
                }
                text.executeBatch();
                vector.executeBatch();
                c.commit();
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 0)
    @Measurement(iterations = 1)
    public Duration hnswBuild(LoadedSlot slot) {
        return slot.store.createVectorIndex(SLOT.name());
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 1, time = 10)
    @Measurement(iterations = 3, time = 10)
    public void searchTop10(Data data, IndexedSlot slot, Blackhole hole) {
        float[] query = data.library.queries[slot.next++ % data.library.queries.length];
        List<SearchHit> hits = slot.store.search(SearchRequest.builder(SearchQuery.vector(SLOT.name(),
                new Embedding(query))).k(10).filter(slot.searchFilter).build());
        if (hits.size() != 10) {
            throw new IllegalStateException("Search returned " + hits.size() + " hits instead of 10");
        }
        hole.consume(hits);
    }

    static Connection connect(PostgresTestServer server, String schema) throws SQLException {
        PostgresUrl url = PostgresUrl.parse(server.url());
        Properties p = new Properties();
        if (url.user() != null) {
            p.setProperty("user", url.user());
        }
        if (url.password() != null) {
            p.setProperty("password", url.password());
        }
        Connection c = DriverManager.getConnection(url.jdbcUrl(), p);
        try (Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + schema + ", public");
        }
        return c;
    }

    /** {@code embeddings-bench/target}, where the benchmark jar lives; the cluster goes under it. */
    static Path benchTarget() {
        try {
            // benchmarks.jar or target/classes: either way its parent is target/.
            return Path.of(StoreIngestBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .getParent();
        } catch (java.net.URISyntaxException e) {
            return Path.of("target");
        }
    }

    /** Runs in this JVM, for debugging. */
    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(StoreIngestBenchmark.class.getSimpleName()).forks(0).build()).run();
    }
}
