package dev.sdembed.server.internal;

import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.StoreStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's Prometheus metrics, in a registry of its own (two servers in one JVM never share counters):
 * requests by route, method and status; request latency histograms by route; requests in flight and refused;
 * per slot the requests waiting for or running on its encoder; the store's size, read at most every
 * {@value #STATS_MAX_AGE_MS} ms because counting a large PostgreSQL store is not free.
 */
public final class ServerMetrics {
    private static final long STATS_MAX_AGE_MS = 30_000;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Histogram latency;
    private final Gauge encoderQueue;
    private final Counter refused;
    private final EmbeddingStore store;
    private volatile StoreStats stats;
    private volatile long statsAt;

    public ServerMetrics(EmbeddingStore store, AtomicInteger inFlight) {
        this.store = store;
        requests = Counter.builder().name("sdembed_http_requests_total")
                .help("HTTP requests answered, by route template, method and status")
                .labelNames("route", "method", "status").register(registry);
        latency = Histogram.builder().name("sdembed_http_request_duration_seconds")
                .help("Time from a request's arrival to its answer, by route template")
                .labelNames("route", "method").classicOnly()
                .classicUpperBounds(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
        refused = Counter.builder().name("sdembed_http_requests_refused_total")
                .help("Requests answered 503 because the most requests in flight were already running")
                .register(registry);
        GaugeWithCallback.builder().name("sdembed_http_requests_in_flight")
                .help("Requests being worked on now").callback(cb -> cb.call(inFlight.get())).register(registry);
        encoderQueue = Gauge.builder().name("sdembed_encoder_queue")
                .help("Requests waiting for or running on a slot's encoder, by slot").labelNames("slot")
                .register(registry);
        GaugeWithCallback.builder().name("sdembed_store_images").help("Image records in the store, by status")
                .labelNames("status").callback(cb -> {
                    StoreStats s = stats();
                    cb.call(s.images() - s.failedImages(), "ok");
                    cb.call(s.failedImages(), "failed");
                }).register(registry);
        GaugeWithCallback.builder().name("sdembed_store_contents").help("Distinct contents in the store, by kind")
                .labelNames("kind").callback(cb -> {
                    StoreStats s = stats();
                    cb.call(s.textContents(), "text");
                    cb.call(s.imageContents(), "image");
                }).register(registry);
        GaugeWithCallback.builder().name("sdembed_store_embeddings").help("Embeddings stored, by slot")
                .labelNames("slot").callback(cb -> stats().slots().forEach(s -> cb.call(s.embeddings(), s.slot())))
                .register(registry);
        GaugeWithCallback.builder().name("sdembed_store_vector_bytes").help("Bytes of vectors stored, by slot")
                .labelNames("slot").callback(cb -> stats().slots().forEach(s -> cb.call(s.vectorBytes(), s.slot())))
                .register(registry);
    }

    /** Counts one answered request. */
    public void observe(String route, String method, int status, double seconds) {
        requests.labelValues(route, method, Integer.toString(status)).inc();
        latency.labelValues(route, method).observe(seconds);
    }

    public void refused() {
        refused.inc();
    }

    /** Changes the queue of {@code slot}'s encoder by {@code delta}. */
    public void encoderQueue(String slot, int delta) {
        encoderQueue.labelValues(slot).inc(delta);
    }

    /** Everything in Prometheus' text format (version 0.0.4). */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    private StoreStats stats() {
        long now = System.currentTimeMillis();
        StoreStats s = stats;
        if (s == null || now - statsAt > STATS_MAX_AGE_MS) {
            s = store.stats();
            stats = s;
            statsAt = now;
        }
        return s;
    }
}
