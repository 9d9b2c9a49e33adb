package dev.sdembed.pipeline.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.encoder.Device;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeviceWorkerTest {

    @Test
    void encodersSharingADeviceTakeTurnsInsteadOfFirstComeFirstServed() throws Exception {
        try (DeviceWorker worker = new DeviceWorker(Device.cuda(0), List.of("a", "b"), 16)) {
            CountDownLatch release = new CountDownLatch(1);
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Object> blocker = worker.submit("a", () -> await(release));
            List<CompletableFuture<Boolean>> calls = new ArrayList<>();
            for (String call : List.of("a1", "a2", "a3", "b1", "b2")) {
                calls.add(worker.submit(call.substring(0, 1), () -> order.add(call)));
            }
            release.countDown();
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

            assertThat(blocker).isDone();
            assertThat(order).as("a had the last turn, so b goes first; then they alternate")
                    .containsExactly("b1", "a1", "b2", "a2", "a3");
        }
    }

    @Test
    void neverRunsTwoCallsAtOnceWhateverTheSubmittingThreads() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        ExecutorService submitters = Executors.newFixedThreadPool(4);
        try (DeviceWorker worker = new DeviceWorker(Device.CPU, List.of("a", "b", "c"), 64)) {
            List<CompletableFuture<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 60; i++) {
                String slot = List.of("a", "b", "c").get(i % 3);
                submitters.execute(() -> calls.add(worker.submit(slot, () -> {
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    busyFor(200_000);
                    return running.decrementAndGet();
                })));
            }
            submitters.shutdown();
            assertThat(submitters.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

            assertThat(calls).hasSize(60);
            assertThat(maxRunning.get()).isEqualTo(1);
        }
    }

    @Test
    void submitWaitsWhileTheQueueIsFull() throws Exception {
        try (DeviceWorker worker = new DeviceWorker(Device.cpu(1), List.of("a"), 1)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            worker.submit("a", () -> {
                started.countDown();
                return await(release);
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            worker.submit("a", () -> "queued");
            CompletableFuture<CompletableFuture<String>> third = CompletableFuture.supplyAsync(
                    () -> worker.submit("a", () -> "third"));
            Thread.sleep(200);
            assertThat(third).as("one call waits already; the bound is 1").isNotDone();

            release.countDown();
            assertThat(third.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS)).isEqualTo("third");
        }
    }

    @Test
    void closingFailsTheCallsStillWaitingAndRejectsNewOnes() throws Exception {
        DeviceWorker worker = new DeviceWorker(Device.cuda(1), List.of("a"), 4);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Object> running = worker.submit("a", () -> {
            started.countDown();
            return await(release);
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> waiting = worker.submit("a", () -> "never");

        worker.close();
        release.countDown();

        assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo(true);
        assertThatThrownBy(waiting::join).isInstanceOf(CancellationException.class);
        // The exception the worker recorded: join() rethrows it on JDK 17 but wraps it (message "join") on JDK 25.
        assertThat(waiting.handle((value, failure) -> failure).get(10, TimeUnit.SECONDS))
                .isInstanceOf(CancellationException.class).hasMessageContaining("cuda:1");
        assertThatThrownBy(() -> worker.submit("a", () -> "late").join()).isInstanceOf(CancellationException.class);
        assertThatThrownBy(() -> worker.submit("b", () -> "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Slot 'b' does not run on cuda:1");
    }

    @Test
    void aFailingCallFailsOnlyItsOwnFuture() throws Exception {
        try (DeviceWorker worker = new DeviceWorker(Device.CPU, List.of("a"), 4)) {
            CompletableFuture<String> bad = worker.submit("a", () -> {
                throw new IllegalStateException("encoder broke");
            });
            assertThatThrownBy(bad::join).isInstanceOf(CompletionException.class)
                    .hasRootCauseMessage("encoder broke");
            assertThat(worker.submit("a", () -> "next").get(10, TimeUnit.SECONDS)).isEqualTo("next");
        }
    }

    private static Object await(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void busyFor(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
