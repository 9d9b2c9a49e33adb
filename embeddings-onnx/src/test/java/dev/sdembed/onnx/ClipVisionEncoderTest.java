package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sdembed.DeviceUnavailableException;
import dev.sdembed.ImageDecodeException;
import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.image.ClipPreprocessConfig;
import dev.sdembed.image.ClipPreprocessor;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.PixelTensor;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.OnnxModelBuilder;
import dev.sdembed.testing.TestImageFiles;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CLIP vision encoder on generated models with the real exports' signatures and images written by ImageIO. */
class ClipVisionEncoderTest {
    private static final Path IMAGES = TestPaths.targetDir("test-images/clip-vision");
    private static final List<Path> GOOD = new ArrayList<>();
    private static Path hfDir;
    private static ClipVisionEncoder hf;

    @BeforeAll
    static void load() {
        int[][] sizes = {{64, 48}, {300, 200}, {50, 90}, {224, 224}, {513, 257}, {33, 400}, {128, 96}};
        for (int i = 0; i < sizes.length; i++) {
            GOOD.add(TestImageFiles.pattern(IMAGES.resolve("pattern-" + i + ".png"), sizes[i][0], sizes[i][1], i,
                    "png"));
        }
        GOOD.add(TestImageFiles.pattern(IMAGES.resolve("photo.jpg"), 320, 240, 99, "jpg"));
        hfDir = ClipModelDirectories.vision("vision-hf", f -> ClipTestModels.hfVisionWithProjection(f,
                VisionSpec.tiny()), null, null);
        hf = ClipVisionEncoder.builder(hfDir)
                .options(OnnxOptions.builder().intraOpThreads(2).maxBatchSize(3).build())
                .preprocessThreads(2)
                .build();
    }

    @AfterAll
    static void close() {
        if (hf != null) {
            hf.close();
        }
    }

    @Test
    void huggingFaceExportIsDetectedAndDescribed() {
        assertThat(ModelInspection.of(hfDir).kind()).isEqualTo(ModelKind.CLIP_VISION);
        assertThat(hf.info().modality()).isEqualTo(Modality.IMAGE);
        assertThat(hf.info().dimension()).isEqualTo(8);
        assertThat(hf.info().imageSize()).isEqualTo(224);
        assertThat(hf.info().maxTokens()).isZero();
        assertThat(hf.info().name()).isEqualTo("vision-hf");
        assertThat(hf.device()).isEqualTo(Device.CPU);
        assertThat(hf.preprocessing()).isEqualTo(ClipPreprocessConfig.clipDefaults());
    }

    @Test
    void anEmbeddingIsTheModelOutputForClipsPreprocessingNormalised() throws OrtException {
        List<Embedding> embeddings = hf.embedFiles(GOOD);
        ClipPreprocessor preprocessor = ClipPreprocessor.of(ClipPreprocessConfig.clipDefaults());
        for (int i = 0; i < GOOD.size(); i++) {
            float[] raw = runDirectly(hfDir, "pixel_values",
                    preprocessor.preprocess(ImageDecoder.defaults().decode(GOOD.get(i))));
            assertThat(embeddings.get(i).maxAbsDifference(Embedding.of(raw).normalized())).as(GOOD.get(i).toString())
                    .isLessThan(1e-5);
            assertThat(embeddings.get(i).norm()).isCloseTo(1.0, within(1e-5));
        }
        assertThat(embeddings.get(0).maxAbsDifference(embeddings.get(1))).as("different images differ")
                .isGreaterThan(1e-3);
    }

    @Test
    void batchesGiveWhatSingleFilesGiveInInputOrder() {
        List<Path> files = new ArrayList<>(GOOD);
        files.add(GOOD.get(2));
        List<Embedding> batched = hf.embedFiles(files);
        assertThat(batched).hasSize(files.size());
        for (int i = 0; i < files.size(); i++) {
            assertThat(hf.embedFile(files.get(i)).maxAbsDifference(batched.get(i))).as("image %d", i)
                    .isLessThanOrEqualTo(1e-4);
        }
        List<Path> reversed = new ArrayList<>(files);
        Collections.reverse(reversed);
        List<Embedding> backwards = hf.embedFiles(reversed);
        for (int i = 0; i < files.size(); i++) {
            assertThat(backwards.get(files.size() - 1 - i).maxAbsDifference(batched.get(i)))
                    .isLessThanOrEqualTo(1e-4);
        }
        assertThat(hf.embedFiles(List.of())).isEmpty();
        assertThat(hf.embedEach(List.of())).isEmpty();
    }

