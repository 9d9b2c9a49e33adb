package dev.sdembed.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.testing.ReleaseArchive;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CPU release archive this build made, unpacked by {@code tar} into an empty temporary folder outside the
 * repository and run there with nothing but a JDK: an environment of only PATH (the JDK's bin) and HOME (an empty
 * folder), from a working folder of its own, so it can find neither {@code ../shared}, nor a Maven repository, nor
 * the checkout's model. Its launcher must find its own {@code lib/} and model.
 */
class ReleaseArchiveTest {
    static final ObjectMapper JSON = new ObjectMapper();
    private static ReleaseArchive archive;

    @BeforeAll
    static void unpack() {
        archive = UnpackedArchive.cpu();
    }

    @Test
    void unpacksOutsideTheRepositoryIntoOneFolderNamedForVersionAndFlavour() {
        assertThat(archive.home().getFileName().toString())
                .isEqualTo(UnpackedArchive.baseName("cpu", UnpackedArchive.platform()));
        assertThat(archive.home().toAbsolutePath().startsWith(TestPaths.repoRoot())).as(archive.home().toString())
                .isFalse();
    }

    @Test
    void holdsTheLauncherTheCpuRuntimeTheModelCompletionReadmeAndLicenses() throws IOException {
        Path home = archive.home();
        assertThat(home.resolve("bin/sdembed")).isExecutable();
        List<String> jars = jars(home.resolve("lib"));
        assertThat(jars).contains("onnxruntime-" + System.getProperty("sdembed.dist.onnxruntime") + ".jar")
                .noneMatch(j -> j.startsWith("onnxruntime_gpu"))
                .anyMatch(j -> j.startsWith("sdembed-cli-"));
        assertThat(home.resolve("models/bge-small-en-v1.5/model.onnx")).isRegularFile();
        assertThat(home.resolve("models/bge-small-en-v1.5/tokenizer.json")).isRegularFile();
        assertThat(home.resolve("models/bge-small-en-v1.5/sdembed.json")).isRegularFile();
        assertThat(home.resolve("completion/sdembed.bash")).isRegularFile();
        assertThat(home.resolve("completion/sdembed.zsh")).isRegularFile();
        assertThat(Files.readString(home.resolve("README.md"))).contains("Java 17");
        assertThat(Files.readString(home.resolve("docs/README.md"))).contains("## PostgreSQL");
        assertThat(Files.readString(home.resolve("docker-compose.yml"))).contains("pgvector/pgvector");
        assertThat(Files.readString(home.resolve("licenses/bge-small-en-v1.5.txt"))).contains("MIT License");

        // Every bundled jar but sdembed's own is in the third-party list, with a license.
        String thirdParty = Files.readString(home.resolve("licenses/THIRD-PARTY.txt"));
        for (String jar : jars) {
            if (jar.startsWith("sdembed-") || jar.startsWith("embeddings-")) {
                continue;
            }
            String artifactAndVersion = jar.substring(0, jar.length() - ".jar".length());
            int dash = versionDash(artifactAndVersion);
            String coordinates = ":" + artifactAndVersion.substring(0, dash) + ":" + artifactAndVersion.substring(dash + 1)
                    + " - ";
            assertThat(thirdParty).as("third-party list names %s", jar).contains(coordinates);
        }
        assertThat(thirdParty).doesNotContain("Unknown license").doesNotContain("onnxruntime_gpu");
    }

