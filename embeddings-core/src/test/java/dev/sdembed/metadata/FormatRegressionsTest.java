package dev.sdembed.metadata;

import static dev.sdembed.metadata.ComfyGraphs.graph;
import static dev.sdembed.metadata.ComfyGraphs.link;
import static dev.sdembed.metadata.TestImages.png;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Formats that public parser test suites showed were read wrong (issue 17), each with a file built as its writer
 * builds it: the fields their own tools report, not what an A1111 reading would give.
 */
class FormatRegressionsTest {
    private final MetadataReader reader = MetadataReaders.standard();

    @TempDir
    Path dir;

    private static String hiresGraph() {
        return graph().basics("10").encoder("6", "a lighthouse at dusk").encoder("7", "blurry")
                .ksampler("3", 42, 20, link("6"), link("7"), link("2"))
                .node("4", "LatentUpscaleBy", "samples", link("3"), "upscale_method", "nearest-exact", "scale_by", 1.5)
                .ksampler("10", 42, 12, link("6"), link("7"), link("4"))
                .json();
    }

    @Test
    void comfyUisAnimatedWebpWithLowerCasePromptAndWorkflowInExifIsRead() {
        byte[] exif = new TestImages.Exif(ByteOrder.LITTLE_ENDIAN)
                .ifd0String(0x010f, "workflow:{\"nodes\": [], \"links\": []}")
                .ifd0String(0x0110, "prompt:" + hiresGraph())
                .bytes();
        Path file = TestImages.write(dir.resolve("ComfyUI_00001_.webp"), TestImages.animatedWebp(832, 1216, 3, exif));

        GenerationMetadata m = reader.read(file);

        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        assertThat(m.prompt()).isEqualTo("a lighthouse at dusk");
        assertThat(m.negativePrompt()).isEqualTo("blurry");
        assertThat(m.seed()).isEqualTo(42L);
        assertThat(m.steps()).isEqualTo(20);
        assertThat(m.width()).isEqualTo(832);
        assertThat(m.height()).isEqualTo(1216);
        assertThat(m.model()).isEqualTo("model.safetensors");
    }

    @Test
    void stabilityMatrixHiresImagesReportTheGenerationSizeNotTheUpscaledOne() {
        String parametersJson = "{\"PositivePrompt\": \"a lighthouse at dusk\", \"NegativePrompt\": \"blurry\","
                + " \"Width\": 1248, \"Height\": 1824, \"Steps\": 20, \"CfgScale\": 7.0, \"Seed\": 42,"
                + " \"Sampler\": \"Euler\", \"ModelName\": \"sdxl\"}";
        Path file = png().text("parameters-json", parametersJson).text("prompt", hiresGraph())
                .text("smproj", "{}").write(dir.resolve("sm-hires.png"));

        GenerationMetadata m = reader.read(file);

        assertThat(m.generator()).isEqualTo(Generator.STABILITY_MATRIX);
        assertThat(m.width()).isEqualTo(832);
        assertThat(m.height()).isEqualTo(1216);
        assertThat(m.prompt()).isEqualTo("a lighthouse at dusk");
        assertThat(m.model()).isEqualTo("sdxl");
    }

    @Test
    void stabilityMatrixWithoutAGraphSizeTakesParametersJson() {
        Path file = png().text("parameters-json", "{\"PositivePrompt\": \"p\", \"Width\": 640, \"Height\": 960}")
                .write(dir.resolve("sm.png"));
        GenerationMetadata m = reader.read(file);
        assertThat(m.width()).isEqualTo(640);
        assertThat(m.height()).isEqualTo(960);
    }