    @Test
    void spinningIntraOpThreadsChangeNothingButScheduling() {
        // The shared encoder runs with the default (no spinning); ONNX Runtime must accept the switch either way and
        // give the same numbers.
        assertThat(OnnxOptions.defaults().intraOpSpinning()).isFalse();
        OnnxOptions spinning = OnnxOptions.builder().intraOpThreads(2).maxBatchSize(3).intraOpSpinning(true).build();
        assertThat(spinning.toBuilder().build().intraOpSpinning()).isTrue();
        try (ClipVisionEncoder spinner = ClipVisionEncoder.builder(hfDir).options(spinning).build()) {
            List<Embedding> quiet = hf.embedFiles(GOOD);
            List<Embedding> spun = spinner.embedFiles(GOOD);
            for (int i = 0; i < GOOD.size(); i++) {
                assertThat(spun.get(i).maxAbsDifference(quiet.get(i))).as("image %d", i).isLessThanOrEqualTo(1e-6);
            }
        }
    }

    @Test
    void badFilesFailOnlyTheirOwnResults() throws IOException {
        Path empty = Files.write(IMAGES.resolve("empty.png"), new byte[0]);
        Path truncated = TestImageFiles.truncated(GOOD.get(1), IMAGES.resolve("truncated.png"), 0.5);
        Path garbage = TestImageFiles.garbage(IMAGES.resolve("garbage.jpg"), 4000, 1);
        Path missing = IMAGES.resolve("missing.png");
        List<Path> files = List.of(GOOD.get(0), empty, GOOD.get(1), truncated, garbage, GOOD.get(2), missing,
                GOOD.get(3));

        List<ImageEmbeddingResult> results = hf.embedEach(files);

        assertThat(results).extracting(ImageEmbeddingResult::file).containsExactlyElementsOf(files);
        assertThat(results).extracting(ImageEmbeddingResult::succeeded)
                .containsExactly(true, false, true, false, false, true, false, true);
        for (int i : new int[] {0, 2, 5, 7}) {
            assertThat(results.get(i).embedding().maxAbsDifference(hf.embedFile(files.get(i)))).isLessThan(1e-4);
            assertThat(results.get(i).pixelHash()).as("from the decode the embedding was made of")
                    .isEqualTo(dev.sdembed.image.PixelHash.of(dev.sdembed.image.ImageDecoder.defaults()
                            .decode(files.get(i))));
        }
        assertThat(results.get(1).pixelHash()).isNull();
        assertThat(results.get(1).error()).hasMessage("Cannot decode image " + empty + ": empty file (0 bytes)");
        assertThat(results.get(3).error().getMessage()).startsWith("Cannot decode image " + truncated + ": truncated");
        assertThat(results.get(4).error().getMessage()).startsWith("Cannot decode image " + garbage + ": ");
        assertThat(results.get(6).error()).hasMessage("Cannot decode image " + missing + ": file not found");
        for (int i : new int[] {1, 3, 4, 6}) {
            assertThat(results.get(i).error().file()).isEqualTo(files.get(i));
        }
    }

    @Test
    void embedFilesRaisesTheFirstBadFileInInputOrder() throws IOException {
        Path empty = Files.write(IMAGES.resolve("empty-2.png"), new byte[0]);
        Path truncated = TestImageFiles.truncated(GOOD.get(1), IMAGES.resolve("truncated-2.png"), 0.3);
        assertThatThrownBy(() -> hf.embedFiles(List.of(GOOD.get(0), GOOD.get(1), GOOD.get(2), GOOD.get(3), truncated,
                empty)))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageStartingWith("Cannot decode image " + truncated + ": truncated");
        assertThatThrownBy(() -> hf.embedFile(empty))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessage("Cannot decode image " + empty + ": empty file (0 bytes)");
    }

