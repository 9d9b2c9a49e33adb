package dev.sdembed.bench;

import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.server.SdembedServer;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.StoredImage;
import dev.sdembed.testing.SdPrompts;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded load test of {@code sdembed serve} on loopback: {@code clients} threads (default 8), each with its own
 * connection, send searches (a text from a fixed list, a page of 20 at offset 0 or 20) and thumbnail requests (a
 * random indexed image) half and half for {@code seconds} (default 30), then stop. It reports the latency p50/p99 of
 * each kind, the requests per second, every answer that was not 200, and the heap after a full GC once warmed up
 * and again at the end (a flat figure means nothing accumulates per request). The library is generated (default 400
 * A1111 PNGs of 256 px), indexed with bge-small into an embedded store under {@code target/}.
 *
 * <p>Run: {@code java -cp embeddings-bench/target/benchmarks.jar dev.sdembed.bench.ServerLoadMain [clients]
 * [seconds] [images]}; with {@code -Dsdembed.bench.out=DIR} the figures go to {@code DIR/server-load.json} for
 * {@link BenchReport}. Loopback only; every loop is bounded in time.
 */
public final class ServerLoadMain {
    private static final int WARM_UP_SECONDS = 5;

    private ServerLoadMain() {
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        Path library = Path.of("target", "bench-server-library-" + count).toAbsolutePath();
        List<String> prompts = SdPrompts.generated(Math.max(40, count / 4), 19);
        for (int i = 0; i < count; i++) {
            Path file = library.resolve("d" + (i % 10)).resolve("img-" + i + ".png");
            if (!Files.exists(file)) {
                SdTestImages.a1111(file, 256, i, prompts.get(i % prompts.size()), "lowres, blurry " + (i % 7));
            }
        }
        Path store = Path.of("target", "bench-server-store-" + count).toAbsolutePath();
        Path thumbs = Path.of("target", "bench-server-thumbs").toAbsolutePath();
        TestPaths.deleteTree(thumbs);
        SdembedConfig config = SdembedConfig.defaults(TestModels.bgeSmall());
        try (Sdembed sdembed = Sdembed.builder(config).store(store.toString()).usage(Sdembed.Usage.SERVING).open()) {
            try (BulkEmbeddingPipeline pipeline = sdembed.pipeline().build()) {
                pipeline.run(List.of(library));
            }
            long[] ids = sdembed.store().listImages(ImageStatus.OK, null, 100_000).stream()
                    .mapToLong(StoredImage::id).toArray();
            try (SdembedServer server = SdembedServer.builder(sdembed).port(0).thumbnailCache(thumbs).start()) {
                Result result = run(server.url(), clients, seconds, ids, prompts);
                result.print(clients, seconds, count);
                Map<String, Object> json = result.json(clients, seconds, count);
                BenchOutput.write("server-load.json", json);
            }
        }
    }

    private static Result run(String base, int clients, int seconds, long[] ids, List<String> prompts)
            throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long start = System.nanoTime();
        long warmEnd = start + WARM_UP_SECONDS * 1_000_000_000L;
        long end = warmEnd + seconds * 1_000_000_000L;
        List<Long> searches = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Long> thumbnails = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong errors = new AtomicLong();
        Map<String, Long> errorKinds = new java.util.concurrent.ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long[] heapAfterWarmUp = new long[1];
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            long seed = c;
            futures.add(pool.submit(() -> {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                Random random = new Random(seed);
                while (System.nanoTime() < end) {
                    boolean search = random.nextBoolean();
                    String path = search ? "/api/search?text=" + URLEncoder.encode(prompts.get(random.nextInt(40)),
                            StandardCharsets.UTF_8) + "&k=20&offset=" + (random.nextBoolean() ? 0 : 20)
                            : "/api/images/" + ids[random.nextInt(ids.length)] + "/thumbnail";
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                        long took = System.nanoTime() - t0;
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                            errorKinds.merge(r.statusCode() + " " + path.replaceAll("\\?.*", ""), 1L, Long::sum);
                        } else if (t0 >= warmEnd) {
                            (search ? searches : thumbnails).add(took);
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        errorKinds.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }));
        }
        Thread.sleep(WARM_UP_SECONDS * 1000L);
        System.gc();
        heapAfterWarmUp[0] = memory.getHeapMemoryUsage().getUsed();
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        System.gc();
        long heapAtEnd = memory.getHeapMemoryUsage().getUsed();
        return new Result(toArray(searches), toArray(thumbnails), errors.get(), errorKinds, heapAfterWarmUp[0],
                heapAtEnd, seconds);
    }

    private static long[] toArray(List<Long> list) {
        synchronized (list) {
            long[] a = list.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(a);
            return a;
        }
    }

    private record Result(long[] searches, long[] thumbnails, long errors, Map<String, Long> errorKinds,
                          long heapAfterWarmUp, long heapAtEnd, int seconds) {
        double percentileMs(long[] sorted, double p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
            return sorted[Math.max(0, i)] / 1e6;
        }

        long[] all() {
            long[] a = new long[searches.length + thumbnails.length];
            System.arraycopy(searches, 0, a, 0, searches.length);
            System.arraycopy(thumbnails, 0, a, searches.length, thumbnails.length);
            Arrays.sort(a);
            return a;
        }

        Map<String, Object> json(int clients, int seconds, int images) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("clients", clients);
            m.put("seconds", seconds);
            m.put("warmUpSeconds", WARM_UP_SECONDS);
            m.put("images", images);
            m.put("requests", all().length);
            m.put("requestsPerSecond", all().length / (double) seconds);
            m.put("searches", kind(searches));
            m.put("thumbnails", kind(thumbnails));
            m.put("all", kind(all()));
            m.put("errors", errors);
            m.put("errorKinds", errorKinds);
            m.put("heapAfterWarmUpMb", heapAfterWarmUp / 1048576.0);
            m.put("heapAtEndMb", heapAtEnd / 1048576.0);
            return m;
        }

        Map<String, Object> kind(long[] sorted) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", sorted.length);
            m.put("p50Ms", percentileMs(sorted, 50));
            m.put("p99Ms", percentileMs(sorted, 99));
            m.put("maxMs", sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6);
            return m;
        }

        void print(int clients, int seconds, int images) {
            System.out.printf(Locale.ROOT, "Server load: %d clients for %d s on loopback (after %d s warm-up), %d"
                    + " images, embedded store%n", clients, seconds, WARM_UP_SECONDS, images);
            System.out.printf(Locale.ROOT, "  searches:   %6d  p50 %7.1f ms  p99 %7.1f ms%n", searches.length,
                    percentileMs(searches, 50), percentileMs(searches, 99));
            System.out.printf(Locale.ROOT, "  thumbnails: %6d  p50 %7.1f ms  p99 %7.1f ms%n", thumbnails.length,
                    percentileMs(thumbnails, 50), percentileMs(thumbnails, 99));
            System.out.printf(Locale.ROOT, "  all:        %6d  %.1f requests/s, errors %d %s%n", all().length,
                    all().length / (double) seconds, errors, errorKinds);
            System.out.printf(Locale.ROOT, "  heap after GC: %.1f MB after warm-up, %.1f MB at the end%n",
                    heapAfterWarmUp / 1048576.0, heapAtEnd / 1048576.0);
        }
    }
}
