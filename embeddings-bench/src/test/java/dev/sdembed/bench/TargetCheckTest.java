package dev.sdembed.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.Modality;
import dev.sdembed.metadata.MetadataReaders;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The target check on the CPU with the real bge-small and tiny generated CLIP towers (timings are not asserted). */
class TargetCheckTest {
    @TempDir
    Path tmp;

    @Test
    void cpuRunReportsEverySlotAndTheProjectionButDoesNotJudge() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path text = ClipModelDirectories.text("target-check-text", ClipTokenizers.forPad(bpe, ClipModelDirectories.PAD_ZERO),
                f -> ClipTestModels.hfTextWithProjection(f, new TextSpec(16, 8, 49_408, true, 1)), null);
        Path vision = ClipModelDirectories.vision("target-check-vision",
                f -> ClipTestModels.hfVisionWithProjection(f, VisionSpec.tiny()), null, null);
        // The image slot asks for a GPU this machine does not have and falls back: the report must say where it ran.
        Path config = config("""
                {"slots": {
                  "prompt_bge":  {"model": "%s", "device": "cpu", "threads": 1},
                  "prompt_clip": {"model": "%s", "threads": 1},
                  "image_clip":  {"model": "%s", "device": "cuda:1", "fallback": "cpu", "threads": 1,
                                  "decodeThreads": 1}
                }}""".formatted(TestModels.bgeSmall(), text, vision));
        TargetCheck.Batch batch = TargetCheck.generatedImages();

        TargetCheck.Result result = TargetCheck.run(config, batch, 2);

        assertThat(batch.files()).hasSize(64).allSatisfy(f -> assertThat(f).isRegularFile());
        assertThat(batch.texts()).containsExactlyElementsOf(distinctPromptsAndNegatives(batch.files()));
        assertThat(result.slots()).extracting(TargetCheck.SlotTiming::slot)
                .containsExactly("prompt_bge", "prompt_clip", "image_clip");
        assertThat(result.slots()).extracting(TargetCheck.SlotTiming::device).containsOnly(Device.CPU);
        assertThat(result.slots()).extracting(TargetCheck.SlotTiming::inputs)
                .containsExactly(batch.texts().size(), batch.texts().size(), 64);
        assertThat(result.batchMs()).hasSize(2);
        assertThat(result.allGpu()).isFalse();
        assertThat(result.projectedSeconds()).isCloseTo(200_000 * result.medianMs() / 1000 / 64, within(1e-6));

        String md = result.markdown();
        assertThat(md).startsWith("# Target check: 64 images x 3 slots")
                .contains("- Configuration: " + config)
                .contains("- Texts per batch: " + batch.texts().size() + " distinct prompts and negatives")
                .contains("- Runs: 2 batches after one warm-up batch")
                .contains("| prompt_bge | bge-small-en-v1.5 | cpu | " + batch.texts().size() + " texts | ")
                .contains("| image_clip | ")
                .contains(" | cpu (configured cuda:1) | 64 images | ")
                .contains("- Wall time per batch of 64, all slots (devices at once, slots sharing a device in turn): "
                        + "median ")
                .contains("- Projected for 200,000 images: ")
                .contains("- Target not judged: the 500 ms per batch of 64 target applies to the seed's two GPUs")
                .contains("here prompt_bge, prompt_clip, image_clip run on the CPU")
                .doesNotContain("MET,").doesNotContain("MISSED,");
    }

    @Test
    void judgesTheTargetOnlyWhenEverySlotRunsOnAGpu() {
        List<TargetCheck.SlotTiming> gpus = List.of(
                new TargetCheck.SlotTiming("prompt_bge", "bge-large", "cuda:0", Device.cuda(0), Modality.TEXT, 90, 120),
                new TargetCheck.SlotTiming("image_clip_h", "vit-h", "cuda:1", Device.cuda(1), Modality.IMAGE, 64, 410));
        TargetCheck.Result fast = new TargetCheck.Result(Path.of("c.json"), "x", 64, 90, gpus,
                new double[]{430, 450, 470}, 450);
        TargetCheck.Result slow = new TargetCheck.Result(Path.of("c.json"), "x", 64, 90, gpus,
                new double[]{600, 640}, 620);

        assertThat(fast.allGpu()).isTrue();
        assertThat(fast.markdown()).contains("- Target (<= 500 ms per batch of 64 on the GPUs): MET, 450 ms <= 500 ms")
                .contains("- Rate: 142.2 images/s")
                .contains("- Projected for 200,000 images: 0.39 h (1,406 s)")
                .doesNotContain("not judged");
        assertThat(slow.markdown()).contains("MISSED, 620 ms > 500 ms");
    }

    @Test
    void rejectsAMissingConfigurationAndAnImagelessFolder() throws IOException {
        assertThatThrownBy(() -> TargetCheck.cli(new String[]{"--runs", "2"}))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("needs --config FILE");
        assertThatThrownBy(() -> TargetCheck.cli(new String[]{"--config", "x.json", "--runs", "0"}))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Option --runs is '0'; expected a positive integer");
        Files.writeString(tmp.resolve("notes.txt"), "no images here");
        assertThatThrownBy(() -> TargetCheck.folderImages(tmp))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("No PNG, JPEG or WebP images in " + tmp + " for the target check");
    }

    @Test
    void fillsABatchFromAFolderWithFewerImagesByRepeatingThem() throws IOException {
        List<Path> generated = TargetCheck.generatedImages().files();
        Path dir = Files.createDirectories(tmp.resolve("three"));
        for (int i = 0; i < 3; i++) {
            Files.copy(generated.get(i), dir.resolve("img-" + i + ".png"));
        }

        TargetCheck.Batch batch = TargetCheck.folderImages(dir);

        assertThat(batch.files()).hasSize(64);
        assertThat(batch.files().subList(0, 4)).containsExactly(dir.resolve("img-0.png"), dir.resolve("img-1.png"),
                dir.resolve("img-2.png"), dir.resolve("img-0.png"));
        assertThat(batch.texts()).containsExactlyElementsOf(distinctPromptsAndNegatives(batch.files()));
        assertThat(batch.description()).isEqualTo("3 images from " + dir + ", repeated to fill a batch of 64");
    }

    private Path config(String json) throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, json);
        return file;
    }

    private static List<String> distinctPromptsAndNegatives(List<Path> files) {
        Set<String> texts = new LinkedHashSet<>();
        for (Path f : files) {
            var m = MetadataReaders.standard().read(f);
            texts.add(m.prompt());
            texts.add(m.negativePrompt());
        }
        return List.copyOf(texts);
    }
}
