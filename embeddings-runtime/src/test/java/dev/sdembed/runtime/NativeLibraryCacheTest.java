package dev.sdembed.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.onnx.OnnxNativeLibraries;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The cache against the real jars: ONNX Runtime's CPU build (through a class loader of its own, since the test class
 * path holds the GPU build), its GPU build (the test class path's) and sqlite-jdbc. What the libraries then load
 * from the cache is the release archive's test (sdembed-dist), which runs commands with it.
 */
class NativeLibraryCacheTest {
    private static final Path CPU_JAR = Path.of(System.getProperty("sdembed.test.cpuOnnxRuntimeJar"));
    private static final String ORT_FOLDER = OnnxNativeLibraries.folder();

    @Test
    void extractsOnnxRuntimesCpuBuildAndSqliteOnceIntoFoldersNamedForTheirJars() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("native-cache-cpu"));
        try (URLClassLoader cpu = cpuLoader()) {
            Map<String, String> first = NativeLibraryCache.prepare(cache, cpu);

            Path ort = Path.of(first.get(NativeLibraryCache.ORT_PATH));
            assertThat(ort.getParent()).isEqualTo(cache);
            assertThat(ort.getFileName().toString()).matches("onnxruntime-1\\.28\\.0-[0-9a-f]{8}");
            assertThat(ort.resolve(OnnxNativeLibraries.COMPLETE)).isRegularFile();
            for (String library : new String[] {"onnxruntime", "onnxruntime4j_jni"}) {
                String name = System.mapLibraryName(library);
                assertThat(Files.readAllBytes(ort.resolve(name))).as(name).isEqualTo(entry(CPU_JAR, ORT_FOLDER + name));
            }
            Path sqlite = Path.of(first.get(NativeLibraryCache.SQLITE_PATH), first.get(NativeLibraryCache.SQLITE_NAME));
            assertThat(sqlite.getParent().getFileName().toString()).matches("sqlite-jdbc-.*-[0-9a-f]{8}");
            assertThat(Files.size(sqlite)).isGreaterThan(100_000);
            assertThat(cache.toFile().list()).hasSize(2);

            // Again: the same folders, the files not written again.
            Path library = ort.resolve(System.mapLibraryName("onnxruntime"));
            FileTime written = FileTime.fromMillis(1_000_000_000_000L);
            Files.setLastModifiedTime(library, written);
            Files.setLastModifiedTime(sqlite, written);
            assertThat(NativeLibraryCache.prepare(cache, cpu)).isEqualTo(first);
            assertThat(Files.getLastModifiedTime(library)).isEqualTo(written);
            assertThat(Files.getLastModifiedTime(sqlite)).isEqualTo(written);
        }
    }

    @Test
    void aFolderLeftWithoutItsMarkerIsCompletedAndACutFileWrittenWhole() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("native-cache-interrupted"));
        try (URLClassLoader cpu = cpuLoader()) {
            Path ort = Path.of(NativeLibraryCache.prepare(cache, cpu).get(NativeLibraryCache.ORT_PATH));
            // As a process stopped between two files would leave it: the marker not yet written, a file cut short.
            Files.delete(ort.resolve(OnnxNativeLibraries.COMPLETE));
            Path library = ort.resolve(System.mapLibraryName("onnxruntime"));
            Files.write(library, new byte[] {1, 2, 3});

            assertThat(NativeLibraryCache.prepare(cache, cpu))
                    .containsEntry(NativeLibraryCache.ORT_PATH, ort.toString());
            assertThat(Files.readAllBytes(library))
                    .isEqualTo(entry(CPU_JAR, ORT_FOLDER + System.mapLibraryName("onnxruntime")));
            assertThat(ort.resolve(OnnxNativeLibraries.COMPLETE)).isRegularFile();
            try (var left = Files.list(ort)) {
                assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
            }
        }
    }

    @Test
    void theGpuBuildGetsItsCoreLibrariesNowAndAProviderWhenASessionAsksForIt() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("native-cache-gpu"));
        ClassLoader gpu = getClass().getClassLoader();

        Map<String, String> properties = NativeLibraryCache.prepare(cache, gpu);

        Path ort = Path.of(properties.get(NativeLibraryCache.ORT_PATH));
        assertThat(ort.getFileName().toString()).startsWith("onnxruntime_gpu-1.28.0-");
        assertThat(ort.resolve(System.mapLibraryName("onnxruntime"))).isRegularFile();
        assertThat(ort.resolve(System.mapLibraryName("onnxruntime_providers_shared"))).isRegularFile();
        // 620 MB: only when a CUDA session is asked for.
        assertThat(ort.resolve(System.mapLibraryName("onnxruntime_providers_cuda"))).doesNotExist();
        assertThat(properties).containsKeys(NativeLibraryCache.SQLITE_PATH, NativeLibraryCache.SQLITE_NAME);

        // A provider joins the folder of the core library, where ONNX Runtime looks for it (TensorRT's: 0.8 MB).
        String tensorrt = System.mapLibraryName("onnxruntime_providers_tensorrt");
        assertThat(OnnxNativeLibraries.ensureProvider(ort, "onnxruntime_providers_tensorrt", gpu)).isTrue();
        Path jar = dev.sdembed.io.JarEntryCache.jarOf("ai.onnxruntime.OrtEnvironment", gpu);
        assertThat(Files.readAllBytes(ort.resolve(tensorrt))).isEqualTo(entry(jar, OnnxNativeLibraries.folder()
                + tensorrt));
        assertThat(OnnxNativeLibraries.ensureProvider(ort, "onnxruntime_providers_tensorrt", gpu)).as("there already")
                .isFalse();
        // The CPU build has no CUDA provider: nothing to put there, ONNX Runtime says so when asked.
        try (URLClassLoader cpu = cpuLoader()) {
            Path cpuFolder = Path.of(NativeLibraryCache.prepare(cache, cpu).get(NativeLibraryCache.ORT_PATH));
            assertThat(OnnxNativeLibraries.ensureProvider(cpuFolder, "onnxruntime_providers_cuda", cpu)).isFalse();
        }
    }

    @Test
    void anotherVersionOfAJarGetsAFolderOfItsOwn() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("native-cache-upgrade"));
        Path copy = TestPaths.emptyDir(TestPaths.targetDir("native-cache-upgrade-jar"))
                .resolve(CPU_JAR.getFileName());
        Files.copy(CPU_JAR, copy);
        String before;
        try (URLClassLoader loader = loaderOf(copy.toUri().toURL())) {
            before = NativeLibraryCache.prepare(cache, loader).get(NativeLibraryCache.ORT_PATH);
        }
        // The same path rewritten, as an upgrade in place would.
        Files.setLastModifiedTime(copy, FileTime.fromMillis(Files.getLastModifiedTime(copy).toMillis() + 60_000));
        try (URLClassLoader loader = loaderOf(copy.toUri().toURL())) {
            String after = NativeLibraryCache.prepare(cache, loader).get(NativeLibraryCache.ORT_PATH);

            assertThat(after).isNotNull().isNotEqualTo(before);
            assertThat(Path.of(after).resolve(OnnxNativeLibraries.COMPLETE)).isRegularFile();
        }
    }

    @Test
    void aCacheThatCannotBeWrittenLeavesTheLoadersAsTheyWere() throws IOException {
        // A regular file where the cache folder would be: nothing can be created under it.
        Path blocked = TestPaths.emptyDir(TestPaths.targetDir("native-cache-blocked")).resolve("cache");
        Files.writeString(blocked, "not a folder");
        try (URLClassLoader cpu = cpuLoader()) {
            assertThat(NativeLibraryCache.prepare(blocked, cpu)).isEmpty();
        }
    }

    /** ONNX Runtime's CPU jar alone, and sqlite-jdbc's, with no parent that has the GPU build. */
    private static URLClassLoader cpuLoader() throws IOException {
        URL sqlite = org.sqlite.JDBC.class.getProtectionDomain().getCodeSource().getLocation();
        return loaderOf(CPU_JAR.toUri().toURL(), sqlite);
    }

    /** A class loader of these jars alone, above the JDK's platform classes (java.sql for sqlite-jdbc). */
    private static URLClassLoader loaderOf(URL... jars) {
        return new URLClassLoader(jars, ClassLoader.getPlatformClassLoader());
    }

    private static byte[] entry(Path jar, String name) throws IOException {
        try (JarFile file = new JarFile(jar.toFile()); InputStream in = file.getInputStream(file.getEntry(name))) {
            return in.readAllBytes();
        }
    }
}
