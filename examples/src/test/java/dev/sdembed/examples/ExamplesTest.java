package dev.sdembed.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.cli.samples.SampleLibrary;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.MetadataReaders;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each example program run as its README command runs it, on the real bge-small and the generated samples. */
class ExamplesTest {
    private static Path samples;
    private static List<SampleLibrary.Sample> written;
    private static String model;

    @BeforeAll
    static void samples() throws IOException {
        samples = TestPaths.emptyDir(TestPaths.targetDir("examples-samples"));
        written = SampleLibrary.generate(samples);
        model = TestModels.bgeSmall().toString();
    }

    private static List<String> run(BiConsumer<PrintStream, String[]> example, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            example.accept(out, args);
        }
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static Path emptyStore(String name) throws IOException {
        return TestPaths.emptyDir(TestPaths.targetDir(name));
    }

    @Test
    void embedTextsAndImagePrintsDimensionsAndSimilaritiesAndSkipsTheImageWithoutAVisionModel() {
        List<String> out = run(EmbedTextsAndImage::run, "--model", model);
        assertThat(out.get(0)).isEqualTo("bge-small-en-v1.5: 3 prompts, 384 dimensions each");
        assertThat(out).anyMatch(l -> l.startsWith("query \"castle by moonlight\": best match \"a castle at night"));
        assertThat(out.get(out.size() - 1)).startsWith("Image part skipped: no CLIP vision model directory given");
    }

    @Test
    void embedTextsAndImageEmbedsImagesWithAVisionModel() {
        Path vision = ClipModelDirectories.vision("examples-vision", f -> ClipTestModels.hfVisionWithProjection(f,
                new VisionSpec(224, 32, 16, 8, 5)), null, null);
        List<String> out = run(EmbedTextsAndImage::run, "--model", model, "--vision-model", vision.toString(),
                "--samples", samples.toString());
        assertThat(out).anyMatch(l -> l.matches(".+: 3 images, 8 dimensions each"));
        assertThat(out).anyMatch(l -> l.matches("cosine [01]\\.\\d{4}  castle-01\\.png vs its retouched copy"));
    }

    @Test
    void cacheDeduplicationEmbedsEachDistinctTextOnceAndNothingOnTheSecondPass() throws IOException {
        Set<String> distinct = new HashSet<>();
        int images = 0;
        for (SampleLibrary.Sample s : written) {
            GenerationMetadata m = MetadataReaders.standard().read(s.file());
            distinct.add(m.prompt());
            distinct.add(m.negativePrompt());
            images++;
        }
        List<String> out = run(CacheDeduplication::run, "--model", model, "--samples", samples.toString(),
                "--store", emptyStore("examples-dedup-store").toString());
        int d = distinct.size();
        assertThat(out).containsExactly(
                "pass 1: " + images + " images use " + 2 * images + " texts, " + d + " distinct; encoder embedded "
                        + d + ", cache hits " + (2 * images - d) + " (" + (2 * images - d)
                        + " repeats within the pass, 0 already in the store)",
                "pass 2: " + images + " images use " + 2 * images + " texts, " + d + " distinct; encoder embedded 0,"
                        + " cache hits " + 2 * images + " (" + (2 * images - d) + " repeats within the pass, " + d
                        + " already in the store)",
                "store: " + images + " images, " + d + " distinct texts, " + d + " embeddings in slot prompt_bge");
    }

    @Test
    void bulkImportReportsProgressThenSkipsEverythingOnASecondRunAndSearchFindsTheCastles() throws IOException {
        String store = emptyStore("examples-bulk-store").toString();
        List<String> first = run(BulkImportWithProgress::run, "--model", model, "--samples", samples.toString(),
                "--store", store);
        assertThat(first.stream().filter(l -> l.startsWith("progress: ")).count()).isGreaterThanOrEqualTo(6);
        assertThat(first).anyMatch(l -> l.startsWith("progress: 48/48 files, 48 indexed, 0 skipped, 0 failed"));
        assertThat(first.get(first.size() - 1)).startsWith("done: 48 files, 48 indexed, 0 skipped, 0 failed;");
        List<String> second = run(BulkImportWithProgress::run, "--model", model, "--samples", samples.toString(),
                "--store", store);
        assertThat(second.get(second.size() - 1)).startsWith("done: 48 files, 0 indexed, 48 skipped, 0 failed;");

        List<String> search = run(SearchExample::run, "--model", model, "--samples", samples.toString(), "--store",
                store);
        assertThat(search.get(0)).isEqualTo("prompts like \"a castle at night\":");
        assertThat(search.get(1)).matches("  0\\.\\d{4}  (copies/)?castle-\\d\\d\\.png +a castle at night.*");
        int comfy = search.indexOf("the same, ComfyUI images only:");
        int fox = search.indexOf("prompts like the prompt of fox-01.png:");
        assertThat(search.subList(comfy + 1, fox)).hasSize(3).allMatch(l -> l.contains("castle-"));
        assertThat(search.get(fox + 1)).matches("  1\\.0000  fox-0\\d(-retouched)?\\.png +a red fox in the snow.*");
    }

    @Test
    void searchExampleIndexesTheSamplesIntoAnEmptyStoreFirst() throws IOException {
        List<String> out = run(SearchExample::run, "--model", model, "--samples", samples.toString(), "--store",
                emptyStore("examples-search-store").toString(), "--query", "lighthouse at sunset");
        assertThat(out.get(0)).startsWith("The store is empty: indexing ");
        assertThat(out.get(2)).contains("lighthouse-");
    }
}
