package dev.sdembed.onnx;

import static dev.sdembed.onnx.ClipTokenizerTest.EOT;
import static dev.sdembed.onnx.ClipTokenizerTest.expectedInput;
import static dev.sdembed.testing.ClipModelDirectories.PAD_END_TOKEN;
import static dev.sdembed.testing.ClipModelDirectories.PAD_ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.GoldenTokens;
import dev.sdembed.testing.OnnxModelBuilder;
import dev.sdembed.testing.SdPrompts;
import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CLIP text encoder on generated models with the real exports' signatures (the output is the hidden state at
 * the end token, as in CLIP) and tokenizer.json files written from OpenAI's vocabulary.
 */
class ClipTextEncoderTest {
    private static final String LONG_PROMPT = SdPrompts.veryLong(160);

    private static Path bpe;
    private static Path hfDir;
    private static ClipTextEncoder hf;

    @BeforeAll
    static void load() throws IOException {
        ClipTokenizerTest.fixtures();
        bpe = ClipTokenizerTest.bpe;
        hfDir = ClipModelDirectories.text("text-hf", ClipTokenizers.forPad(bpe, PAD_END_TOKEN),
                f -> ClipTestModels.hfTextWithProjection(f, TextSpec.tiny()), null);
        hf = ClipTextEncoder.builder(hfDir).options(OnnxOptions.builder().intraOpThreads(2).maxBatchSize(7).build())
                .build();
    }

    @AfterAll
    static void close() {
        if (hf != null) {
            hf.close();
        }
    }

    @Test
    void huggingFaceExportWithAttentionMaskIsDetectedAndDescribed() {
        assertThat(ModelInspection.of(hfDir).kind()).isEqualTo(ModelKind.CLIP_TEXT);
        assertThat(hf.info().modality()).isEqualTo(Modality.TEXT);
        assertThat(hf.info().dimension()).isEqualTo(8);
        assertThat(hf.info().maxTokens()).isEqualTo(77);
        assertThat(hf.info().imageSize()).isZero();
        assertThat(hf.info().name()).isEqualTo("text-hf");
        assertThat(hf.info().fingerprint()).matches("[0-9a-f]{64}");
        assertThat(hf.info().embeddingSpace()).isNull();
        assertThat(hf.padTokenId()).as("from the tokenizer's padding").isEqualTo(EOT);
        assertThat(hf.longPromptPolicy()).isEqualTo(LongPromptPolicy.TRUNCATE);
    }

    @Test
    void withoutAttentionMaskAndAsOpenClipExportTheSameWeightsGiveTheSameEmbeddings() {
        // The three exports share their seeded weights; the masked one gives the same result only if the mask
        // covers start token to end token, and the OpenCLIP one (padded with 0) only if nothing after the end
        // token matters.
        Path noMask = ClipModelDirectories.text("text-hf-nomask", ClipTokenizers.forPad(bpe, PAD_END_TOKEN),
                f -> ClipTestModels.hfTextWithProjection(f, TextSpec.tiny().withoutAttentionMask()), null);
        Path openClip = ClipModelDirectories.text("text-openclip", ClipTokenizers.forPad(bpe, PAD_ZERO),
                f -> ClipTestModels.openClipText(f, TextSpec.tiny(), "text", "output"), null);
        assertThat(ModelInspection.of(noMask).kind()).isEqualTo(ModelKind.CLIP_TEXT);
        assertThat(ModelInspection.of(openClip).kind()).isEqualTo(ModelKind.CLIP_TEXT);
        List<String> prompts = new ArrayList<>(SdPrompts.EDGE_CASES);
        prompts.add(LONG_PROMPT);
        List<Embedding> expected = hf.embedAll(prompts);
        try (ClipTextEncoder a = ClipTextEncoder.open(noMask); ClipTextEncoder b = ClipTextEncoder.open(openClip)) {
            assertThat(b.padTokenId()).isZero();
            assertThat(b.inputIds("a cat")).endsWith(0, 0, 0);
            assertClose(a.embedAll(prompts), expected, 1e-6);
            assertClose(b.embedAll(prompts), expected, 1e-6);
        }
    }