    @Test
    void paddleNlpKeyValueLinesAreReadAsTheirOwnFormat() {
        String parameters = "prompt: a castle on a hill, sunrise\nwith mist\n"
                + "negative_prompt: lowres, bad anatomy\n"
                + "height: 768\nwidth: 512\nnum_inference_steps: 50\nguidance_scale: 7.5\nsampler: DDIM\n"
                + "seed: 1234567\nepoch_time: 1700000000\nmodel_name: runwayml/stable-diffusion-v1-5\n";
        Path file = png().text("Software", "PaddleNLP").text("parameters", parameters)
                .write(dir.resolve("ppdiffusers.png"));

        GenerationMetadata m = reader.read(file);

        assertThat(m.generator()).isEqualTo(Generator.PADDLENLP);
        assertThat(m.prompt()).isEqualTo("a castle on a hill, sunrise\nwith mist");
        assertThat(m.negativePrompt()).isEqualTo("lowres, bad anatomy");
        assertThat(m.width()).isEqualTo(512);
        assertThat(m.height()).isEqualTo(768);
        assertThat(m.steps()).isEqualTo(50);
        assertThat(m.cfg()).isEqualTo(7.5);
        assertThat(m.sampler()).isEqualTo("DDIM");
        assertThat(m.seed()).isEqualTo(1234567L);
        assertThat(m.model()).isEqualTo("runwayml/stable-diffusion-v1-5");
        assertThat(m.parameters()).containsEntry("epoch_time", "1700000000");
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void oldNovelAiImagesWithoutASizeInTheirCommentGetThePixelSize() {
        Path file = png().pixels(new BufferedImage(512, 768, BufferedImage.TYPE_INT_RGB))
                .text("Software", "NovelAI").text("Description", "1girl, cherry blossoms")
                .text("Source", "Stable Diffusion 1D44365E")
                .text("Comment", "{\"steps\": 28, \"sampler\": \"k_euler_ancestral\", \"seed\": 7, \"scale\": 11,"
                        + " \"uc\": \"lowres\"}")
                .write(dir.resolve("nai-2022.png"));

        GenerationMetadata m = reader.read(file);

        assertThat(m.generator()).isEqualTo(Generator.NOVELAI);
        assertThat(m.width()).isEqualTo(512);
        assertThat(m.height()).isEqualTo(768);
        assertThat(m.steps()).isEqualTo(28);
    }

    @Test
    void novelAiSizeFromTheCommentWinsOverThePixels() {
        Path file = png().pixels(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB))
                .text("Software", "NovelAI").text("Description", "p")
                .text("Comment", "{\"width\": 832, \"height\": 1216, \"uc\": \"x\", \"sampler\": \"k_euler\"}")
                .write(dir.resolve("nai.png"));
        GenerationMetadata m = reader.read(file);
        assertThat(m.width()).isEqualTo(832);
        assertThat(m.height()).isEqualTo(1216);
    }

    @Test
    void civitaiGraphsWithoutASamplerTakeTheModelFromTheResourceList() {
        String extra = "{\"prompt\": \"a red fox\", \"negativePrompt\": \"blurry\", \"steps\": 25, \"cfgScale\": 5,"
                + " \"seed\": 99, \"workflowId\": \"img2img-upscale\", \"resources\": [{\"modelVersionId\": 2514310,"
                + " \"strength\": 1}]}";
        String upscaleOnly = "{\"1\": {\"class_type\": \"LoadImage\", \"inputs\": {\"image\": \"in.png\"}},"
                + " \"2\": {\"class_type\": \"ImageScaleBy\", \"inputs\": {\"image\": [\"1\", 0], \"scale_by\": 2}},"
                + " \"3\": {\"class_type\": \"SaveImage\", \"inputs\": {\"images\": [\"2\", 0]}},"
                + " \"extraMetadata\": " + quote(extra) + "}";
        GenerationMetadata m = reader.read(png().text("prompt", upscaleOnly).write(dir.resolve("civitai.png")));

        assertThat(m.generator()).isEqualTo(Generator.CIVITAI);
        assertThat(m.prompt()).isEqualTo("a red fox");
        assertThat(m.model()).isEqualTo("civitai:2514310");
        assertThat(m.seed()).isEqualTo(99L);

        String named = extra.replace("\"resources\": [", "\"resources\": [{\"type\": \"lora\", \"modelName\": \"detail\"},"
                + " {\"type\": \"checkpoint\", \"modelName\": \"Illustrious XL\", \"modelVersionName\": \"v1.0\"},");
        GenerationMetadata withNames = reader.read(png().text("prompt", upscaleOnly.replace(quote(extra), quote(named)))
                .write(dir.resolve("civitai-named.png")));
        assertThat(withNames.model()).isEqualTo("Illustrious XL v1.0");
    }

    @Test
    void outerWhitespaceOfPromptsIsTrimmedTheSameWayForEveryGenerator() {
        String graph = graph().basics("3").encoder("6", "  a castle at night, \n").encoder("7", "blurry, \r\n")
                .ksampler("3", 1, 20, link("6"), link("7"), link("2")).json();
        GenerationMetadata comfy = reader.read(png().text("prompt", graph).write(dir.resolve("comfy.png")));
        GenerationMetadata a1111 = reader.read(png().text("parameters", "  a castle at night, \n"
                + "Negative prompt: blurry, \nSteps: 20, Sampler: Euler, Seed: 1").write(dir.resolve("a1111.png")));
        GenerationMetadata nai = reader.read(png().text("Software", "NovelAI").text("Description", "a castle at night, \n")
                .text("Comment", "{\"uc\": \"blurry, \\n\", \"sampler\": \"k_euler\"}").write(dir.resolve("nai.png")));

        for (GenerationMetadata m : new GenerationMetadata[] {comfy, a1111, nai}) {
            assertThat(m.prompt()).as(m.generator().id()).isEqualTo("a castle at night,");
            assertThat(m.negativePrompt()).as(m.generator().id()).isEqualTo("blurry,");
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
