package dev.sdembed.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Another JVM running a main class of the test classpath, to test what several processes do to one store. Its
 * output lines are collected as they come, so a test can wait for a line and then act (e.g. kill it).
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();

    private ChildJvm(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (all) {
                        all.add(line);
                    }
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("<output closed: " + e.getMessage() + ">");
            }
        }, "child-jvm-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code main} with this JVM's classpath (surefire's manifest jar included) and {@code args}. */
    public static ChildJvm start(Class<?> main, String... args) {
        return start(java.util.Map.of(), List.of(), main, args);
    }

    /**
     * As {@link #start(Class, String...)}, with {@code environment} added to this process's and {@code jvmOptions}
     * (e.g. {@code -Dname=value}) before the main class.
     */
    public static ChildJvm start(java.util.Map<String, String> environment, List<String> jvmOptions, Class<?> main,
                                 String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            return new ChildJvm(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a child JVM for " + main.getName(), e);
        }
    }

    public Process process() {
        return process;
    }

    /** Waits for an output line starting with {@code prefix} and returns it; fails after {@code timeout}. */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("Child JVM printed no line starting with '" + prefix + "' within " + timeout
                        + "; output so far:\n" + output());
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** Waits for the process to end and returns its exit code; fails after {@code timeout}. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("Child JVM did not end within " + timeout + "; output:\n" + output());
        }
        return process.exitValue();
    }

    /** Everything printed so far. */
    public String output() {
        synchronized (all) {
            return String.join("\n", all);
        }
    }

    /** Lines printed so far. */
    public List<String> lines() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