    @Test
    void padIdDoesNotChangeTheEmbeddingButIsPartOfTheInput() {
        try (ClipTextEncoder zero = ClipTextEncoder.builder(hfDir).padTokenId(0).build()) {
            assertThat(zero.inputIds("a photo of a cat")).containsExactly(
                    expectedInput(new long[] {320, 1125, 539, 320, 2368}, 0));
            assertThat(hf.inputIds("a photo of a cat")).containsExactly(
                    expectedInput(new long[] {320, 1125, 539, 320, 2368}, EOT));
            assertClose(zero.embedAll(SdPrompts.EDGE_CASES), hf.embedAll(SdPrompts.EDGE_CASES), 1e-6);
        }
        ClipModelDirectories.manifest(hfDir, "{\"pad_token_id\": 0}");
        try (ClipTextEncoder fromManifest = ClipTextEncoder.open(hfDir)) {
            assertThat(fromManifest.padTokenId()).isZero();
        } finally {
            ClipModelDirectories.manifest(hfDir, null);
        }
    }

    @Test
    void inputIdsAreTheReferenceTokenizersIdsFramedCutAndPadded() throws IOException {
        for (GoldenTokens g : ClipTokenizerTest.golden) {
            assertThat(hf.inputIds(g.text())).as(g.text()).containsExactly(expectedInput(g.bpeIds(), EOT));
        }
    }

    @Test
    void theEmbeddingDependsOnEveryTokenUpToTheEndToken() {
        Embedding cat = hf.embed("a photo of a cat");
        assertThat(hf.embed("a photo of a dog").maxAbsDifference(cat)).isGreaterThan(1e-3);
        assertThat(hf.embed("a photo of a").maxAbsDifference(cat)).isGreaterThan(1e-3);
        assertThat(hf.embed("one photo of a cat").maxAbsDifference(cat)).isGreaterThan(1e-3);
    }

    @Test
    void batchesOfAnySizeGiveWhatSingleTextsGiveInInputOrder() {
        List<String> prompts = new ArrayList<>(SdPrompts.generated(30, 3));
        prompts.addAll(SdPrompts.EDGE_CASES);
        prompts.add(LONG_PROMPT);
        List<Embedding> batched = hf.embedAll(prompts);
        assertThat(batched).hasSize(prompts.size());
        for (int i = 0; i < prompts.size(); i += 5) {
            assertThat(hf.embed(prompts.get(i)).maxAbsDifference(batched.get(i))).as("prompt %d", i)
                    .isLessThanOrEqualTo(1e-4);
        }
        List<String> reversed = new ArrayList<>(prompts);
        Collections.reverse(reversed);
        List<Embedding> backwards = hf.embedAll(reversed);
        for (int i = 0; i < prompts.size(); i++) {
            assertThat(backwards.get(prompts.size() - 1 - i).maxAbsDifference(batched.get(i)))
                    .isLessThanOrEqualTo(1e-4);
        }
        assertThat(hf.embedAll(List.of())).isEmpty();
    }

    @Test
    void embeddingsHaveUnitLengthUnlessTheManifestSaysOtherwise() {
        List<Embedding> normalised = hf.embedAll(SdPrompts.EDGE_CASES);
        normalised.forEach(e -> assertThat(e.norm()).isCloseTo(1.0, within(1e-5)));
        Path raw = ClipModelDirectories.text("text-raw", ClipTokenizers.forPad(bpe, PAD_END_TOKEN),
                f -> ClipTestModels.hfTextWithProjection(f, TextSpec.tiny()), "{\"normalize\": false}");
        try (ClipTextEncoder encoder = ClipTextEncoder.open(raw)) {
            List<Embedding> unnormalised = encoder.embedAll(SdPrompts.EDGE_CASES);
            assertThat(unnormalised).anySatisfy(e -> assertThat(Math.abs(e.norm() - 1)).isGreaterThan(0.01));
            for (int i = 0; i < unnormalised.size(); i++) {
                assertThat(unnormalised.get(i).normalized().maxAbsDifference(normalised.get(i))).isLessThan(1e-5);
            }
        }
    }

    @Test
    void truncationIgnoresTheTailOfALongPromptAndChunkingKeepsIt() {
        String changedTail = LONG_PROMPT.replace("the end", "a red dragon");
        assertThat(hf.embed(changedTail).maxAbsDifference(hf.embed(LONG_PROMPT))).as("truncated").isZero();
        try (ClipTextEncoder chunked = ClipTextEncoder.builder(hfDir).longPrompts(LongPromptPolicy.CHUNKED).build()) {
            assertThat(chunked.longPromptPolicy()).isEqualTo(LongPromptPolicy.CHUNKED);
            assertThat(chunked.embed(changedTail).maxAbsDifference(chunked.embed(LONG_PROMPT))).as("chunked")
                    .isGreaterThan(1e-3);
            assertThat(chunked.embed(LONG_PROMPT).norm()).isCloseTo(1.0, within(1e-5));
            // Prompts within one window are embedded exactly as under truncation.
            assertClose(chunked.embedAll(SdPrompts.EDGE_CASES), hf.embedAll(SdPrompts.EDGE_CASES), 0);
        }
    }

