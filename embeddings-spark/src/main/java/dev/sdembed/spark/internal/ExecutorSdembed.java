package dev.sdembed.spark.internal;

import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The encoders and store of an executor JVM: one {@link Sdembed} per job settings and GPU assignment, opened by the
 * first task that needs it and reused by every later task of any job with the same settings, closed when the JVM
 * exits (or by {@link #closeAll()}, which local mode calls at the end of a job).
 *
 * <p>Tasks whose encoders are the same take turns: a task holds its {@link Lease} for its whole partition. That is
 * what the pipeline does inside one JVM (one encoder call at a time per device), extended across tasks, so two
 * tasks never run one model on one device at once; the pipeline inside the lease keeps the device busy. Tasks with
 * other GPUs hold other holders and run concurrently.
 */
public final class ExecutorSdembed {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorSdembed.class);
    private static final Map<Key, Holder> HOLDERS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static final AtomicBoolean HOOK = new AtomicBoolean();

    private ExecutorSdembed() {
    }

    private record Key(JobSettings settings, List<String> gpus) {
    }

    /** An {@link Sdembed} and the turn of the tasks that share it. */
    private static final class Holder {
        private final ReentrantLock turn = new ReentrantLock(true);
        private final Key key;
        private Sdembed sdembed;

        Holder(Key key) {
            this.key = key;
        }

        /** Opens on first use; a failed open is not kept, so the next task (a retry) tries again. */
        synchronized Sdembed sdembed() {
            if (sdembed == null) {
                SdembedConfig config = GpuAssignment.assign(key.settings().readConfig(), key.gpus());
                long t0 = System.nanoTime();
                sdembed = Sdembed.builder(config).store(key.settings().store()).schema(key.settings().schema())
                        .open();
                int loads = LOADS.incrementAndGet();
                LOG.info("Executor JVM {} loaded slots {} in {} ms ({} encoder set(s) in this JVM)",
                        ProcessHandle.current().pid(), config.slots().stream().map(s -> s.name() + "@" + s.device())
                                .toList(), (System.nanoTime() - t0) / 1_000_000, loads);
            }
            return sdembed;
        }

        synchronized void close() {
            if (sdembed != null) {
                sdembed.close();
                sdembed = null;
            }
        }
    }

    /** A task's turn at an executor's {@link Sdembed}; closing it lets the next task in. */
    public static final class Lease implements AutoCloseable {
        private final Holder holder;
        private final long waitedMillis;
        private boolean released;

        private Lease(Holder holder, long waitedMillis) {
            this.holder = holder;
            this.waitedMillis = waitedMillis;
        }

        /** The encoders and store, loaded and opened on first use in this JVM. */
        public Sdembed sdembed() {
            return holder.sdembed();
        }

        /** How long the task waited for its turn. */
        public long waitedMillis() {
            return waitedMillis;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                holder.turn.unlock();
            }
        }
    }

    /** Waits for the turn at the {@link Sdembed} for {@code settings} on the task's {@code gpus}. */
    public static Lease acquire(JobSettings settings, List<String> gpus) throws InterruptedException {
        installHook();
        Holder h = HOLDERS.computeIfAbsent(new Key(settings, List.copyOf(gpus)), Holder::new);
        long t0 = System.nanoTime();
        h.turn.lockInterruptibly();
        return new Lease(h, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * The turn at any {@link Sdembed} this JVM has open for {@code settings}, whatever its GPUs (for store-wide
     * queries after a job, which need the store but no particular encoder); one is opened when there is none.
     */
    public static Lease acquireAny(JobSettings settings) throws InterruptedException {
        for (Map.Entry<Key, Holder> e : HOLDERS.entrySet()) {
            if (e.getKey().settings().equals(settings)) {
                Holder h = e.getValue();
                long t0 = System.nanoTime();
                h.turn.lockInterruptibly();
                return new Lease(h, (System.nanoTime() - t0) / 1_000_000);
            }
        }
        return acquire(settings, List.of());
    }

    /** How many sets of encoders this JVM has loaded since it started. */
    public static int loads() {
        return LOADS.get();
    }

    /** Closes every open {@link Sdembed} of this JVM; the next task opens them again. */
    public static void closeAll() {
        List<Holder> all = new ArrayList<>(HOLDERS.values());
        HOLDERS.clear();
        for (Holder h : all) {
            try {
                h.close();
            } catch (RuntimeException e) {
                LOG.warn("Closing the encoders and store of {} failed: {}", h.key.gpus(), e.toString());
            }
        }
    }

    private static void installHook() {
        if (HOOK.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExecutorSdembed::closeAll, "sdembed-executor-close"));
        }
    }
}
