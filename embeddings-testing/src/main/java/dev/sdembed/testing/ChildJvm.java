package dev.sdembed.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Another JVM running a main class of the test classpath, to test what several processes do to one store. Its
 * output lines are collected as they come, so a test can wait for a line and then act (e.g. kill it). Standard
 * error is merged into the output, or kept apart ({@link #startWithSeparateErrors}) when a test checks exactly what
 * a command prints there.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final Thread outputReader;
    private final Thread errorReader;

    private ChildJvm(Process process, boolean separateErrors) {
        this.process = process;
        outputReader = read(process.getInputStream(), "child-jvm-output-" + process.pid(), line -> {
            synchronized (all) {
                all.add(line);
            }
            lines.add(line);
        }, "<output closed: ");
        errorReader = !separateErrors ? null : read(process.getErrorStream(), "child-jvm-errors-" + process.pid(),
                line -> {
                    synchronized (errors) {
                        errors.add(line);
                    }
                }, "<error output closed: ");
    }

    /** A daemon thread handing each line of {@code in} to {@code sink}, and a note if reading fails. */
    private static Thread read(InputStream in, String name, Consumer<String> sink, String closedNote) {
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                sink.accept(closedNote + e.getMessage() + ">");
            }
        }, name);
        reader.setDaemon(true);
        reader.start();
        return reader;
    }

    /** Starts {@code main} with this JVM's classpath (surefire's manifest jar included) and {@code args}. */
    public static ChildJvm start(Class<?> main, String... args) {
        return start(Map.of(), List.of(), List.of(), main, false, args);
    }

    /** As {@link #start}, but standard error is kept apart from the output lines: {@link #errorLines()}. */
    public static ChildJvm startWithSeparateErrors(Class<?> main, String... args) {
        return start(Map.of(), List.of(), List.of(), main, true, args);
    }

    /**
     * Starts {@code main} as {@link #start(Class, String...)} does, through {@code launcher} (a command that runs
     * the rest of its command line, e.g. {@link PermissionBoundLauncher#command()}); an empty launcher runs java
     * directly.
     */
    public static ChildJvm start(List<String> launcher, Class<?> main, String... args) {
        return start(Map.of(), launcher, List.of(), main, false, args);
    }

    /**
     * As {@link #start(Class, String...)}, with {@code environment} added to this process's and {@code jvmOptions}
     * (e.g. {@code -Dname=value}) before the main class.
     */
    public static ChildJvm start(Map<String, String> environment, List<String> jvmOptions, Class<?> main,
                                 String... args) {
        return start(environment, List.of(), jvmOptions, main, false, args);
    }

    private static ChildJvm start(Map<String, String> environment, List<String> launcher, List<String> jvmOptions,
                                  Class<?> main, boolean separateErrors, String... args) {
        List<String> command = new ArrayList<>(launcher);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(!separateErrors);
            builder.environment().putAll(environment);
            return new ChildJvm(builder.start(), separateErrors);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a child JVM for " + main.getName(), e);
        }
    }

    public Process process() {
        return process;
    }

    /** Waits for an output line starting with {@code prefix} and returns it; fails after {@code timeout}. */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        return awaitLine(prefix, timeout, "starting with", line -> line.startsWith(prefix));
    }

    /** As {@link #awaitLine}, for a line holding {@code fragment} anywhere (after a timestamp, say). */
    public String awaitLineContaining(String fragment, Duration timeout) throws InterruptedException {
        return awaitLine(fragment, timeout, "containing", line -> line.contains(fragment));
    }

    private String awaitLine(String text, Duration timeout, String how, java.util.function.Predicate<String> match)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("Child JVM printed no line " + how + " '" + text + "' within " + timeout
                        + "; output so far:\n" + output());
            }
            if (match.test(line)) {
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

    /**
     * What a child started by {@link #startWithSeparateErrors} printed on standard error; once it has exited, all
     * of it, and all of its output is in {@link #lines()} too (waits up to ten seconds each for the last lines).
     */
    public List<String> errorLines() throws InterruptedException {
        if (errorReader == null) {
            throw new IllegalStateException("Standard error is merged into the output; use startWithSeparateErrors");
        }
        if (!process.isAlive()) {
            errorReader.join(10_000);
            outputReader.join(10_000);
        }
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