    @Test
    void imagesOverThePixelLimitAreRefusedFromTheirHeader() {
        try (ClipVisionEncoder strict = ClipVisionEncoder.builder(hfDir).maxPixels(20_000).build()) {
            List<ImageEmbeddingResult> results = strict.embedEach(List.of(GOOD.get(0), GOOD.get(1)));
            assertThat(results.get(0).succeeded()).as("64x48 = 3,072 pixels").isTrue();
            assertThat(results.get(1).error()).hasMessage("Cannot decode image " + GOOD.get(1) + ": header declares"
                    + " 300x200 = 0.1 megapixels, over the limit of 0.0 megapixels (maxPixels 20000)");
        }
        assertThatThrownBy(() -> ClipVisionEncoder.builder(hfDir).maxPixels(0))
                .isInstanceOf(InvalidInputException.class).hasMessage("maxPixels is 0; expected 1 to 700000000");
    }

    @Test
    void openClipExportAt336PixelsIsDetectedFromItsSignature() throws OrtException {
        Path dir = ClipModelDirectories.vision("vision-openclip-336", f -> ClipTestModels.openClipVision(f,
                VisionSpec.tiny().withSize(336).withDim(64), "image", "output"), null, null);
        assertThat(ModelInspection.of(dir).kind()).isEqualTo(ModelKind.CLIP_VISION);
        try (ImageEncoder encoder = OnnxEncoders.image(dir, OnnxOptions.defaults())) {
            assertThat(encoder.info().imageSize()).isEqualTo(336);
            assertThat(encoder.info().dimension()).isEqualTo(64);
            assertThat(((ClipVisionEncoder) encoder).preprocessing()).isEqualTo(ClipPreprocessConfig.clipDefaults(336));
            Embedding embedding = encoder.embedFile(GOOD.get(4));
            PixelTensor pixels = ClipPreprocessor.of(ClipPreprocessConfig.clipDefaults(336))
                    .preprocess(ImageDecoder.defaults().decode(GOOD.get(4)));
            assertThat(pixels.shape()).containsExactly(3, 336, 336);
            assertThat(embedding.maxAbsDifference(Embedding.of(runDirectly(dir, "image", pixels)).normalized()))
                    .isLessThan(1e-5);
        }
    }

