package dev.sdembed.pipeline.internal;

import dev.sdembed.encoder.Device;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The one thread that runs encoder calls on a device: encoders sharing a device take turns (never two calls at
 * once, which on a GPU or a CPU partition would only contend), encoders on different devices each have their own
 * worker and run concurrently. Each encoder (slot) has its own FIFO queue and the worker serves the non-empty
 * queues round-robin, so a busy encoder cannot starve another. At most {@code capacity} calls wait in total;
 * {@link #submit} blocks beyond that.
 */
public final class DeviceWorker implements AutoCloseable {
    private final Device device;
    private final int capacity;
    private final List<String> slots;
    private final Map<String, ArrayDeque<Task<?>>> queues = new LinkedHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final Thread thread;
    private int pending;
    /** Index into {@link #slots} where the next round-robin search starts. */
    private int next;
    private boolean closed;

    private record Task<T>(Supplier<T> work, CompletableFuture<T> result) {
        void run() {
            try {
                result.complete(work.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }
    }

    /**
     * @param slots    the slots whose encoders run on {@code device}, in the order turns start
     * @param capacity the most calls waiting at once, over all slots
     */
    public DeviceWorker(Device device, List<String> slots, int capacity) {
        if (slots.isEmpty() || capacity < 1) {
            throw new IllegalArgumentException("A device worker needs slots and a capacity of at least 1");
        }
        this.device = device;
        this.capacity = capacity;
        this.slots = List.copyOf(slots);
        this.slots.forEach(s -> queues.put(s, new ArrayDeque<>()));
        this.thread = new Thread(this::loop, "sdembed-device-" + device);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    public Device device() {
        return device;
    }

    public List<String> slots() {
        return slots;
    }

    /** Queues {@code work} for {@code slot}'s encoder; waits while {@code capacity} calls are already waiting. */
    public <T> CompletableFuture<T> submit(String slot, Supplier<T> work) {
        ArrayDeque<Task<?>> queue = queues.get(slot);
        if (queue == null) {
            throw new IllegalArgumentException("Slot '" + slot + "' does not run on " + device);
        }
        Task<T> task = new Task<>(work, new CompletableFuture<>());
        lock.lock();
        try {
            while (pending >= capacity && !closed) {
                notFull.awaitUninterruptibly();
            }
            if (closed) {
                task.result().completeExceptionally(new CancellationException("The worker for " + device
                        + " is closed"));
                return task.result();
            }
            queue.addLast(task);
            pending++;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        return task.result();
    }

    private void loop() {
        while (true) {
            Task<?> task;
            lock.lock();
            try {
                while (pending == 0 && !closed) {
                    notEmpty.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                task = takeNext();
                pending--;
                notFull.signal();
            } finally {
                lock.unlock();
            }
            task.run();
        }
    }

    /** The head of the first non-empty queue from {@link #next} on; the turn then passes to the slot after it. */
    private Task<?> takeNext() {
        for (int i = 0; i < slots.size(); i++) {
            int k = (next + i) % slots.size();
            Task<?> task = queues.get(slots.get(k)).pollFirst();
            if (task != null) {
                next = (k + 1) % slots.size();
                return task;
            }
        }
        throw new IllegalStateException("pending > 0 but every queue of " + device + " is empty");
    }

    /** Stops the worker after the call it is running; calls still waiting fail with a CancellationException. */
    @Override
    public void close() {
        List<Task<?>> dropped = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queues.values().forEach(q -> {
                dropped.addAll(q);
                q.clear();
            });
            pending = 0;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        dropped.forEach(t -> t.result().completeExceptionally(
                new CancellationException("The worker for " + device + " was closed")));
    }
}
