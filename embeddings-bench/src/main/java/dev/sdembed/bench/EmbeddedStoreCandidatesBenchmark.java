package dev.sdembed.bench;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Decides the embedded store's engine (issue 7): SQLite ({@code org.xerial:sqlite-jdbc}) against DuckDB
 * ({@code org.duckdb:duckdb_jdbc}, built-in functions only, since its extensions download at run time), on N random
 * unit vectors of D dimensions in a fresh file each:
 * <ul>
 *   <li>ingest: the vectors written in transactions of 10,000 (SQLite: little-endian float BLOBs through a batched
 *       prepared INSERT; DuckDB: {@code FLOAT[D]} through its appender);</li>
 *   <li>load: reading every vector back into one Java float array (what a brute-force search keeps cached);</li>
 *   <li>top-10 in Java: exact inner-product top-10 over the cached array on 2 threads (engine independent);</li>
 *   <li>top-10 in DuckDB SQL: {@code ORDER BY array_inner_product(v, ?) DESC LIMIT 10};</li>
 *   <li>the same through {@link EmbeddedEmbeddingStore}, the store built on the winner (alone with
 *       {@code -Dcandidates=store-only}).</li>
 * </ul>
 * A plain main rather than JMH because one ingest of 800 MB is the measurement; query latencies are the median and
 * 90th percentile of 20 queries after 3 warm-up queries. Run:
 * {@code java -Xmx6g -cp embeddings-bench/target/benchmarks.jar dev.sdembed.bench.EmbeddedStoreCandidatesBenchmark [N] [D] [dir]}
 */
public final class EmbeddedStoreCandidatesBenchmark {
    private static final int BATCH = 10_000;
    private static final int QUERIES = 20;
    private static final int WARMUP = 3;

    private EmbeddedStoreCandidatesBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int d = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        Path dir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("sdembed-candidates");
        Files.createDirectories(dir);
        System.out.printf(Locale.ROOT, "N=%d D=%d dir=%s JVM=%s cores=%d%n", n, d, dir,
                System.getProperty("java.vm.version"), Runtime.getRuntime().availableProcessors());
        float[][] queries = new float[QUERIES + WARMUP][];
        SplittableRandom qr = new SplittableRandom(7);
        for (int i = 0; i < queries.length; i++) {
            queries[i] = unit(qr, d);
        }
        List<String> rows = new ArrayList<>();
        rows.add(sqlite(dir.resolve("candidates.sqlite"), n, d, queries));
        if (!"store-only".equals(System.getProperty("candidates"))) {
            rows.add(duckdb(dir.resolve("candidates.duckdb"), n, d, queries));
        }
        rows.add(embeddedStore(dir.resolve("store"), n, d, queries));
        System.out.println();
        System.out.println("| engine | ingest s | vectors/s | file MB | load into Java s | top-10 Java p50/p90 ms | top-10 SQL p50/p90 ms |");
        System.out.println("|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    /**
     * The chosen engine through the store itself: {@link EmbeddedEmbeddingStore#write} of image contents, records and
     * embeddings in batches of 2,500; "load" is the first search (reads the slot's vectors into memory); top-10 is
     * {@link EmbeddedEmbeddingStore#search} (scores, best contents, their image rows).
     */
    private static String embeddedStore(Path dir, int n, int d, float[][] queries) throws Exception {
        SlotSpec slot = new SlotSpec("image_bench", Modality.IMAGE, d, "bench", "fp-bench", null);
        SplittableRandom r = new SplittableRandom(42);
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slot(slot).build()) {
            long t0 = System.nanoTime();
            for (int start = 0; start < n; start += 2500) {
                WriteBatch.Builder b = WriteBatch.builder();
                for (int i = start; i < Math.min(n, start + 2500); i++) {
                    ImageContent image = new ImageContent(ContentHash.ofText("image " + i), 512, 512, "png", 1000);
                    b.image(image).embedding(slot.name(), image.hash(), unit(r, d))
                            .record(ImageRecord.builder("/bench/" + i + ".png").imageHash(image.hash())
                                    .fileSize(1000).modifiedAt(Instant.EPOCH).build());
                }
                store.write(b.build());
            }
            double ingest = seconds(t0);
            t0 = System.nanoTime();
            store.search(SearchRequest.builder(SearchQuery.vector(slot.name(), new Embedding(queries[0]))).build());
            double load = seconds(t0);
            double[] ms = new double[QUERIES];
            for (int q = 0; q < queries.length; q++) {
                long q0 = System.nanoTime();
                store.search(SearchRequest.builder(SearchQuery.vector(slot.name(), new Embedding(queries[q]))).build());
                if (q >= WARMUP) {
                    ms[q - WARMUP] = (System.nanoTime() - q0) / 1e6;
                }
            }
            return String.format(Locale.ROOT, "| EmbeddedEmbeddingStore (SQLite) | %.1f | %.0f | %.0f | %.1f | %s | – |",
                    ingest, n / ingest, mb(store.file()), load, percentiles(ms));
        }
    }

    private static String sqlite(Path file, int n, int d, float[][] queries) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL");
                s.execute("CREATE TABLE emb (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
            }
            c.setAutoCommit(false);
            SplittableRandom r = new SplittableRandom(42);
            ByteBuffer buf = ByteBuffer.allocate(d * 4).order(ByteOrder.LITTLE_ENDIAN);
            long t0 = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO emb (id, v) VALUES (?, ?)")) {
                for (int i = 0; i < n; i++) {
                    buf.clear();
                    buf.asFloatBuffer().put(unit(r, d));
                    ps.setInt(1, i);
                    ps.setBytes(2, buf.array());
                    ps.addBatch();
                    if ((i + 1) % BATCH == 0 || i == n - 1) {
                        ps.executeBatch();
                        c.commit();
                    }
                }
            }
            double ingest = seconds(t0);
            t0 = System.nanoTime();
            float[] all = new float[n * d];
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, v FROM emb")) {
                while (rs.next()) {
                    ByteBuffer.wrap(rs.getBytes(2)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                            .get(all, rs.getInt(1) * d, d);
                }
            }
            c.commit();
            double load = seconds(t0);
            String java = javaTopK(all, n, d, queries);
            return String.format(Locale.ROOT, "| SQLite %s | %.1f | %.0f | %.0f | %.1f | %s | – |",
                    c.getMetaData().getDatabaseProductVersion(), ingest, n / ingest, mb(file), load, java);
        } catch (Exception e) {
            throw new SQLException("SQLite run failed", e);
        }
    }

