package dev.sdembed.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.testing.ReleaseArchive;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every archive the build made, read entry by entry (only the one for this machine can run here): each holds the
 * native libraries of its own platform and no other, the launcher of its platform naming that platform, and the
 * same jars as the others. The GPU archives are checked when the build made them (-Prelease).
 */
class PlatformArchivesTest {
    /** The bound for the CPU archives (#22). */
    private static final long CPU_ARCHIVE_LIMIT = 150L * 1000 * 1000;

    /** Each platform's folder of native libraries in the three jars that carry them, as those jars name them. */
    private static final Map<String, List<String>> NATIVE_FOLDERS = Map.of(
            "linux-x64", List.of("ai/onnxruntime/native/linux-x64/", "native/lib/linux-x86_64/",
                    "org/sqlite/native/Linux/x86_64/"),
            "linux-aarch64", List.of("ai/onnxruntime/native/linux-aarch64/", "native/lib/linux-aarch64/",
                    "org/sqlite/native/Linux/aarch64/"),
            "macos-aarch64", List.of("ai/onnxruntime/native/osx-aarch64/", "native/lib/osx-aarch64/",
                    "org/sqlite/native/Mac/aarch64/"),
            "windows-x64", List.of("ai/onnxruntime/native/win-x64/", "native/lib/win-x86_64/",
                    "org/sqlite/native/Windows/x86_64/"));

    static Stream<Arguments> archives() {
        List<Arguments> all = new ArrayList<>();
        for (String platform : List.of("linux-x64", "linux-aarch64", "macos-aarch64", "windows-x64")) {
            all.add(Arguments.of("cpu", platform));
        }
        // The build says whether it made the GPU archives (-Prelease).
        if (!Boolean.parseBoolean(System.getProperty("sdembed.dist.skipReleaseArchives", "true"))) {
            all.add(Arguments.of("gpu", "linux-x64"));
            all.add(Arguments.of("gpu", "windows-x64"));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}-{1}")
    @MethodSource("archives")
    void holdsItsOwnPlatformsNativeLibrariesAndLauncherOnly(String flavour, String platform) throws IOException {
        Path archive = UnpackedArchive.archive(flavour, platform);
        if (flavour.equals("cpu")) {
            assertThat(Files.size(archive)).as("size of %s", archive).isLessThan(CPU_ARCHIVE_LIMIT);
        }
        Map<String, byte[]> files = read(archive);
        String top = UnpackedArchive.baseName(flavour, platform) + "/";
        assertThat(files.keySet()).allMatch(name -> name.startsWith(top), "under " + top);

        boolean windows = platform.startsWith("windows");
        String launcher = top + (windows ? "bin/sdembed.bat" : "bin/sdembed");
        assertThat(files).containsKey(launcher)
                .doesNotContainKey(top + (windows ? "bin/sdembed" : "bin/sdembed.bat"));
        String script = new String(files.get(launcher), StandardCharsets.UTF_8);
        assertThat(script).contains("-Dsdembed.platform=" + platform + " ").doesNotContain("__SDEMBED_PLATFORM__");
        assertThat(script.contains("\r\n")).as("CRLF line endings in %s", launcher).isEqualTo(windows);
        assertThat(files).containsKey(top + "models/bge-small-en-v1.5/model.onnx");

        List<String> jars = files.keySet().stream().filter(n -> n.startsWith(top + "lib/") && n.endsWith(".jar"))
                .map(n -> n.substring(top.length() + "lib/".length())).sorted().toList();
        assertThat(jars).as("the same jars as the archive that runs here, but for ONNX Runtime's build")
                .isEqualTo(jarsOfThisPlatformsCpuArchive().stream()
                        .map(j -> flavour.equals("gpu") ? j.replace("onnxruntime-", "onnxruntime_gpu-") : j)
                        .sorted().toList());

        List<String> folders = NATIVE_FOLDERS.get(platform);
        List<String> natives = new ArrayList<>();
        for (String jar : jars) {
            natives.addAll(nativeLibraries(files.get(top + "lib/" + jar)));
        }
        assertThat(natives).as("native libraries in %s", archive)
                .allMatch(n -> folders.stream().anyMatch(n::startsWith),
                        "in one of " + folders)
                .noneMatch(n -> n.contains(".dSYM/"));
        for (String folder : folders) {
            assertThat(natives).as("libraries in %s", folder).anyMatch(n -> n.startsWith(folder));
        }
    }

    @Test
    void anArchiveUnpackedOnAnotherPlatformSaysWhichToGet() {
        String other = UnpackedArchive.platform().equals("macos-aarch64") ? "linux-x64" : "macos-aarch64";
        try (ReleaseArchive archive = ReleaseArchive.unpack(UnpackedArchive.archive("cpu", other))) {
            ReleaseArchive.Run run = archive.run(archive.newFolder("work"), "--version");

            assertThat(run.exitCode()).as(run.describe()).isEqualTo(2);
            assertThat(run.out()).isEmpty();
            String here = UnpackedArchive.platform();
            assertThat(run.err()).startsWith("sdembed: this archive is for " + other + ", and its lib/ holds native"
                            + " libraries for that platform only, but this Java runs on ")
                    .contains("; get " + UnpackedArchive.baseName("cpu", here) + ".tar.gz");
        }
    }

    private static List<String> jarsOfThisPlatformsCpuArchive() throws IOException {
        try (Stream<Path> s = Files.list(UnpackedArchive.cpu().home().resolve("lib"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The native libraries (.so, .dylib, .dll) a jar holds, by entry name. */
    private static List<String> nativeLibraries(byte[] jar) throws IOException {
        List<String> names = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                String n = e.getName();
                if (!e.isDirectory() && (n.endsWith(".so") || n.endsWith(".dylib") || n.endsWith(".dll")
                        || n.endsWith(".jnilib") || n.contains(".dylib.dSYM/"))) {
                    names.add(n);
                }
            }
        }
        return names;
    }

    /** Every file of a .tar.gz or .zip, by path: the jars and launchers whole, the rest as empty arrays. */
    private static Map<String, byte[]> read(Path archive) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (InputStream in = Files.newInputStream(archive)) {
            if (archive.toString().endsWith(".zip")) {
                try (ZipInputStream zip = new ZipInputStream(in)) {
                    for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                        if (!e.isDirectory()) {
                            files.put(e.getName(), keep(e.getName()) ? zip.readAllBytes() : new byte[0]);
                        }
                    }
                }
            } else {
                try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in, 1 << 16))) {
                    for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                        if (e.isFile()) {
                            files.put(e.getName(), keep(e.getName()) ? tar.readAllBytes() : new byte[0]);
                        }
                    }
                }
            }
        }
        return files;
    }

    private static boolean keep(String name) {
        return name.endsWith(".jar") || name.contains("/bin/");
    }
}
