package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Fused graphs kept between loads ({@link OnnxOptions.Builder#modelCache}), with real bge-small sessions: a
 * load that fuses keeps its graph, a later load runs it without rewriting (even with the fusion off, as queries load)
 * and embeds exactly as the load that made it; a changed model file or a damaged graph is never run.
 */
class FusedModelCacheTest {
    private static final List<String> TEXTS = List.of("a castle at night, moonlight, matte painting",
            "portrait of a red fox in the snow, highly detailed", "lowres, bad anatomy, watermark");
    private static Path model;

    @BeforeAll
    static void copyTheModel() {
        // A copy whose modification time the tests may change; the shared model stays as it is.
        model = TestModels.bgeSmallFullCopy("fused-cache-model");
    }

    @Test
    void aBulkLoadKeepsItsFusedGraphAndAQueryLoadRunsItAsIs() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("fused-cache-keep"));
        List<Embedding> made;
        try (BgeTextEncoder bulk = load(true, cache)) {
            assertThat(bulk.attentionFused()).isTrue();
            made = bulk.embedAll(TEXTS);
        }
        List<Path> kept = files(cache.resolve("fused"));
        assertThat(kept).hasSize(1);
        assertThat(kept.get(0).getFileName().toString()).matches("fused-cache-model-model-[0-9a-f]{8}-[0-9a-f]{8}-cls\\.onnx");
        FileTime written = Files.getLastModifiedTime(kept.get(0));

        try (BgeTextEncoder query = load(false, cache)) {
            assertThat(query.attentionFused()).as("runs the kept graph without fusing").isTrue();
            assertThat(query.clsPruned()).isTrue();
            List<Embedding> again = query.embedAll(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) {
                assertThat(again.get(i).vector()).as(TEXTS.get(i)).containsExactly(made.get(i).vector());
            }
        }
        assertThat(files(cache.resolve("fused"))).isEqualTo(kept);
        assertThat(Files.getLastModifiedTime(kept.get(0))).as("not written again").isEqualTo(written);

        try (BgeTextEncoder none = load(false, null)) {
            assertThat(none.attentionFused()).as("no cache, no fusion: the graph as exported").isFalse();
        }
    }

    @Test
    void aChangedModelFileIsFusedAgainAndADamagedGraphIsDeleted() throws IOException {
        Path cache = TestPaths.emptyDir(TestPaths.targetDir("fused-cache-changes"));
        try (BgeTextEncoder first = load(true, cache)) {
            assertThat(first.attentionFused()).isTrue();
        }
        Path kept = files(cache.resolve("fused")).get(0);

        // The model file rewritten in place: its graph is not the kept one's.
        Path modelFile = model.resolve("model.onnx");
        Files.setLastModifiedTime(modelFile, FileTime.fromMillis(Files.getLastModifiedTime(modelFile).toMillis()
                + 60_000));
        try (BgeTextEncoder query = load(false, cache)) {
            assertThat(query.attentionFused()).as("nothing kept for this file: as exported").isFalse();
        }
        try (BgeTextEncoder bulk = load(true, cache)) {
            assertThat(bulk.attentionFused()).isTrue();
        }
        List<Path> now = files(cache.resolve("fused"));
        assertThat(now).as("the graph of the file's earlier version is gone").hasSize(1).doesNotContain(kept);
        Path current = now.get(0);

        // Cut short, as a full disk would leave it: refused, deleted, and the load runs as exported.
        Files.write(current, new byte[] {8, 1, 18, 3});
        try (BgeTextEncoder query = load(false, cache)) {
            assertThat(query.attentionFused()).isFalse();
            assertThat(query.embedAll(TEXTS)).hasSize(TEXTS.size());
        }
        assertThat(current).doesNotExist();
    }

    private static BgeTextEncoder load(boolean fuse, Path cache) {
        return BgeTextEncoder.builder(model)
                .options(OnnxOptions.builder().intraOpThreads(1).attentionFusion(fuse).modelCache(cache).build())
                .build();
    }

    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.sorted().toList();
        }
    }
}