    @Test
    void runsTheQuickStartAndDoctorWithNothingButAJdk() throws IOException {
        Path work = archive.newFolder("quick-start");
        String version = UnpackedArchive.version();

        ReleaseArchive.Run versionRun = archive.run(work, "--version");
        assertThat(versionRun.exitCode()).as(versionRun.describe()).isZero();
        assertThat(versionRun.out()).startsWith("sdembed " + version);

        ReleaseArchive.Run samples = archive.run(work, "samples", "samples");
        assertThat(samples.exitCode()).as(samples.describe()).isZero();
        assertThat(samples.out()).startsWith("Wrote 48 sample images to samples");

        ReleaseArchive.Run index = archive.run(work, "index", "samples", "--json-summary");
        assertThat(index.exitCode()).as(index.describe()).isZero();
        JsonNode summary = JSON.readTree(index.outLines().get(index.outLines().size() - 1));
        assertThat(summary.get("indexed").asInt()).isEqualTo(48);
        assertThat(summary.get("failed").asInt()).isZero();
        // The default model is the archive's own: its folder is named in the slot line.
        assertThat(index.err()).contains("slots: prompt_bge (text, 384-d, bge-small-en-v1.5)");
        assertThat(work.resolve("sdembed-data/sdembed.db")).isRegularFile();
        System.out.printf("First index of the sample library from the unpacked archive: %d ms (pipeline %d ms)%n",
                index.took().toMillis(), summary.get("wallTimeMs").asLong());

        ReleaseArchive.Run search = archive.run(work, "search", "--text", "a castle at night", "-k", "3");
        assertThat(search.exitCode()).as(search.describe()).isZero();
        assertThat(search.outLines().get(1)).matches(" +1  0\\.\\d{4}  samples/(copies/)?castle-.*");

        ReleaseArchive.Run doctor = archive.run(work, "doctor");
        assertThat(doctor.exitCode()).as(doctor.describe()).isZero();
        assertThat(doctor.out()).contains("(cpu build), providers: CPUExecutionProvider")
                .contains("Installed from: the release archive for " + UnpackedArchive.platform())
                // Loaded from the user's cache, which the first command (samples loads neither) filled.
                .contains("Native library of onnxruntime: cached in "
                        + archive.userHome().resolve(".cache/sdembed/native/onnxruntime-"))
                .contains("Native library of sqlite: cached in "
                        + archive.userHome().resolve(".cache/sdembed/native/sqlite-jdbc-"))
                .contains("Flavour: CPU (every encoder runs on the CPU)")
                .doesNotContain("This machine has an NVIDIA GPU");

        // An NVIDIA driver's nvidia-smi on the PATH: the CPU flavour points at the GPU one.
        Path driver = archive.newFolder("fake-nvidia-driver");
        Path smi = Files.writeString(driver.resolve("nvidia-smi"), "#!/bin/sh\necho 'GPU 0: NVIDIA GeForce RTX 4090'\n");
        assertThat(smi.toFile().setExecutable(true)).isTrue();
        ReleaseArchive.Run withGpu = archive.run(work, archive.environment(List.of(driver)), Duration.ofMinutes(2),
                "doctor");
        assertThat(withGpu.exitCode()).as(withGpu.describe()).isZero();
        assertThat(withGpu.out()).contains("This machine has an NVIDIA GPU (nvidia-smi is at " + smi + "), which this"
                + " CPU flavour of sdembed cannot use. For GPU encoders, get the GPU flavour instead: sdembed-" + version
                + "-gpu-linux-x64.tar.gz (it needs");
    }

    @Test
    void itsCompletionScriptsAreWhatItsCompletionCommandPrints() throws IOException {
        Path work = archive.newFolder("completion");
        for (String shell : List.of("bash", "zsh")) {
            ReleaseArchive.Run run = archive.run(work, "completion", shell);

            assertThat(run.exitCode()).as(run.describe()).isZero();
            assertThat(run.out()).isEqualTo(Files.readString(archive.home().resolve("completion/sdembed." + shell),
                    StandardCharsets.UTF_8));
        }
    }