    @Test
    void chunkedEmbeddingIsTheTokenWeightedMeanOfNormalisedWindowsRenormalised() throws OrtException {
        long[] textIds;
        List<ClipTokenizer.Window> windows;
        try (ClipTokenizer tokenizer = ClipTokenizer.open(hfDir)) {
            textIds = tokenizer.textIds(LONG_PROMPT);
            windows = tokenizer.windows(LONG_PROMPT, LongPromptPolicy.CHUNKED);
        }
        assertThat(textIds.length).isGreaterThan(150);
        assertThat(windows).hasSize((textIds.length + 74) / 75);
        // The oracle: the windows run through ONNX Runtime directly, averaged here by hand.
        double[] sum = new double[8];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(hfDir.resolve("model.onnx").toString())) {
            for (ClipTokenizer.Window window : windows) {
                long[] ids = window.ids();
                long[] mask = new long[77];
                Arrays.fill(mask, 0, window.tokens() + 2, 1L);
                try (OnnxTensor idTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, 77});
                     OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, 77});
                     OrtSession.Result r = session.run(java.util.Map.of("input_ids", idTensor,
                             "attention_mask", maskTensor), java.util.Set.of("text_embeds"))) {
                    float[] v = ((float[][]) r.get(0).getValue())[0];
                    double norm = Math.sqrt(dot(v, v));
                    for (int d = 0; d < 8; d++) {
                        sum[d] += window.tokens() * v[d] / norm;
                    }
                }
            }
        }
        double sumNorm = Math.sqrt(Arrays.stream(sum).map(x -> x * x).sum());
        float[] expected = new float[8];
        for (int d = 0; d < 8; d++) {
            expected[d] = (float) (sum[d] / sumNorm);
        }
        try (ClipTextEncoder chunked = ClipTextEncoder.builder(hfDir).longPrompts(LongPromptPolicy.CHUNKED).build()) {
            assertThat(chunked.embed(LONG_PROMPT).maxAbsDifference(Embedding.of(expected))).isLessThan(1e-5);
        }
        ClipModelDirectories.manifest(hfDir, "{\"long_prompts\": \"chunked\"}");
        try (ClipTextEncoder fromManifest = ClipTextEncoder.open(hfDir)) {
            assertThat(fromManifest.longPromptPolicy()).isEqualTo(LongPromptPolicy.CHUNKED);
        } finally {
            ClipModelDirectories.manifest(hfDir, null);
        }
    }

    @Test
    void bareClipTextModelIsRefusedWithTheReasonUnlessTheManifestAllowsIt() {
        Path bare = ClipModelDirectories.text("text-bare", ClipTokenizers.forPad(bpe, PAD_END_TOKEN),
                f -> ClipTestModels.hfTextWithoutProjection(f, TextSpec.tiny()), null);
        assertThat(ModelInspection.of(bare).kind()).isEqualTo(ModelKind.CLIP_TEXT_UNPROJECTED);
        assertThatThrownBy(() -> OnnxEncoders.text(bare, OnnxOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("Model " + bare.resolve("model.onnx") + " is a bare CLIPTextModel export")
                .hasMessageContaining("not projected into the joint text-image space")
                .hasMessageContaining("\"allow_unprojected\": true in sdembed.json");
        ClipModelDirectories.manifest(bare, "{\"allow_unprojected\": true}");
        try (TextEncoder encoder = OnnxEncoders.text(bare, OnnxOptions.defaults())) {
            assertThat(encoder.info().dimension()).as("the hidden width").isEqualTo(16);
            assertThat(encoder.embed("a cat").norm()).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void viTH14StyleTextTowerHas1024DimensionsAndNamesItsSpace() {
        Path dir = ClipModelDirectories.text("text-vit-h", ClipTokenizers.forPad(bpe, PAD_ZERO),
                f -> ClipTestModels.openClipText(f, TextSpec.tiny().withDim(1024), "text", "text_features"),
                "{\"kind\": \"clip-text\", \"dimension\": 1024, \"embedding_space\": \"openclip-vit-h-14\"}");
        try (TextEncoder encoder = OnnxEncoders.text(dir, OnnxOptions.defaults())) {
            assertThat(encoder).isInstanceOf(ClipTextEncoder.class);
            assertThat(encoder.info().dimension()).isEqualTo(1024);
            assertThat(encoder.info().embeddingSpace()).isEqualTo("openclip-vit-h-14");
            assertThat(((ClipTextEncoder) encoder).padTokenId()).isZero();
            assertThat(encoder.embed("a castle").dimension()).isEqualTo(1024);
        }
    }

    @Test
    void aManifestDimensionTheModelDoesNotHaveFailsLoading() {
        Path dir = ClipModelDirectories.text("text-wrong-dim", ClipTokenizers.forPad(bpe, PAD_END_TOKEN),
                f -> ClipTestModels.hfTextWithProjection(f, TextSpec.tiny()), "{\"dimension\": 768}");
        assertThatThrownBy(() -> ClipTextEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Manifest " + dir.resolve("sdembed.json") + " declares dimension 768 but output"
                        + " 'text_embeds' of " + dir.resolve("model.onnx") + " has 8 [batch,8]. Fix the manifest or"
                        + " use the model it describes.");
    }

    @Test
    void manifestNamesInputAndOutputOfAnUnusualExport() {
        // Two [batch, D] outputs: detection cannot choose, the manifest can.
        Path dir = ClipModelDirectories.text("text-two-outputs", ClipTokenizers.forPad(bpe, PAD_ZERO), f -> linearTextModel(f,
                OnnxModelBuilder.INT64, "tokens", true), null);
        assertThatThrownBy(() -> ClipTextEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("has 2 float [batch, dim] outputs (outputs: embedding float[batch,8],"
                        + " other float[batch,8]); expected text_embeds or a single [batch, dim] output. Name the"
                        + " embedding output in sdembed.json as \"output\".");
        ClipModelDirectories.manifest(dir, "{\"inputs\": {\"input_ids\": \"tokens\"}, \"output\": \"embedding\"}");
        try (ClipTextEncoder encoder = ClipTextEncoder.open(dir)) {
            assertThat(encoder.embed("a cat").dimension()).isEqualTo(8);
        }
        ClipModelDirectories.manifest(dir, "{\"output\": \"nope\"}");
        assertThatThrownBy(() -> ClipTextEncoder.open(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Model " + dir.resolve("model.onnx") + " has no output 'nope' named by sdembed.json"
                        + " (outputs: [embedding, other])");
    }

    @Test
    void graphsTheEncoderCannotFeedAreRefusedAtLoading() {
        Path floats = ClipModelDirectories.text("text-float-ids", ClipTokenizers.forPad(bpe, PAD_ZERO),
                f -> linearTextModel(f, OnnxModelBuilder.FLOAT, "input_ids", false), null);
        assertThatThrownBy(() -> ClipTextEncoder.open(floats))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Model " + floats.resolve("model.onnx") + " input 'input_ids' is FLOAT [batch,77]; a CLIP"
                        + " text tower takes int64 or int32 token ids [batch, 77]");

        Path extra = ClipModelDirectories.text("text-extra-input", ClipTokenizers.forPad(bpe, PAD_ZERO), f -> new OnnxModelBuilder("x")
                .input("input_ids", OnnxModelBuilder.INT64, "batch", 77)
                .input("position_ids", OnnxModelBuilder.INT64, "batch", 77)
                .node("Add", List.of("input_ids", "position_ids"), List.of("sum"))
                .node("Cast", List.of("sum"), List.of("text_embeds"),
                        OnnxModelBuilder.Attr.i("to", OnnxModelBuilder.FLOAT))
                .output("text_embeds", OnnxModelBuilder.FLOAT, "batch", 77).write(f), null);
        assertThatThrownBy(() -> ClipTextEncoder.open(extra))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("Model " + extra.resolve("model.onnx") + " has inputs [position_ids] that a"
                        + " CLIP text encoder does not feed");

        Path context = ClipModelDirectories.text("text-context", ClipTokenizers.forPad(bpe, PAD_ZERO),
                f -> ClipTestModels.openClipText(f, TextSpec.tiny(), "text", "output"), "{\"max_length\": 64}");
        assertThatThrownBy(() -> ClipTextEncoder.open(context))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Model " + context.resolve("model.onnx") + " input 'text' takes 77 tokens [batch,77] but"
                        + " the tokenizer frames 64. Set \"max_length\": 77 in sdembed.json if that is right.");
    }

    @Test
    void badInputsAndMissingFilesAreNamed() throws IOException {
        assertThatThrownBy(() -> hf.embedAll(Arrays.asList("a", null)))
                .isInstanceOf(InvalidInputException.class).hasMessage("Text at index 1 of 2 is null");
        assertThatThrownBy(() -> hf.embed(null))
                .isInstanceOf(InvalidInputException.class).hasMessage("Text at index 0 of 1 is null");

        Path noTokenizer = ClipModelDirectories.modelOnly("text-no-tokenizer",
                f -> ClipTestModels.hfTextWithProjection(f, TextSpec.tiny()));
        assertThatThrownBy(() -> ClipTextEncoder.open(noTokenizer))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith("Model directory " + noTokenizer
                        + " has no tokenizer.json (found: model.onnx)");

        Path bertTokenizer = ClipModelDirectories.modelOnly("text-bert-tokenizer",
                f -> ClipTestModels.hfTextWithProjection(f, TextSpec.tiny()));
        Files.copy(dev.sdembed.testing.TestModels.bgeSmall().resolve("tokenizer.json"),
                bertTokenizer.resolve("tokenizer.json"));
        assertThatThrownBy(() -> ClipTextEncoder.open(bertTokenizer))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("has no <|startoftext|> token, so it is not a CLIP tokenizer");

        Path badPolicy = ClipModelDirectories.text("text-bad-policy", ClipTokenizers.forPad(bpe, PAD_END_TOKEN),
                f -> ClipTestModels.hfTextWithProjection(f, TextSpec.tiny()), "{\"long_prompts\": \"split\"}");
        assertThatThrownBy(() -> ClipTextEncoder.open(badPolicy))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Manifest " + badPolicy.resolve("sdembed.json") + " has long_prompts 'split'; expected"
                        + " truncate or chunked");

        assertThatThrownBy(() -> ClipTextEncoder.builder(hfDir).padTokenId(-1))
                .isInstanceOf(InvalidInputException.class).hasMessage("padTokenId is -1; expected at least 0");
    }

    @Test
    void aClosedEncoderSaysSoAndClosingTwiceIsHarmless() {
        ClipTextEncoder encoder = ClipTextEncoder.open(hfDir);
        encoder.close();
        encoder.close();
        assertThatThrownBy(() -> encoder.embed("a cat"))
                .isInstanceOf(IllegalStateException.class).hasMessage("Encoder 'text-hf' is closed");
    }

    @Test
    void longPromptPolicyIsOnlyForClipTextModels() {
        try (TextEncoder clip = OnnxEncoders.text(hfDir, OnnxOptions.defaults(), LongPromptPolicy.CHUNKED)) {
            assertThat(((ClipTextEncoder) clip).longPromptPolicy()).isEqualTo(LongPromptPolicy.CHUNKED);
        }
        Path bge = dev.sdembed.testing.TestModels.bgeSmall();
        assertThatThrownBy(() -> OnnxEncoders.text(bge, OnnxOptions.defaults(), LongPromptPolicy.CHUNKED))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("Long prompt policy CHUNKED applies to CLIP text models; " + bge
                        + " holds a bert model");
    }

    /** ids → float → [batch, 8] through a random matrix, as {@code embedding} (and a second output when asked). */
    private static Path linearTextModel(Path file, int idType, String inputName, boolean twoOutputs) {
        OnnxModelBuilder b = new OnnxModelBuilder("linear").input(inputName, idType, "batch", 77)
                .node("Cast", List.of(inputName), List.of("as_float"),
                        OnnxModelBuilder.Attr.i("to", OnnxModelBuilder.FLOAT))
                .randomInitializer("w", new Random(5), 0.01f, 77, 8)
                .node("MatMul", List.of("as_float", "w"), List.of("embedding"))
                .output("embedding", OnnxModelBuilder.FLOAT, "batch", 8);
        if (twoOutputs) {
            b.node("Neg", List.of("embedding"), List.of("other")).output("other", OnnxModelBuilder.FLOAT, "batch", 8);
        }
        return b.write(file);
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static void assertClose(List<Embedding> actual, List<Embedding> expected, double tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            assertThat(actual.get(i).maxAbsDifference(expected.get(i))).as("text %d", i)
                    .isLessThanOrEqualTo(tolerance);
        }
    }

    @Test
    void batchBucketsPadEveryInferenceToABucketAndChangeNoEmbedding() {
        List<String> texts = new ArrayList<>(SdPrompts.generated(9, 3));
        texts.add(LONG_PROMPT);
        OnnxOptions bucketed = OnnxOptions.builder().intraOpThreads(2).maxBatchSize(7).batchBuckets(List.of(4, 8))
                .build();
        try (ClipTextEncoder withBuckets = ClipTextEncoder.builder(hfDir).options(bucketed).build()) {
            List<Embedding> expected = hf.embedAll(texts);
            List<Embedding> actual = withBuckets.embedAll(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(actual.get(i).maxAbsDifference(expected.get(i))).as("text %d", i)
                        .isLessThanOrEqualTo(1e-5f);
            }
            assertThat(withBuckets.inputShapes()).isNotEmpty().allSatisfy(shape ->
                    assertThat(shape).matches("\\w+\\[4, 77]"));
        }
    }
}
