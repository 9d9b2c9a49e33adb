package dev.sdembed.onnx;

import static dev.sdembed.testing.OnnxModelBuilder.FLOAT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.onnx.ModelVerifier.Problem;
import dev.sdembed.onnx.ModelVerifier.Report;
import dev.sdembed.onnx.internal.OnnxModelHeader;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.OnnxModelBuilder;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelVerifierTest {

    private static final String PREPROCESSOR_224 = """
            {"do_resize": true, "size": {"shortest_edge": 224}, "do_center_crop": true,
             "crop_size": {"height": 224, "width": 224}, "do_normalize": true,
             "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711]}
            """;

    @Test
    void realBgeSmallPassesEveryCheck() {
        Report report = ModelVerifier.verify(TestModels.bgeSmall());

        assertThat(report.problems()).isEmpty();
        assertThat(report.kind()).isEqualTo(ModelKind.BERT);
        assertThat(report.dimension()).isEqualTo(384);
        assertThat(report.opset()).isGreaterThanOrEqualTo(ModelVerifier.MIN_OPSET);
    }

    @Test
    void bgeWithoutTokenizerIsReportedWithTheFix() throws IOException {
        Path dir = TestModels.bgeSmallCopy("verify-no-tokenizer");
        Files.delete(dir.resolve("tokenizer.json"));

        assertThat(checks(ModelVerifier.verify(dir))).containsExactly("files");
        Problem p = ModelVerifier.verify(dir).problems().get(0);
        assertThat(p.message()).contains("has no tokenizer.json").contains("model.onnx");
        assertThat(p.fix()).contains("save_pretrained");
    }

    @Test
    void manifestDimensionThatDisagreesWithTheGraphIsReported() throws IOException {
        Path dir = TestModels.bgeSmallCopy("verify-wrong-dimension");
        Files.writeString(dir.resolve("sdembed.json"), "{\"dimension\": 1024}");

        List<Problem> problems = ModelVerifier.verify(dir).problems();

        assertThat(problems).extracting(Problem::check).containsExactly("dimension");
        assertThat(problems.get(0).message()).contains("declares dimension 1024").contains("produces 384");
    }

    @Test
    void tokenizerWithoutSpecialTokensIsReported() throws IOException {
        Path dir = TestModels.bgeSmallCopy("verify-no-cls");
        Path tokenizer = dir.resolve("tokenizer.json");
        Files.writeString(tokenizer, Files.readString(tokenizer).replace("\"[CLS]\"", "\"[XLS]\""));

        List<Problem> problems = ModelVerifier.verify(dir).problems();

        assertThat(problems).extracting(Problem::check).contains("tokenizer");
        assertThat(problems).extracting(Problem::message).anyMatch(m -> m.contains("no special token [CLS]"));
    }

    @Test
    void truncatedModelFileIsReportedNotThrown() throws IOException {
        Path dir = TestModels.bgeSmallCopy("verify-truncated");
        Path model = dir.resolve("model.onnx");
        byte[] bytes = Files.readAllBytes(model);
        Files.delete(model); // a link to the shared copy: replace it, never write through it
        Files.write(model, java.util.Arrays.copyOf(bytes, bytes.length / 3));

        Report report = ModelVerifier.verify(dir);

        assertThat(report.ok()).isFalse();
        assertThat(report.problems()).extracting(Problem::check).contains("graph");
    }

    @Test
    void missingDirectoryIsOneProblem() {
        Report report = ModelVerifier.verify(TestPaths.targetDir("verify-empty"));

        assertThat(report.problems()).extracting(Problem::check).containsExactly("files");
        assertThat(report.problems().get(0).message()).contains("has no model.onnx");
    }

    @Test
    void clipTextWithProjectionAndItsTokenizerPasses() {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path dir = ClipModelDirectories.text("verify-text", ClipTokenizers.forPad(bpe, ClipModelDirectories.PAD_END_TOKEN),
                f -> ClipTestModels.hfTextWithProjection(f, TextSpec.tiny()), null);

        Report report = ModelVerifier.verify(dir);

        assertThat(report.problems()).isEmpty();
        assertThat(report.kind()).isEqualTo(ModelKind.CLIP_TEXT);
        assertThat(report.dimension()).isEqualTo(TextSpec.tiny().dim());
    }

    @Test
    void padIdThatDisagreesWithTheManifestAndUnprojectedTextAreReported() {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path dir = ClipModelDirectories.text("verify-text-bare", ClipTokenizers.forPad(bpe, ClipModelDirectories.PAD_END_TOKEN),
                f -> ClipTestModels.hfTextWithoutProjection(f, TextSpec.tiny()), "{\"pad_token_id\": 0}");

        List<Problem> problems = ModelVerifier.verify(dir).problems();

        assertThat(problems).extracting(Problem::check).containsExactlyInAnyOrder("graph", "tokenizer");
        assertThat(problems).extracting(Problem::message)
                .anyMatch(m -> m.contains("bare CLIPTextModel"))
                .anyMatch(m -> m.contains("pads with id 49407") && m.contains("pad_token_id 0"));
    }

    @Test
    void clipVisionWithPreprocessorConfigPasses() {
        Path dir = ClipModelDirectories.vision("verify-vision",
                f -> ClipTestModels.hfVisionWithProjection(f, VisionSpec.tiny().withSize(224)), PREPROCESSOR_224, null);

        Report report = ModelVerifier.verify(dir);

        assertThat(report.problems()).isEmpty();
        assertThat(report.kind()).isEqualTo(ModelKind.CLIP_VISION);
    }

    @Test
    void visionWithoutPreprocessorConfigOrWithTheWrongSizeIsReported() {
        Path missing = ClipModelDirectories.vision("verify-vision-no-config",
                f -> ClipTestModels.hfVisionWithProjection(f, VisionSpec.tiny().withSize(224)), null, null);
        Path wrongSize = ClipModelDirectories.vision("verify-vision-336",
                f -> ClipTestModels.hfVisionWithProjection(f, VisionSpec.tiny().withSize(224)),
                PREPROCESSOR_224.replace("224", "336"), null);

        assertThat(ModelVerifier.verify(missing).problems()).extracting(Problem::message)
                .singleElement().asString().contains("has no preprocessor_config.json");
        assertThat(ModelVerifier.verify(wrongSize).problems()).extracting(Problem::message)
                .anyMatch(m -> m.contains("produces 336 px images") && m.contains("takes 224 px"));
    }

    @Test
    void float16InputsAreReportedFloat16OutputsAreNot() {
        Path dir = ClipModelDirectories.modelOnly("verify-fp16", f -> new OnnxModelBuilder("fp16")
                .input("pixel_values", 10, "batch", 3, 8, 8)
                .output("image_embeds", 10, "batch", 3, 8, 8)
                .node("Identity", List.of("pixel_values"), List.of("image_embeds"))
                .write(f));

        List<Problem> problems = ModelVerifier.verify(dir).problems();

        assertThat(problems).extracting(Problem::check).contains("precision");
        assertThat(problems).extracting(Problem::message)
                .anyMatch(m -> m.contains("input 'pixel_values' is float16"))
                .noneMatch(m -> m.contains("output 'image_embeds' is float16"));
    }

    @Test
    void externalDataIsReadFromTheHeaderAndItsAbsenceReported() throws IOException {
        Path dir = ClipModelDirectories.modelOnly("verify-external", f -> new OnnxModelBuilder("external")
                .input("x", FLOAT, "batch", 4)
                .externalInitializer("w", FLOAT, "model.onnx_data", 4)
                .output("y", FLOAT, "batch", 4)
                .node("Add", List.of("x", "w"), List.of("y"))
                .write(f));

        OnnxModelHeader header = OnnxModelHeader.read(dir.resolve("model.onnx"));
        assertThat(header.externalFiles()).containsExactly("model.onnx_data");
        assertThat(header.defaultOpset()).isEqualTo(OnnxModelBuilder.OPSET);
        assertThat(header.irVersion()).isEqualTo(OnnxModelBuilder.IR_VERSION);
        assertThat(ModelVerifier.verify(dir).problems()).extracting(Problem::message)
                .anyMatch(m -> m.contains("external-data file 'model.onnx_data'"));

        ByteBuffer weights = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        weights.putFloat(1).putFloat(2).putFloat(3).putFloat(4);
        Files.write(dir.resolve("model.onnx_data"), weights.array());
        assertThat(ModelVerifier.verify(dir).problems()).extracting(Problem::message)
                .noneMatch(m -> m.contains("external-data"))
                .noneMatch(m -> m.contains("cannot open"));
    }

    private static List<String> checks(Report report) {
        return report.problems().stream().map(Problem::check).toList();
    }
}
