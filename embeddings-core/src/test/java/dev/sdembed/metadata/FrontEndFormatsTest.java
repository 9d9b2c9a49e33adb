package dev.sdembed.metadata;

import static dev.sdembed.metadata.ComfyGraphs.graph;
import static dev.sdembed.metadata.ComfyGraphs.link;
import static dev.sdembed.metadata.TestImages.png;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The front-ends beyond A1111 and ComfyUI, each from a file written the way that front-end writes it, including
 * the container variants the shared fixtures do not cover.
 */
class FrontEndFormatsTest {
    private static final String NOVELAI_COMMENT = "{\"prompt\": \"1girl, \\u30c6\\u30b9\\u30c8\", \"steps\": 28, "
            + "\"height\": 1216, \"width\": 832, \"scale\": 5.0, \"seed\": 2043807047, \"sampler\": "
            + "\"k_euler_ancestral\", \"uc\": \"lowres, bad anatomy\", \"v4_prompt\": {\"caption\": "
            + "{\"base_caption\": \"1girl\", \"char_captions\": [{\"char_caption\": \"girl, red hair\", "
            + "\"centers\": []}]}}}";

    private final MetadataReader reader = MetadataReaders.standard();

    @TempDir
    Path dir;

    @Test
    void novelAiFromTextChunks() {
        GenerationMetadata m = reader.read(png().text("Title", "NovelAI generated image")
                .itxt("Description", "1girl, テスト", false).text("Software", "NovelAI")
                .text("Source", "NovelAI Diffusion V4.5 4BDE2A90").text("Comment", NOVELAI_COMMENT)
                .write(dir.resolve("nai.png")));
        assertThat(m.generator()).isEqualTo(Generator.NOVELAI);
        assertThat(m.prompt()).isEqualTo("1girl, テスト");
        assertThat(m.negativePrompt()).isEqualTo("lowres, bad anatomy");
        assertThat(m.steps()).isEqualTo(28);
        assertThat(m.cfg()).isEqualTo(5.0);
        assertThat(m.seed()).isEqualTo(2043807047L);
        assertThat(m.sampler()).isEqualTo("k_euler_ancestral");
        assertThat(m.width()).isEqualTo(832);
        assertThat(m.height()).isEqualTo(1216);
        assertThat(m.model()).isEqualTo("NovelAI Diffusion V4.5");
        assertThat(m.modelHash()).isEqualTo("4BDE2A90");
        assertThat(m.parameters()).containsEntry("character_prompts", "girl, red hair");
        assertThat(m.rawText()).isEqualTo(NOVELAI_COMMENT);
    }

