package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sessions on memory-mapped ONNX Runtime format copies ({@link OnnxOptions.Builder#mappedWeights}), with real
 * bge-small sessions: the first load makes the copy of the graph it would run (the kept fused graph), later loads map
 * it without writing anything, and both embed as the bulk load that indexed (to float rounding: the weights are not
 * pre-packed, so sums run in another order); a changed model gets a new copy and the old one goes; a damaged copy is
 * deleted and the model loads as usual; without a cache nothing is mapped.
 */
class MappedWeightsTest {
    private static final List<String> TEXTS = List.of("a castle at night, moonlight, matte painting",
            "portrait of a red fox in the snow, highly detailed", "lowres, bad anatomy, watermark",
            "masterpiece, best quality, 1girl, solo, long hair, looking at viewer, smile, outdoors, cherry blossoms");
    private static Path model;

    @BeforeAll
    static void copyTheModel() throws IOException {
        // A copy whose modification time the tests may change; the shared model stays as it is.
        model = TestPaths.emptyDir(TestPaths.targetDir("mapped-weights-model"));
        try (Stream<Path> files = Files.list(TestModels.bgeSmall())) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, model.resolve(f.getFileName()));
                }
            }
        }
    }

    @Test
    void aQueryLoadMapsTheCopyOfTheKeptFusedGraphAndEmbedsAsTheBulkLoad() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("mapped-weights-keep"));
        List<Embedding> indexed;
        try (BgeTextEncoder bulk = load(OnnxOptions.builder().attentionFusion(true), cache)) {
            assertThat(bulk.weightsMappedFrom()).as("a bulk load does not map").isNull();
            indexed = bulk.embedAll(TEXTS);
        }
        assertThat(cache.resolve("ort")).doesNotExist();

        Path copy;
        try (BgeTextEncoder first = query(cache)) {
            copy = first.weightsMappedFrom();
            assertThat(copy).as("made by the first query load").isNotNull();
            assertThat(first.attentionFused()).as("a copy of the kept fused graph").isTrue();
            assertThat(first.clsPruned()).isTrue();
            assertSame(first.embedAll(TEXTS), indexed);
        }
        assertThat(files(cache.resolve("ort"))).containsExactly(copy);
        assertThat(copy.getFileName().toString()).matches("fused-mapped-weights-model-model-[0-9a-f]{8}-cls-[0-9a-f]{8}"
                + "-[0-9a-f]{8}\\.ort");
        FileTime written = Files.getLastModifiedTime(copy);

        try (BgeTextEncoder again = query(cache)) {
            assertThat(again.weightsMappedFrom()).isEqualTo(copy);
            assertSame(again.embedAll(TEXTS), indexed);
            // Single texts too: one inference per call, the way a query command embeds.
            for (int i = 0; i < TEXTS.size(); i++) {
                assertThat(again.embed(TEXTS.get(i)).vector()).containsExactly(again.embedAll(List.of(TEXTS.get(i)))
                        .get(0).vector());
            }
        }
        assertThat(files(cache.resolve("ort"))).containsExactly(copy);
        assertThat(Files.getLastModifiedTime(copy)).as("not written again").isEqualTo(written);
    }

    @Test
    void aChangedModelGetsANewCopyTheOldGoesAndADamagedCopyIsDeleted() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("mapped-weights-changes"));
        List<Embedding> expected;
        Path old;
        try (BgeTextEncoder first = query(cache)) {
            old = first.weightsMappedFrom();
            assertThat(old).as("no fused graph kept: a copy of the file as exported").isNotNull();
            assertThat(first.attentionFused()).isFalse();
            expected = first.embedAll(TEXTS);
        }
        try (BgeTextEncoder plain = load(OnnxOptions.builder().attentionFusion(false), null)) {
            assertSame(expected, plain.embedAll(TEXTS));
        }

        Path modelFile = model.resolve("model.onnx");
        Files.setLastModifiedTime(modelFile, FileTime.fromMillis(Files.getLastModifiedTime(modelFile).toMillis()
                + 60_000));
        Path current;
        try (BgeTextEncoder changed = query(cache)) {
            current = changed.weightsMappedFrom();
            assertThat(current).isNotNull().isNotEqualTo(old);
        }
        assertThat(files(cache.resolve("ort"))).as("the copy of the file's earlier version is gone")
                .containsExactly(current);

        // Cut short, as a full disk would leave it: refused, deleted, and the load runs as usual.
        byte[] whole = Files.readAllBytes(current);
        Files.write(current, java.util.Arrays.copyOf(whole, whole.length / 3));
        try (BgeTextEncoder damaged = query(cache)) {
            assertThat(damaged.weightsMappedFrom()).isNull();
            assertSame(damaged.embedAll(TEXTS), expected);
        }
        assertThat(current).doesNotExist();
        try (BgeTextEncoder remade = query(cache)) {
            assertThat(remade.weightsMappedFrom()).as("made again by the next load").isEqualTo(current);
        }
    }

    @Test
    void withoutACacheOrOnAGpuNothingIsMapped() throws IOException {
        try (BgeTextEncoder noCache = load(OnnxOptions.builder().mappedWeights(true), null)) {
            assertThat(noCache.weightsMappedFrom()).isNull();
            assertThat(noCache.embed(TEXTS.get(0)).vector()).hasSize(384);
        }
        // No GPU here: the CPU fallback's session is what a GPU slot gets, and it maps, since it runs on the CPU.
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("mapped-weights-gpu"));
        try (BgeTextEncoder fallback = load(OnnxOptions.builder().mappedWeights(true).device(Device.parse("cuda:0"))
                .fallback(DeviceFallback.CPU), cache)) {
            assertThat(fallback.device()).isEqualTo(Device.CPU);
            assertThat(fallback.weightsMappedFrom()).isNotNull();
        }
    }

    private static void assertSame(List<Embedding> actual, List<Embedding> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            float[] a = actual.get(i).vector();
            float[] e = expected.get(i).vector();
            assertThat(a).hasSameSizeAs(e);
            for (int d = 0; d < e.length; d++) {
                assertThat(a[d]).as("%s, dimension %d", TEXTS.get(i), d).isCloseTo(e[d], within(1e-6f));
            }
        }
    }

    private static BgeTextEncoder query(Path cache) {
        return load(OnnxOptions.builder().attentionFusion(false).mappedWeights(true), cache);
    }

    private static BgeTextEncoder load(OnnxOptions.Builder options, Path cache) {
        return BgeTextEncoder.builder(model).options(options.intraOpThreads(1).modelCache(cache).build()).build();
    }

    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        }
    }
}