    @Test
    void imageSizeOfAGraphWithoutFixedSizeComesFromTheModelDirectory() {
        java.util.function.UnaryOperator<Path> anySize = f -> ClipTestModels.openClipVisionAnySize(f,
                VisionSpec.tiny(), "image", "embedding");
        Path dir = ClipModelDirectories.vision("vision-any-size", anySize, null, null);
        try (ClipVisionEncoder encoder = ClipVisionEncoder.open(dir)) {
            assertThat(encoder.info().imageSize()).as("CLIP's default").isEqualTo(224);
        }
        ClipModelDirectories.manifest(dir, "{\"image_size\": 336}");
        try (ClipVisionEncoder encoder = ClipVisionEncoder.open(dir)) {
            assertThat(encoder.info().imageSize()).isEqualTo(336);
            assertThat(encoder.preprocessing()).isEqualTo(ClipPreprocessConfig.clipDefaults(336));
            assertThat(encoder.embedFile(GOOD.get(0)).dimension()).isEqualTo(8);
        }
        ClipModelDirectories.manifest(dir, null);
        String config336 = "{\"crop_size\": 336, \"size\": {\"shortest_edge\": 336}, \"image_mean\": [0.5, 0.5, 0.5],"
                + " \"image_std\": [0.5, 0.5, 0.5]}";
        Path withConfig = ClipModelDirectories.vision("vision-any-size-config", anySize, config336, null);
        try (ClipVisionEncoder encoder = ClipVisionEncoder.open(withConfig)) {
            assertThat(encoder.info().imageSize()).isEqualTo(336);
            assertThat(encoder.preprocessing().mean()).containsExactly(0.5f, 0.5f, 0.5f);
        }
        ClipModelDirectories.writeOrDelete(withConfig.resolve("preprocessor_config.json"), null);
        ClipModelDirectories.writeOrDelete(withConfig.resolve("config.json"), "{\"vision_config\": {\"image_size\": 336}}");
        try (ClipVisionEncoder encoder = ClipVisionEncoder.open(withConfig)) {
            assertThat(encoder.info().imageSize()).as("config.json").isEqualTo(336);
        }
        ClipModelDirectories.manifest(withConfig, "{\"image_size\": 224}");
        assertThatThrownBy(() -> ClipVisionEncoder.open(withConfig))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Model directory " + withConfig + " disagrees on the image size: sdembed.json image_size"
                        + " says 224, config.json image_size says 336. Make them agree.");
    }

    @Test
    void preprocessingFollowsTheModelsPreprocessorConfig() throws OrtException {
        String halfMeanStd = "{\"crop_size\": 224, \"size\": 224, \"image_mean\": [0.5, 0.5, 0.5],"
                + " \"image_std\": [0.5, 0.5, 0.5]}";
        Path dir = ClipModelDirectories.vision("vision-own-mean", f -> ClipTestModels.hfVisionWithProjection(f,
                VisionSpec.tiny()), halfMeanStd, null);
        try (ClipVisionEncoder encoder = ClipVisionEncoder.open(dir)) {
            ClipPreprocessConfig expected = ClipPreprocessConfig.fromPreprocessorConfig(
                    dir.resolve("preprocessor_config.json"));
            assertThat(encoder.preprocessing()).isEqualTo(expected);
            PixelTensor pixels = ClipPreprocessor.of(expected).preprocess(ImageDecoder.defaults().decode(GOOD.get(5)));
            assertThat(encoder.embedFile(GOOD.get(5))
                    .maxAbsDifference(Embedding.of(runDirectly(dir, "pixel_values", pixels)).normalized()))
                    .isLessThan(1e-5);
        }
        Path wrongSize = ClipModelDirectories.vision("vision-config-336", f -> ClipTestModels.hfVisionWithProjection(f,
                VisionSpec.tiny()), "{\"crop_size\": 336, \"size\": 336}", null);
        assertThatThrownBy(() -> ClipVisionEncoder.open(wrongSize))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Model directory " + wrongSize + " disagrees on the image size: model input 'pixel_values'"
                        + " [batch,3,224,224] says 224, preprocessor_config.json crop_size says 336. Make them agree.");
    }

    @Test
    void manifestNamesTheTensorsAndTheKindOfAnExportDetectionCannotRead() {
        // Pixels in, two [batch, D] outputs out: neither detection nor output choice can tell which to use.
        java.util.function.UnaryOperator<Path> twoOutputs = f -> new OnnxModelBuilder("two_outputs")
                .input("img", OnnxModelBuilder.FLOAT, "batch", 3, 224, 224)
                .node("ReduceMean", List.of("img"), List.of("features"),
                        OnnxModelBuilder.Attr.ints("axes", 3), OnnxModelBuilder.Attr.i("keepdims", 0))
                .node("ReduceMean", List.of("features"), List.of("feature"),
                        OnnxModelBuilder.Attr.ints("axes", 2), OnnxModelBuilder.Attr.i("keepdims", 0))
                .node("Neg", List.of("feature"), List.of("negated"))
                .output("feature", OnnxModelBuilder.FLOAT, "batch", 3)
                .output("negated", OnnxModelBuilder.FLOAT, "batch", 3)
                .write(f);
        Path dir = ClipModelDirectories.vision("vision-two-outputs", twoOutputs, null, null);
        assertThatThrownBy(() -> ClipVisionEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Model directory " + dir + " does not hold an image encoder (detected kind: unknown;"
                        + " inputs: img float[batch,3,224,224], outputs: feature float[batch,3], negated"
                        + " float[batch,3]). A CLIP vision tower takes float pixel_values [batch, 3, S, S] or uint8"
                        + " pixels [batch, S, S, 3]; set"
                        + " \"kind\": \"clip-vision\" in sdembed.json if this is one.");
        ClipModelDirectories.manifest(dir, "{\"kind\": \"clip-vision\"}");
        assertThatThrownBy(() -> ClipVisionEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("has 2 float [batch, dim] outputs");
        ClipModelDirectories.manifest(dir, "{\"kind\": \"clip-vision\", \"inputs\": {\"pixel_values\": \"img\"},"
                + " \"output\": \"negated\", \"dimension\": 3, \"embedding_space\": \"toy\","
                + " \"name\": \"toy-vision\"}");
        try (ClipVisionEncoder encoder = ClipVisionEncoder.open(dir)) {
            assertThat(encoder.info().name()).isEqualTo("toy-vision");
            assertThat(encoder.info().embeddingSpace()).isEqualTo("toy");
            assertThat(encoder.embedFile(GOOD.get(0)).dimension()).isEqualTo(3);
        }
        ClipModelDirectories.manifest(dir, "{\"kind\": \"clip-vision\", \"output\": \"negated\", \"dimension\": 4}");
        assertThatThrownBy(() -> ClipVisionEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Manifest " + dir.resolve("sdembed.json") + " declares dimension 4 but output 'negated'"
                        + " of " + dir.resolve("model.onnx") + " has 3 [batch,3]. Fix the manifest or use the model"
                        + " it describes.");
    }

    @Test
    void bareClipVisionModelIsRefusedUnlessTheManifestAllowsIt() {
        Path dir = ClipModelDirectories.vision("vision-bare", f -> ClipTestModels.hfVisionWithoutProjection(f,
                VisionSpec.tiny()), null, null);
        assertThatThrownBy(() -> ClipVisionEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("Model " + dir.resolve("model.onnx") + " is a bare CLIPVisionModel export")
                .hasMessageContaining("\"allow_unprojected\": true in sdembed.json");
        ClipModelDirectories.manifest(dir, "{\"allow_unprojected\": true}");
        try (ClipVisionEncoder encoder = ClipVisionEncoder.open(dir)) {
            assertThat(encoder.info().dimension()).as("the hidden width").isEqualTo(16);
        }
    }

    @Test
    void aTextModelIsNotAnImageEncoder() {
        Path dir = ClipModelDirectories.modelOnly("vision-given-text", f -> ClipTestModels.openClipText(f,
                TextSpec.tiny(), "text", "output"));
        assertThatThrownBy(() -> OnnxEncoders.image(dir, OnnxOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("Model directory " + dir + " does not hold an image encoder (detected kind:"
                        + " clip-text; inputs: text int64[batch,77], outputs: output float[batch,8])");
    }

    @Test
    void preprocessingRunsOnASuppliedExecutorThatTheEncoderLeavesRunning() {
        ExecutorService executor = Executors.newFixedThreadPool(2);
        AtomicInteger tasks = new AtomicInteger();
        try {
            try (ClipVisionEncoder encoder = ClipVisionEncoder.builder(hfDir)
                    .options(OnnxOptions.builder().maxBatchSize(2).build())
                    .executor(task -> {
                        tasks.incrementAndGet();
                        executor.execute(task);
                    }).build()) {
                List<Embedding> embeddings = encoder.embedFiles(GOOD);
                for (int i = 0; i < GOOD.size(); i++) {
                    assertThat(embeddings.get(i).maxAbsDifference(hf.embedFile(GOOD.get(i)))).isLessThan(1e-4);
                }
            }
            assertThat(tasks).hasValue(GOOD.size());
            assertThat(executor.isShutdown()).isFalse();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void concurrentCallersGetTheirOwnResults() throws Exception {
        List<Embedding> expected = hf.embedFiles(GOOD);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<List<Embedding>>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                List<Path> rotated = new ArrayList<>(GOOD);
                Collections.rotate(rotated, t);
                int shift = t;
                futures.add(callers.submit(() -> {
                    List<Embedding> got = hf.embedFiles(rotated);
                    List<Embedding> back = new ArrayList<>(got);
                    Collections.rotate(back, -shift);
                    return back;
                }));
            }
            for (var future : futures) {
                List<Embedding> got = future.get();
                for (int i = 0; i < GOOD.size(); i++) {
                    assertThat(got.get(i).maxAbsDifference(expected.get(i))).isLessThan(1e-4);
                }
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void cudaFallsBackToTheCpuWhenAllowedAndFailsClearlyWhenNot() {
        try (ClipVisionEncoder onCpu = ClipVisionEncoder.builder(hfDir)
                .options(OnnxOptions.builder().device("cuda:0").fallback(DeviceFallback.CPU).build()).build()) {
            assertThat(onCpu.device()).isEqualTo(Device.CPU);
            assertThat(onCpu.embedFile(GOOD.get(0)).maxAbsDifference(hf.embedFile(GOOD.get(0)))).isLessThan(1e-5);
        }
        assertThatThrownBy(() -> ClipVisionEncoder.builder(hfDir)
                .options(OnnxOptions.builder().device("cuda:0").build()).build())
                .isInstanceOf(DeviceUnavailableException.class)
                .hasMessageStartingWith("Encoder 'vision-hf' cannot run on cuda:0: ");
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> hf.embedFiles(Arrays.asList(GOOD.get(0), null)))
                .isInstanceOf(InvalidInputException.class).hasMessage("Image at index 1 of 2 is null");
        PixelTensor small = PixelTensor.of(3, 8, 8, new float[3 * 8 * 8]);
        assertThatThrownBy(() -> hf.embedPixels(List.of(small)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Pixel tensor at index 0 of 1 has shape [3, 8, 8]; encoder 'vision-hf' takes"
                        + " [3, 224, 224]");
        assertThatThrownBy(() -> ClipVisionEncoder.builder(hfDir).preprocessThreads(0))
                .isInstanceOf(InvalidInputException.class).hasMessage("preprocessThreads is 0; expected 1 to 1024");
        assertThatThrownBy(() -> ClipVisionEncoder.builder(hfDir).preprocessThreads(100_000))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("preprocessThreads is 100000; expected 1 to 1024");
        ClipVisionEncoder closed = ClipVisionEncoder.open(hfDir);
        closed.close();
        closed.close();
        assertThatThrownBy(() -> closed.embedFile(GOOD.get(0)))
                .isInstanceOf(IllegalStateException.class).hasMessage("Encoder 'vision-hf' is closed");
    }

    @Test
    void viTH14StyleTowersShareTheirDeclaredSpace() {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        String space = "{\"dimension\": 1024, \"embedding_space\": \"openclip-vit-h-14\"}";
        Path vision = ClipModelDirectories.vision("vision-vit-h", f -> ClipTestModels.openClipVision(f,
                VisionSpec.tiny().withDim(1024), "image", "image_features"), null, space);
        Path text = ClipModelDirectories.text("text-vit-h-pair", ClipTokenizers.forPad(bpe, ClipModelDirectories.PAD_ZERO),
                f -> ClipTestModels.openClipText(f, TextSpec.tiny().withDim(1024), "text", "text_features"), space);
        try (ImageEncoder image = OnnxEncoders.image(vision, OnnxOptions.defaults());
             TextEncoder prompt = OnnxEncoders.text(text, OnnxOptions.defaults())) {
            assertThat(image.info().sharesSpaceWith(prompt.info())).isTrue();
            assertThat(hf.info().sharesSpaceWith(prompt.info())).isFalse();
            Embedding picture = image.embedFile(GOOD.get(0));
            Embedding words = prompt.embed("a colourful pattern");
            assertThat(picture.dimension()).isEqualTo(1024);
            assertThat(Math.abs(picture.dot(words))).as("comparable: a cosine").isLessThanOrEqualTo(1.0 + 1e-6);
        }
    }

    private static float[] runDirectly(Path dir, String inputName, PixelTensor pixels) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(dir.resolve("model.onnx").toString());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels.data()),
                     new long[] {1, 3, pixels.height(), pixels.width()});
             OrtSession.Result result = session.run(Map.of(inputName, input))) {
            return ((float[][]) result.get(0).getValue())[0];
        }
    }

    @Test
    void batchBucketsPadEveryInferenceToABucketAndChangeNoEmbedding() {
        OnnxOptions bucketed = OnnxOptions.builder().intraOpThreads(2).maxBatchSize(5).batchBuckets(List.of(2, 4, 8))
                .build();
        try (ClipVisionEncoder withBuckets = ClipVisionEncoder.builder(hfDir).options(bucketed).preprocessThreads(2)
                .build()) {
            List<Path> seven = GOOD.subList(0, 7);
            List<Embedding> expected = hf.embedFiles(seven);
            List<Embedding> actual = withBuckets.embedFiles(seven);
            for (int i = 0; i < seven.size(); i++) {
                assertThat(actual.get(i).maxAbsDifference(expected.get(i))).as(GOOD.get(i).toString())
                        .isLessThanOrEqualTo(1e-5f);
            }
            // 7 images, at most 4 per batch (the largest bucket within maxBatchSize 5): 4, then 3 padded to 4.
            assertThat(withBuckets.inputShapes()).contains("pixel_values[4, 3, 224, 224]").allSatisfy(shape ->
                    assertThat(shape).matches("pixel_values\\[[248], 3, 224, 224]"));
            assertThat(hf.inputShapes()).as("without buckets: batches of maxBatchSize 3 and the rest")
                    .contains("pixel_values[3, 3, 224, 224]");
        }
    }
}
