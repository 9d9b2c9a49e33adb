package dev.sdembed.spark.internal;

import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The encoders and store of an executor JVM: one {@link Sdembed} per job settings and GPU assignment, opened by the
 * first task that needs it and reused by every later task of any job with the same settings, closed when the JVM
 * exits (or by {@link #closeAll()}, which local mode calls at the end of a job).
 *
 * <p>Tasks running at the same time (as many as {@code spark.executor.cores / spark.task.cpus}) share the
 * encoders, which are thread-safe: each runs its own pipeline over them, so their batches overlap (one task's
 * hashing and writing beside another's inference). Tasks given other GPUs get encoders of their own on them.
 * Measured on 2 cores, two tasks sharing the encoders indexed faster than two taking turns at them
 * ({@code docs/spark.md}).
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

    /** An {@link Sdembed}, opened on first use. */
    private static final class Holder {
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

    /**
     * The {@link Sdembed} for {@code settings} on the task's {@code gpus}, opened by the first task that asks for it
     * in this JVM (the others wait for that open, then share it).
     */
    public static Sdembed get(JobSettings settings, List<String> gpus) {
        installHook();
        return HOLDERS.computeIfAbsent(new Key(settings, List.copyOf(gpus)), Holder::new).sdembed();
    }

    /**
     * Any {@link Sdembed} this JVM has open for {@code settings}, whatever its GPUs (for store-wide queries after a
     * job, which need the store but no particular encoder); one is opened when there is none.
     */
    public static Sdembed getAny(JobSettings settings) {
        for (Map.Entry<Key, Holder> e : HOLDERS.entrySet()) {
            if (e.getKey().settings().equals(settings)) {
                return e.getValue().sdembed();
            }
        }
        return get(settings, List.of());
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
