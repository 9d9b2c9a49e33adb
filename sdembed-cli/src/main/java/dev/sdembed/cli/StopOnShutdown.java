package dev.sdembed.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C for a long-running command ({@code index}, {@code watch}): a shutdown hook stops the work (whose batches in
 * flight still commit) and waits for the command to print its summary, since the JVM halts as soon as its shutdown
 * hooks return. Closing it, once the summary is printed, lets the hook go and removes it.
 */
final class StopOnShutdown implements AutoCloseable {
    /** How long a Ctrl-C waits for the summary after the batches in flight are written. */
    static final Duration SUMMARY_WAIT = Duration.ofSeconds(30);

    private final CountDownLatch summaryPrinted = new CountDownLatch(1);
    private final Thread hook;

    private StopOnShutdown(Runnable stop, String name) {
        this.hook = new Thread(() -> {
            stop.run();
            try {
                if (!summaryPrinted.await(SUMMARY_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    System.err.println("sdembed: stopped; the summary was not ready within " + SUMMARY_WAIT.toSeconds()
                            + " s. Committed batches are kept: run again to continue.");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
    }

    /** Installs a hook that runs {@code stop} at shutdown, then waits for {@link #close()}. */
    static StopOnShutdown install(Runnable stop, String name) {
        StopOnShutdown s = new StopOnShutdown(stop, name);
        Runtime.getRuntime().addShutdownHook(s.hook);
        return s;
    }

    /** The summary is printed (or the command failed): a hook that is running may let the JVM end. */
    @Override
    public void close() {
        summaryPrinted.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running: the JVM is ending anyway.
        }
    }
}