    private static String duckdb(Path file, int n, int d, float[][] queries) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file)) {
            try (Statement s = c.createStatement()) {
                s.execute("SET threads TO 2");
                s.execute("CREATE TABLE emb (id INTEGER PRIMARY KEY, v FLOAT[" + d + "] NOT NULL)");
            }
            SplittableRandom r = new SplittableRandom(42);
            long t0 = System.nanoTime();
            for (int start = 0; start < n; start += BATCH) {
                c.setAutoCommit(false);
                try (DuckDBAppender a = ((DuckDBConnection) c).createAppender("main", "emb")) {
                    for (int i = start; i < Math.min(n, start + BATCH); i++) {
                        a.beginRow().append(i).append(unit(r, d)).endRow();
                    }
                    a.flush();
                }
                c.commit();
            }
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("CHECKPOINT");
            }
            double ingest = seconds(t0);
            t0 = System.nanoTime();
            float[] all = new float[n * d];
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, v FROM emb")) {
                while (rs.next()) {
                    Object[] v = (Object[]) rs.getArray(2).getArray();
                    int off = rs.getInt(1) * d;
                    for (int j = 0; j < d; j++) {
                        all[off + j] = (Float) v[j];
                    }
                }
            }
            double load = seconds(t0);
            String java = javaTopK(all, n, d, queries);
            all = null;
            double[] sql = new double[QUERIES];
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM emb ORDER BY array_inner_product(v, ?::FLOAT["
                    + d + "]) DESC LIMIT 10")) {
                for (int q = 0; q < queries.length; q++) {
                    Float[] boxed = new Float[d];
                    for (int j = 0; j < d; j++) {
                        boxed[j] = queries[q][j];
                    }
                    long q0 = System.nanoTime();
                    ps.setArray(1, c.createArrayOf("FLOAT", boxed));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            rs.getInt(1);
                        }
                    }
                    if (q >= WARMUP) {
                        sql[q - WARMUP] = (System.nanoTime() - q0) / 1e6;
                    }
                }
            }
            return String.format(Locale.ROOT, "| DuckDB %s | %.1f | %.0f | %.0f | %.1f | %s | %s |",
                    c.getMetaData().getDatabaseProductVersion(), ingest, n / ingest, mb(file), load, java,
                    percentiles(sql));
        }
    }

    /** Exact top-10 over the cached array, split over 2 threads, each keeping its own top-10. */
    private static String javaTopK(float[] all, int n, int d, float[][] queries) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            double[] ms = new double[QUERIES];
            for (int q = 0; q < queries.length; q++) {
                float[] query = queries[q];
                long t0 = System.nanoTime();
                int half = n / 2;
                Future<int[]> a = pool.submit(() -> top10(all, 0, half, d, query));
                Future<int[]> b = pool.submit(() -> top10(all, half, n, d, query));
                a.get();
                b.get();
                if (q >= WARMUP) {
                    ms[q - WARMUP] = (System.nanoTime() - t0) / 1e6;
                }
            }
            return percentiles(ms);
        } finally {
            pool.shutdown();
        }
    }

    private static int[] top10(float[] all, int from, int to, int d, float[] q) {
        int[] ids = new int[10];
        float[] scores = new float[10];
        Arrays.fill(scores, Float.NEGATIVE_INFINITY);
        for (int i = from; i < to; i++) {
            int off = i * d;
            float s = 0;
            for (int j = 0; j < d; j++) {
                s += all[off + j] * q[j];
            }
            if (s > scores[9]) {
                int k = 9;
                while (k > 0 && scores[k - 1] < s) {
                    scores[k] = scores[k - 1];
                    ids[k] = ids[k - 1];
                    k--;
                }
                scores[k] = s;
                ids[k] = i;
            }
        }
        return ids;
    }

    private static String percentiles(double[] ms) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "%.0f / %.0f", sorted[sorted.length / 2],
                sorted[(int) Math.ceil(sorted.length * 0.9) - 1]);
    }

    private static float[] unit(SplittableRandom r, int d) {
        float[] v = new float[d];
        double norm = 0;
        for (int j = 0; j < d; j++) {
            v[j] = (float) (r.nextDouble() * 2 - 1);
            norm += v[j] * v[j];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int j = 0; j < d; j++) {
            v[j] *= inv;
        }
        return v;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double mb(Path file) throws java.io.IOException {
        long size = Files.size(file);
        Path wal = Path.of(file + "-wal");
        if (Files.exists(wal)) {
            size += Files.size(wal);
        }
        return size / 1e6;
    }
}
