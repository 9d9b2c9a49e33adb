package dev.sdembed.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A release archive of sdembed (sdembed-dist's {@code .tar.gz}) unpacked by the system's {@code tar} into a fresh
 * folder outside the repository, and its launcher run there as a user with nothing but a JDK would run it: an
 * environment of only {@code PATH} (this JVM's {@code java.home/bin}, and folders a caller adds) and {@code HOME} (a
 * folder of its own), in a working folder the caller chooses. For the archive's test and the benchmarks' timing of
 * it. {@link #close()} deletes everything.
 */
public final class ReleaseArchive implements AutoCloseable {
    private final Path root;
    private final Path home;
    private final Path userHome;

    private ReleaseArchive(Path root, Path home, Path userHome) {
        this.root = root;
        this.home = home;
        this.userHome = userHome;
    }

    /** What one run of the launcher did. */
    public record Run(List<String> command, int exitCode, String out, String err, Duration took) {
        public List<String> outLines() {
            return out.lines().toList();
        }

        /** For assertion messages: the command and everything it printed. */
        public String describe() {
            return String.join(" ", command) + " exited " + exitCode + " after " + took.toMillis() + " ms\n--- out\n"
                    + out + "--- err\n" + err;
        }
    }

    /**
     * Unpacks {@code tarGz} into a new temporary folder (under {@code java.io.tmpdir}, so never inside a checkout)
     * and finds the one folder it holds.
     */
    public static ReleaseArchive unpack(Path tarGz) {
        if (!Files.isRegularFile(tarGz)) {
            throw new IllegalStateException("No release archive at " + tarGz + "; build it with mvn package (module"
                    + " sdembed-dist)");
        }
        try {
            Path root = Files.createTempDirectory("sdembed-release-");
            Path unpacked = Files.createDirectory(root.resolve("unpacked"));
            Process tar = new ProcessBuilder("tar", "-xzf", tarGz.toAbsolutePath().toString(), "-C",
                    unpacked.toString()).redirectErrorStream(true).start();
            String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!tar.waitFor(5, TimeUnit.MINUTES) || tar.exitValue() != 0) {
                throw new IllegalStateException("tar -xzf " + tarGz + " failed: " + out);
            }
            List<Path> top;
            try (Stream<Path> s = Files.list(unpacked)) {
                top = s.toList();
            }
            if (top.size() != 1 || !Files.isDirectory(top.get(0))) {
                throw new IllegalStateException("Release archive " + tarGz + " holds " + top + "; expected one folder");
            }
            return new ReleaseArchive(root, top.get(0), Files.createDirectory(root.resolve("home")));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack " + tarGz, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted unpacking " + tarGz, e);
        }
    }

    /**
     * The platform, as release archives name it ({@code linux-x64}, {@code linux-aarch64}, {@code macos-aarch64},
     * {@code windows-x64}), of the archive that runs on this JVM: its libraries are the ones that load here.
     */
    public static String thisPlatform() {
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        String osPart = os.startsWith("Mac") ? "macos" : os.startsWith("Windows") ? "windows" : "linux";
        String archPart = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : "aarch64";
        return osPart + "-" + archPart;
    }

    /** The archive's top folder ({@code sdembed-VERSION-cpu-linux-x64}). */
    public Path home() {
        return home;
    }

    /** The temporary folder holding the unpacked archive and the runs' HOME; callers may make working folders in it. */
    public Path root() {
        return root;
    }

    /** The HOME of the runs: an empty folder of its own at first. */
    public Path userHome() {
        return userHome;
    }

    /** A new empty folder under {@link #root()}. */
    public Path newFolder(String name) {
        try {
            return Files.createDirectories(root.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code bin/sdembed args} in {@code workDir} with only PATH (the JDK's bin) and HOME set. */
    public Run run(Path workDir, String... args) {
        return run(workDir, environment(List.of()), Duration.ofMinutes(5), args);
    }

    /**
     * The environment of a run: PATH (this JVM's {@code java.home/bin}, then {@code extraPath}) and HOME, nothing
     * else; a copy the caller may add to.
     */
    public Map<String, String> environment(List<Path> extraPath) {
        List<String> path = new ArrayList<>();
        path.add(Path.of(System.getProperty("java.home"), "bin").toString());
        extraPath.forEach(p -> path.add(p.toString()));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", String.join(File.pathSeparator, path));
        env.put("HOME", userHome.toString());
        return env;
    }

    /**
     * Runs {@code bin/sdembed args} in {@code workDir} with exactly {@code environment}. Output goes to files, so a
     * chatty run cannot block on a full pipe; a run past {@code timeout} is killed.
     */
    public Run run(Path workDir, Map<String, String> environment, Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin").resolve("sdembed").toString());
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(root, "out-", ".txt");
            Path err = Files.createTempFile(root, "err-", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().clear();
            pb.environment().putAll(environment);
            long start = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout
                        + "; its output:\n" + Files.readString(out) + Files.readString(err));
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            return new Run(command, p.exitValue(), Files.readString(out), Files.readString(err), took);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted running " + command, e);
        }
    }

    @Override
    public void close() {
        try {
            TestPaths.deleteTree(root);
        } catch (IOException e) {
            System.err.println("Could not delete " + root + ": " + e.getMessage());
        }
    }
}
