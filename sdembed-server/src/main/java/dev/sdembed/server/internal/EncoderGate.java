package dev.sdembed.server.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Lets at most {@code perSlot} requests run on one slot's encoder at once; the others wait in line (up to
 * {@code maxWaitMs}, then 503), counted in the {@code sdembed_encoder_queue} metric. On a CPU more concurrent runs of
 * one model only share the same cores, and a bounded line keeps the latency of a burst predictable.
 */
public final class EncoderGate {
    private final int perSlot;
    private final long maxWaitMs;
    private final ServerMetrics metrics;
    private final Map<String, Semaphore> gates = new ConcurrentHashMap<>();

    public EncoderGate(int perSlot, long maxWaitMs, ServerMetrics metrics) {
        this.perSlot = perSlot;
        this.maxWaitMs = maxWaitMs;
        this.metrics = metrics;
    }

    /** Runs {@code work} on {@code slot}'s encoder when its turn comes. */
    public <T> T run(String slot, Supplier<T> work) {
        Semaphore gate = gates.computeIfAbsent(slot, s -> new Semaphore(perSlot, true));
        metrics.encoderQueue(slot, 1);
        try {
            if (!gate.tryAcquire(maxWaitMs, TimeUnit.MILLISECONDS)) {
                throw ApiException.overloaded("the encoder of slot '" + slot + "' is busy; try again shortly", 1);
            }
            try {
                return work.get();
            } finally {
                gate.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.overloaded("the server is shutting down", 1);
        } finally {
            metrics.encoderQueue(slot, -1);
        }
    }
}
