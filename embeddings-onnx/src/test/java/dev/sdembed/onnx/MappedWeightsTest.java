package dev.sdembed.onnx;

import static dev.sdembed.testing.ClipModelDirectories.PREPROCESSOR_224;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.image.ClipPreprocessConfig;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.ImmichGeneration;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.OnnxModelBuilder.ExternalData;
import dev.sdembed.testing.TestImageFiles;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.RandomAccessFile;
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
    static void copyTheModel() {
        // A copy whose modification time the tests may change; the shared model stays as it is.
        model = TestModels.bgeSmallFullCopy("mapped-weights-model");
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
        assertThat(copy.getFileName().toString())
                .matches("fused-mapped-weights-model-model-[0-9a-f]{8}-[0-9a-f]{8}-cls-[0-9a-f]{8}-[0-9a-f]{8}\\.ort");
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

    @Test
    void weightsInAnExternalFileAreCopiedAndAModelTooLargeToCopyIsMarkedOnceAndLoadsAsUsual() throws IOException {
        Path dir = ClipModelDirectories.vision("mapped-weights-external", f -> ClipTestModels.immichVision(f,
                VisionSpec.tiny(), ImmichGeneration.values()[0], CLIP.mean(), CLIP.std(), ExternalData.ONE_FILE),
                PREPROCESSOR_224, "{\"kind\": \"clip-vision\", \"dimension\": 8}");
        Path image = TestImageFiles.pattern(dir.resolveSibling("mapped-weights-external.png"), 300, 200, 7, "png");
        List<Embedding> expected;
        try (ClipVisionEncoder plain = vision(dir, null)) {
            expected = plain.embedFiles(List.of(image));
        }
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("mapped-weights-external-cache"));
        try (ClipVisionEncoder mapped = vision(dir, cache)) {
            assertThat(mapped.embedFiles(List.of(image)).get(0).maxAbsDifference(expected.get(0))).isLessThan(1e-6);
        }
        assertThat(files(cache.resolve("ort"))).singleElement()
                .satisfies(f -> assertThat(f.toString()).endsWith(".ort"));

        // The external file grown past what one mapping holds (sparse: no disk used; ONNX Runtime reads only the
        // ranges the model names): no copy, a marker instead, and later loads do not try again.
        Path data;
        try (Stream<Path> s = Files.list(dir)) {
            data = s.filter(f -> f.getFileName().toString().endsWith(".data")).findFirst().orElseThrow();
        }
        try (RandomAccessFile grow = new RandomAccessFile(data.toFile(), "rw")) {
            grow.setLength(2L << 30);
        }
        Path large = TestPaths.emptyDir(TestPaths.targetDir("mapped-weights-large-cache"));
        try (ClipVisionEncoder first = vision(dir, large)) {
            assertThat(first.embedFiles(List.of(image)).get(0).maxAbsDifference(expected.get(0))).isLessThan(1e-6);
        }
        List<Path> marked = files(large.resolve("ort"));
        assertThat(marked).singleElement().satisfies(f -> assertThat(f.toString()).endsWith(".ort.none"));
        FileTime markedAt = Files.getLastModifiedTime(marked.get(0));
        try (ClipVisionEncoder again = vision(dir, large)) {
            assertThat(again.embedFiles(List.of(image))).hasSize(1);
        }
        assertThat(files(large.resolve("ort"))).isEqualTo(marked);
        assertThat(Files.getLastModifiedTime(marked.get(0))).as("not tried again").isEqualTo(markedAt);
        Files.delete(data);
    }

    private static ClipVisionEncoder vision(Path dir, Path cache) {
        return ClipVisionEncoder.builder(dir).preprocessThreads(1).options(OnnxOptions.builder().intraOpThreads(1)
                .mappedWeights(cache != null).modelCache(cache).build()).build();
    }

    private static final ClipPreprocessConfig CLIP = ClipPreprocessConfig.clipDefaults();

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

    @Test
    void aCopyOfAFileThatIsGoneIsDeletedWhenTheNextCopyIsMade() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("mapped-weights-orphans"));
        Path first = TestModels.bgeSmallCopy("mapped-weights-orphan-1");
        Path orphan;
        try (BgeTextEncoder q = BgeTextEncoder.builder(first).options(OnnxOptions.builder().intraOpThreads(1)
                .attentionFusion(false).mappedWeights(true).modelCache(cache).build()).build()) {
            orphan = q.weightsMappedFrom();
        }
        assertThat(orphan.resolveSibling(orphan.getFileName() + ".source")).hasContent(first.resolve("model.onnx")
                .toAbsolutePath().normalize().toString());
        Files.delete(first.resolve("model.onnx"));

        Path second = TestModels.bgeSmallCopy("mapped-weights-orphan-2");
        Path copy;
        try (BgeTextEncoder q = BgeTextEncoder.builder(second).options(OnnxOptions.builder().intraOpThreads(1)
                .attentionFusion(false).mappedWeights(true).modelCache(cache).build()).build()) {
            copy = q.weightsMappedFrom();
        }
        assertThat(files(cache.resolve("ort"))).containsExactly(copy);
        assertThat(orphan).doesNotExist();
    }

    /** The folder's copies and markers, without the files naming each copy's source. */
    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(f -> !f.getFileName().toString().endsWith(".source")).sorted().toList();
        }
    }
}