    @Test
    void novelAiStealthParametersInTheAlphaChannel() throws Exception {
        String chunks = "{\"Description\": \"a cat\", \"Software\": \"NovelAI\", \"Source\": "
                + "\"Stable Diffusion XL 7BCCAA2C\", \"Comment\": " + com.fasterxml.jackson.databind.node
                .TextNode.valueOf(NOVELAI_COMMENT.replace("1girl, \\u30c6\\u30b9\\u30c8", "a cat")) + "}";
        Path file = png().pixels(TestImages.stealthAlpha(64, 64, "stealth_pngcomp",
                TestImages.gzip(TestImages.utf8(chunks)))).write(dir.resolve("stealth.png"));
        GenerationMetadata m = reader.read(file);
        assertThat(m.generator()).isEqualTo(Generator.NOVELAI);
        assertThat(m.prompt()).isEqualTo("a cat");
        assertThat(m.negativePrompt()).isEqualTo("lowres, bad anatomy");
        assertThat(m.model()).isEqualTo("Stable Diffusion XL");
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void a1111StealthParametersUncompressedInRgb() {
        String parameters = "a dog\nNegative prompt: cat\nSteps: 12, Sampler: Euler, CFG scale: 3, Seed: 9";
        Path file = png().pixels(TestImages.stealthRgb(40, 40, "stealth_rgbinfo", TestImages.utf8(parameters)))
                .write(dir.resolve("rgb.png"));
        GenerationMetadata m = reader.read(file);
        assertThat(m.generator()).isEqualTo(Generator.A1111);
        assertThat(m.prompt()).isEqualTo("a dog");
        assertThat(m.negativePrompt()).isEqualTo("cat");
        assertThat(m.seed()).isEqualTo(9L);
    }

    @Test
    void stealthSearchCanBeSwitchedOff() {
        Path file = png().pixels(TestImages.stealthRgb(40, 40, "stealth_rgbinfo", TestImages.utf8("a dog")))
                .write(dir.resolve("rgb.png"));
        assertThat(MetadataReaders.builder().stealthPngInfo(false).build().read(file).generator())
                .isEqualTo(Generator.NONE);
    }

    @Test
    void invokeAiCurrentMetadataFromAnInternationalTextChunk() {
        String metadata = "{\"generation_mode\":\"sdxl_txt2img\",\"positive_prompt\":\"a house\\n\","
                + "\"negative_prompt\":\"ugly\",\"width\":1024,\"height\":768,\"seed\":3951921344,"
                + "\"cfg_scale\":6.0,\"steps\":24,\"scheduler\":\"euler_a\",\"model\":{\"name\":\"juggernaut\","
                + "\"hash\":\"blake3:abc\",\"base\":\"sdxl\"}}";
        GenerationMetadata m = reader.read(png().itxt("invokeai_metadata", metadata, true)
                .write(dir.resolve("invoke.png")));
        assertThat(m.generator()).isEqualTo(Generator.INVOKEAI);
        assertThat(m.prompt()).isEqualTo("a house");
        assertThat(m.negativePrompt()).isEqualTo("ugly");
        assertThat(m.sampler()).isEqualTo("euler_a");
        assertThat(m.model()).isEqualTo("juggernaut");
        assertThat(m.modelHash()).isEqualTo("blake3:abc");
        assertThat(m.seed()).isEqualTo(3951921344L);
        assertThat(m.parameters()).containsEntry("generation_mode", "sdxl_txt2img");
    }

    @Test
    void invokeAiLegacyDreamCommandLine() {
        GenerationMetadata m = reader.read(png().text("Dream",
                "\"a portrait [blurry, dark] of a knight\" -s 40 -S 12345 -W 512 -H 640 -C 7.5 -A k_euler -G 0.8")
                .write(dir.resolve("dream.png")));
        assertThat(m.generator()).isEqualTo(Generator.INVOKEAI);
        assertThat(m.prompt()).isEqualTo("a portrait  of a knight");
        assertThat(m.negativePrompt()).isEqualTo("blurry, dark");
        assertThat(m.steps()).isEqualTo(40);
        assertThat(m.seed()).isEqualTo(12345L);
        assertThat(m.width()).isEqualTo(512);
        assertThat(m.height()).isEqualTo(640);
        assertThat(m.cfg()).isEqualTo(7.5);
        assertThat(m.sampler()).isEqualTo("k_euler");
        assertThat(m.parameters()).containsEntry("-G", "0.8");
    }

    @Test
    void swarmUiParametersFromPngAndFromJpegUserComment() {
        String parameters = "{\"sui_image_params\": {\"prompt\": \"a boat\", \"negativeprompt\": \"fog, \", "
                + "\"model\": \"sdxl_base\", \"seed\": 733776228, \"steps\": 20, \"cfgscale\": 7.0, \"width\": 768, "
                + "\"height\": 512, \"sampler\": \"euler_ancestral\", \"scheduler\": \"karras\"}, \"sui_models\": "
                + "[{\"name\": \"sdxl_base.safetensors\", \"param\": \"model\", \"hash\": \"0x22d8\"}]}";
        byte[] exif = new TestImages.Exif(ByteOrder.LITTLE_ENDIAN)
                .userComment(TestImages.Exif.unicodeComment(parameters, ByteOrder.BIG_ENDIAN)).bytes();
        for (Path file : new Path[] {png().text("parameters", parameters).write(dir.resolve("swarm.png")),
            TestImages.write(dir.resolve("swarm.jpg"), TestImages.jpeg(exif))}) {
            GenerationMetadata m = reader.read(file);
            assertThat(m.generator()).isEqualTo(Generator.SWARMUI);
            assertThat(m.prompt()).isEqualTo("a boat");
            assertThat(m.negativePrompt()).isEqualTo("fog,");
            assertThat(m.model()).isEqualTo("sdxl_base");
            assertThat(m.modelHash()).isEqualTo("0x22d8");
            assertThat(m.width()).isEqualTo(768);
            assertThat(m.cfg()).isEqualTo(7.0);
            assertThat(m.parameters()).containsEntry("scheduler", "karras");
        }
    }

    @Test
    void fooocusSchemeWithSeedBeyondTwoToTheFiftyThree() {
        String parameters = "{\"base_model\": \"juggernautXL\", \"base_model_hash\": \"aeb7e9e689\", "
                + "\"guidance_scale\": 4, \"metadata_scheme\": \"fooocus\", \"negative_prompt\": \"\", "
                + "\"prompt\": \"a goldfish\", \"resolution\": \"(768, 1280)\", \"sampler\": \"dpmpp_2m_sde_gpu\", "
                + "\"seed\": \"6952411511246973023\", \"steps\": 30, \"version\": \"Fooocus v2.4.3\"}";
        GenerationMetadata m = reader.read(png().text("parameters", parameters).text("fooocus_scheme", "fooocus")
                .write(dir.resolve("fooocus.png")));
        assertThat(m.generator()).isEqualTo(Generator.FOOOCUS);
        assertThat(m.prompt()).isEqualTo("a goldfish");
        assertThat(m.negativePrompt()).as("an empty Fooocus negative means none").isNull();
        assertThat(m.seed()).isEqualTo(6952411511246973023L);
        assertThat(m.width()).isEqualTo(768);
        assertThat(m.height()).isEqualTo(1280);
        assertThat(m.cfg()).isEqualTo(4.0);
        assertThat(m.model()).isEqualTo("juggernautXL");
    }

    @Test
    void ruinedFooocusStripsItsPrompts() {
        String parameters = "{\"Prompt\": \"a tree \", \"Negative\": \"bad, \", \"steps\": 30, \"cfg\": 8, "
                + "\"width\": 1024, \"height\": 1024, \"seed\": 2020047614, \"sampler_name\": \"dpmpp_2m\", "
                + "\"base_model_name\": \"model.safetensors\", \"software\": \"RuinedFooocus\"}";
        GenerationMetadata m = reader.read(png().text("parameters", parameters).write(dir.resolve("rf.png")));
        assertThat(m.generator()).isEqualTo(Generator.RUINED_FOOOCUS);
        assertThat(m.prompt()).isEqualTo("a tree");
        assertThat(m.negativePrompt()).isEqualTo("bad,");
        assertThat(m.sampler()).isEqualTo("dpmpp_2m");
    }

    @Test
    void easyDiffusionFromOneChunkPerSettingAndFromJpegJson() {
        Path pngFile = png().text("prompt", "a mountain").text("negative_prompt", "people")
                .text("seed", "1234").text("use_stable_diffusion_model", "sd-v1-5").text("sampler_name", "euler_a")
                .text("num_inference_steps", "25").text("guidance_scale", "7.5").text("width", "512")
                .text("height", "768").text("use_vae_model", "vae-ft-mse").write(dir.resolve("ed.png"));
        String json = "{\"Prompt\": \"a mountain\", \"Negative Prompt\": \"people\", \"Seed\": 1234, "
                + "\"Stable Diffusion model\": \"sd-v1-5\", \"Sampler\": \"euler_a\", \"Steps\": 25, "
                + "\"Guidance Scale\": 7.5, \"Width\": 512, \"Height\": 768}";
        byte[] exif = new TestImages.Exif(ByteOrder.BIG_ENDIAN).userComment(TestImages.utf8(json)).bytes();
        Path jpegFile = TestImages.write(dir.resolve("ed.jpg"), TestImages.jpeg(exif));
        for (Path file : new Path[] {pngFile, jpegFile}) {
            GenerationMetadata m = reader.read(file);
            assertThat(m.generator()).as(file.toString()).isEqualTo(Generator.EASY_DIFFUSION);
            assertThat(m.prompt()).isEqualTo("a mountain");
            assertThat(m.negativePrompt()).isEqualTo("people");
            assertThat(m.seed()).isEqualTo(1234L);
            assertThat(m.model()).isEqualTo("sd-v1-5");
            assertThat(m.sampler()).isEqualTo("euler_a");
            assertThat(m.steps()).isEqualTo(25);
            assertThat(m.cfg()).isEqualTo(7.5);
            assertThat(m.width()).isEqualTo(512);
            assertThat(m.height()).isEqualTo(768);
        }
        assertThat(reader.read(pngFile).parameters()).containsEntry("use_vae_model", "vae-ft-mse");
    }

    @Test
    void stabilityMatrixTakesTypedPromptsAndTheGraphSampler() {
        String graph = graph().basics("3").encoder("6", "processed prompt").encoder("7", "processed negative")
                .ksampler("3", 395309383L, 20, link("6"), link("7"), link("2")).json();
        String json = "{\"PositivePrompt\":\"typed prompt #comment\\r\\n\",\"NegativePrompt\":\"typed negative\","
                + "\"Steps\":20,\"Sampler\":\"Euler\",\"CfgScale\":5,\"Seed\":395309383,\"Height\":1216,"
                + "\"Width\":832,\"ModelHash\":\"A5F5\",\"ModelName\":\"model.safetensors\"}";
        GenerationMetadata m = reader.read(png().text("prompt", graph).text("parameters-json", json)
                .text("smproj", "{\"Version\":2}").write(dir.resolve("sm.png")));
        assertThat(m.generator()).isEqualTo(Generator.STABILITY_MATRIX);
        assertThat(m.prompt()).isEqualTo("typed prompt #comment");
        assertThat(m.negativePrompt()).isEqualTo("typed negative");
        assertThat(m.sampler()).isEqualTo("euler");
        assertThat(m.parameters()).containsEntry("Sampler", "Euler");
        assertThat(m.modelHash()).isEqualTo("A5F5");
    }

    @Test
    void tensorArtTakesTheGraphSeedWhenItsOwnIsMinusOne() {
        String graph = graph().basics("3").encoder("6", "p").encoder("7", "n")
                .ksampler("3", 3036459311L, 25, link("6"), link("7"), link("2")).json();
        String data = "{\"prompt\":\"tensor prompt\",\"negativePrompt\":\"tensor negative\",\"width\":1024,"
                + "\"height\":1024,\"steps\":25,\"cfgScale\":7,\"seed\":\"-1\",\"baseModel\":{\"modelFileName\":"
                + "\"WAI-16\",\"hash\":\"A5F5\"},\"ksamplerName\":\"euler_ancestral\"}\u0000";
        GenerationMetadata m = reader.read(png().text("generation_data", data).text("prompt", graph)
                .write(dir.resolve("ta.png")));
        assertThat(m.generator()).isEqualTo(Generator.TENSORART);
        assertThat(m.prompt()).isEqualTo("tensor prompt");
        assertThat(m.seed()).isEqualTo(3036459311L);
        assertThat(m.model()).isEqualTo("WAI-16");
        assertThat(m.sampler()).isEqualTo("euler_ancestral");
    }

    @Test
    void civitaiGraphFillsGapsFromItsRequest() {
        String graph = graph()
                .node("resource-stack", "CheckpointLoaderSimple", "ckpt_name", "urn:air:sdxl:checkpoint:civitai:1@2")
                .node("2", "EmptyLatentImage", "width", 1024, "height", 1024, "batch_size", 1)
                .node("6", "CLIPTextEncode", "text", "civitai prompt", "clip", link("resource-stack", 1))
                .node("7", "CLIPTextEncode", "text", "civitai negative", "clip", link("resource-stack", 1))
                .node("3", "KSampler", "steps", 25, "cfg", 5, "sampler_name", "euler_ancestral",
                        "model", link("resource-stack"), "positive", link("6"), "negative", link("7"),
                        "latent_image", link("2"))
                .node("8", "VAEDecode", "samples", link("3"), "vae", link("resource-stack", 2))
                .node("9", "SaveImage", "images", link("8"))
                .json();
        String withExtra = graph.substring(0, graph.length() - 1)
                + ",\"extraMetadata\":\"{\\\"prompt\\\":\\\"civitai prompt\\\",\\\"seed\\\":1311178179}\"}";
        byte[] exif = new TestImages.Exif(ByteOrder.LITTLE_ENDIAN)
                .userComment(TestImages.Exif.unicodeComment(withExtra, ByteOrder.BIG_ENDIAN)).bytes();
        GenerationMetadata m = reader.read(TestImages.write(dir.resolve("civitai.jpg"), TestImages.jpeg(exif)));
        assertThat(m.generator()).isEqualTo(Generator.CIVITAI);
        assertThat(m.prompt()).isEqualTo("civitai prompt");
        assertThat(m.seed()).as("from extraMetadata; the graph has none").isEqualTo(1311178179L);
        assertThat(m.model()).isEqualTo("urn:air:sdxl:checkpoint:civitai:1@2");
    }

    @Test
    void genericDiffusersJsonIsOther() {
        String json = "{\"prompt\": \"a lake\", \"negative_prompt\": \"people\", \"resolution\": \"1024 x 768\", "
                + "\"guidance_scale\": 5.5, \"num_inference_steps\": 24, \"seed\": 443800072, "
                + "\"sampler\": \"DPM++ 2M Karras\", \"Model\": \"some model\", \"use_upscaler\": null}";
        GenerationMetadata m = reader.read(png().text("parameters", json).write(dir.resolve("hf.png")));
        assertThat(m.generator()).isEqualTo(Generator.OTHER);
        assertThat(m.prompt()).isEqualTo("a lake");
        assertThat(m.width()).isEqualTo(1024);
        assertThat(m.height()).isEqualTo(768);
        assertThat(m.steps()).isEqualTo(24);
        assertThat(m.cfg()).isEqualTo(5.5);
        assertThat(m.model()).isEqualTo("some model");
    }

    @Test
    void filesWithoutGenerationMetadataAreNoneNotErrors() {
        Path plainPng = png().text("Software", "GIMP 2.10").itxt("Comment", "re-saved", false)
                .write(dir.resolve("gimp.png"));
        Path plainJpeg = TestImages.write(dir.resolve("plain.jpg"), TestImages.jpeg(null, "GIMP comment"));
        Path plainWebp = TestImages.write(dir.resolve("plain.webp"), TestImages.webp(null));
        for (Path file : new Path[] {plainPng, plainJpeg, plainWebp}) {
            GenerationMetadata m = reader.read(file);
            assertThat(m.generator()).as(file.toString()).isEqualTo(Generator.NONE);
            assertThat(m.prompt()).isNull();
            assertThat(m.negativePrompt()).isNull();
            assertThat(m.warnings()).isEmpty();
        }
    }
}