    @Test
    void refusesAJavaOlderThan17WithAMessage() throws IOException {
        Path oldJdk = archive.newFolder("old-jdk");
        Path java = Files.writeString(archive.newFolder("old-jdk/bin").resolve("java"),
                "#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        Map<String, String> env = archive.environment(List.of());
        env.put("JAVA_HOME", oldJdk.toString());

        ReleaseArchive.Run run = archive.run(archive.newFolder("old-jdk-work"), env, Duration.ofMinutes(1), "--version");

        assertThat(run.exitCode()).as(run.describe()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("sdembed: " + java + " is Java 11; sdembed needs Java 17 or later (set"
                + " JAVA_HOME to one)\n");
    }

    @Test
    void onJava19OrLaterTheLauncherKeepsAClassDataSharingArchiveInTheUsersCache() throws IOException {
        Path jdk = newerJdk();
        Assumptions.assumeTrue(jdk != null, "Skipped: no JDK 19 or later beside this one in "
                + Path.of(System.getProperty("java.home")).getParent() + " (Java 17 has no AutoCreateSharedArchive)");
        Path work = archive.newFolder("cds");
        // The JDK, and the folder of mkdir, which makes the archive's folder.
        Map<String, String> env = archive.environment(List.of(Path.of("/bin"), Path.of("/usr/bin")));
        env.put("JAVA_HOME", jdk.toString());
        Path cds = archive.userHome().resolve(".cache/sdembed/cds");

        Map<String, String> off = new java.util.LinkedHashMap<>(env);
        off.put("SDEMBED_CDS", "off");
        ReleaseArchive.Run without = archive.run(work, off, Duration.ofMinutes(2), "--version");
        assertThat(without.exitCode()).as(without.describe()).isZero();
        assertThat(cds).doesNotExist();

        ReleaseArchive.Run first = archive.run(work, env, Duration.ofMinutes(2), "--version");
        assertThat(first.exitCode()).as(first.describe()).isZero();
        assertThat(first.err()).as("nothing from the JVM about the archive").isEmpty();
        List<Path> made;
        try (Stream<Path> s = Files.list(cds)) {
            made = s.toList();
        }
        assertThat(made).singleElement().satisfies(p -> assertThat(p.getFileName().toString())
                .startsWith(archive.home().getFileName() + "-java").endsWith(".jsa"));

        ReleaseArchive.Run samples = archive.run(work, env, Duration.ofMinutes(2), "samples", "samples");
        assertThat(samples.exitCode()).as(samples.describe()).isZero();
        assertThat(samples.out()).startsWith("Wrote 48 sample images to samples");
        // Loading ONNX Runtime's and SQLite's libraries on a Java that warns about native access unless told.
        ReleaseArchive.Run index = archive.run(work, env, Duration.ofMinutes(2), "index", "samples", "--json-summary");
        assertThat(index.exitCode()).as(index.describe()).isZero();
        assertThat(index.err()).doesNotContain("WARNING");
        assertThat(archive.run(work, env, Duration.ofMinutes(2), "--version").out()).isEqualTo(first.out());
    }

    /** A JDK of Java 19 or later installed beside the one running the tests (its release file says), or null. */
    private static Path newerJdk() throws IOException {
        Path jvms = Path.of(System.getProperty("java.home")).toRealPath().getParent();
        try (Stream<Path> s = Files.list(jvms)) {
            for (Path jdk : s.sorted().toList()) {
                Path release = jdk.resolve("release");
                if (Files.isRegularFile(release) && Files.isExecutable(jdk.resolve("bin/java"))) {
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("JAVA_VERSION=\"(\\d+)")
                            .matcher(Files.readString(release));
                    if (m.find() && Integer.parseInt(m.group(1)) >= 19) {
                        return jdk;
                    }
                }
            }
        }
        return null;
    }

    static List<String> jars(Path lib) throws IOException {
        try (Stream<Path> s = Files.list(lib)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The dash before a jar name's version: the first one followed by a digit. */
    private static int versionDash(String artifactAndVersion) {
        for (int i = 0; i < artifactAndVersion.length() - 1; i++) {
            if (artifactAndVersion.charAt(i) == '-' && Character.isDigit(artifactAndVersion.charAt(i + 1))) {
                return i;
            }
        }
        throw new IllegalArgumentException("No version in jar name " + artifactAndVersion);
    }
}
