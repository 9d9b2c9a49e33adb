package dev.sdembed.metadata;

import static dev.sdembed.metadata.ComfyGraphs.graph;
import static dev.sdembed.metadata.ComfyGraphs.link;
import static dev.sdembed.metadata.TestImages.png;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ComfyUI prompt graphs: finding the sampler, following conditioning to its texts, and the other settings. */
class ComfyUiGraphTest {
    private final MetadataReader reader = MetadataReaders.standard();

    @TempDir
    Path dir;

    private GenerationMetadata read(ComfyGraphs graph) {
        return reader.read(png().text("prompt", graph.json()).text("workflow", "{\"nodes\": []}")
                .write(dir.resolve("graph.png")));
    }

    @Test
    void readsAPlainTextToImageGraph() {
        GenerationMetadata m = read(graph().basics("3")
                .encoder("6", "a cat, ").encoder("7", "blurry\n")
                .ksampler("3", 42L, 25, link("6"), link("7"), link("2")));
        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        // Outer whitespace is trimmed, as for every generator.
        assertThat(m.prompt()).isEqualTo("a cat,");
        assertThat(m.negativePrompt()).isEqualTo("blurry");
        assertThat(m.seed()).isEqualTo(42L);
        assertThat(m.steps()).isEqualTo(25);
        assertThat(m.cfg()).isEqualTo(7.0);
        assertThat(m.sampler()).isEqualTo("euler");
        assertThat(m.model()).isEqualTo("model.safetensors");
        assertThat(m.width()).isEqualTo(832);
        assertThat(m.height()).isEqualTo(1216);
        assertThat(m.parameters()).containsEntry("scheduler", "normal").containsEntry("sampler_node", "3");
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void followsConditioningThroughCombineConcatSetAreaAndControlNet() {
        GenerationMetadata m = read(graph().basics("3")
                .encoder("10", "a castle").encoder("11", "at night").encoder("12", "in fog")
                .node("20", "ConditioningCombine", "conditioning_1", link("10"), "conditioning_2", link("21"))
                .node("21", "ConditioningSetArea", "conditioning", link("11"), "width", 64, "height", 64)
                .node("22", "ConditioningConcat", "conditioning_to", link("20"), "conditioning_from", link("12"))
                .node("23", "ControlNetLoader", "control_net_name", "canny.safetensors")
                .node("24", "ControlNetApply", "conditioning", link("22"), "control_net", link("23"),
                        "image", link("99"), "strength", 1.0)
                .encoder("13", "lowres")
                .ksampler("3", 1L, 20, link("24"), link("13"), link("2")));
        assertThat(m.prompt()).isEqualTo("a castle\nat night\nin fog");
        assertThat(m.negativePrompt()).isEqualTo("lowres");
    }

    @Test
    void takesEachConditioningFromItsOutputOfAControlNetApplyAdvanced() {
        GenerationMetadata m = read(graph().basics("3")
                .encoder("10", "positive text").encoder("11", "negative text")
                .node("24", "ControlNetApplyAdvanced", "positive", link("10"), "negative", link("11"),
                        "control_net", link("23"), "image", link("30"), "strength", 0.8)
                .node("23", "ControlNetLoader", "control_net_name", "depth.safetensors")
                .node("30", "LoadImage", "image", "depth.png")
                .ksampler("3", 1L, 20, link("24", 0), link("24", 1), link("2")));
        assertThat(m.prompt()).isEqualTo("positive text");
        assertThat(m.negativePrompt()).isEqualTo("negative text");
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void resolvesTextFromPrimitiveSwitchAndConcatenationNodes() {
        GenerationMetadata m = read(graph().basics("3")
                .node("40", "PrimitiveStringMultiline", "value", "a red fox")
                .node("41", "PrimitiveString", "value", "snow")
                .node("42", "StringConcatenate", "string_a", link("40"), "string_b", link("41"), "delimiter", ", ")
                .node("43", "PrimitiveBoolean", "value", false)
                .node("44", "ComfySwitchNode", "switch", link("43"), "on_true", "unused", "on_false", link("42"))
                .node("10", "CLIPTextEncode", "text", link("44"), "clip", link("1", 1))
                .node("45", "Text Concatenate", "text_a", link("41"), "text_b", " cold ", "delimiter", "|",
                        "clean_whitespace", "true")
                .node("11", "CLIPTextEncode", "text", link("45"), "clip", link("1", 1))
                .ksampler("3", 1L, 20, link("10"), link("11"), link("2")));
        assertThat(m.prompt()).isEqualTo("a red fox, snow");
        assertThat(m.negativePrompt()).isEqualTo("snow|cold");
    }

    @Test
    void fallsBackToTheOtherSwitchBranchWhenTheChosenOneIsOnlyKnownAtRunTime() {
        GenerationMetadata m = read(graph().basics("3")
                .node("40", "PrimitiveStringMultiline", "value", "user prompt")
                .node("41", "TextGenerate", "prompt", link("40"), "max_length", 256)
                .node("42", "ComfySwitchNode", "switch", true, "on_true", link("41"), "on_false", link("40"))
                .node("10", "CLIPTextEncode", "text", link("42"), "clip", link("1", 1))
                .node("11", "ConditioningZeroOut", "conditioning", link("10"))
                .ksampler("3", 1L, 20, link("10"), link("11"), link("2")));
        assertThat(m.prompt()).isEqualTo("user prompt");
        assertThat(m.negativePrompt()).as("zeroed-out conditioning is an empty negative").isEmpty();
    }

    @Test
    void readsSdxlDualPromptEncodersKeepingADifferentSecondText() {
        GenerationMetadata m = read(graph().basics("3")
                .node("10", "CLIPTextEncodeSDXL", "text_g", "a lighthouse, dramatic", "text_l", "a lighthouse",
                        "width", 1024, "height", 1024, "clip", link("1", 1))
                .node("11", "CLIPTextEncodeSDXL", "text_g", "blurry", "text_l", "blurry", "clip", link("1", 1))
                .ksampler("3", 1L, 20, link("10"), link("11"), link("2")));
        assertThat(m.prompt()).isEqualTo("a lighthouse, dramatic");
        assertThat(m.parameters()).containsEntry("prompt_text_l", "a lighthouse")
                .doesNotContainKey("negative_prompt_text_l");
        assertThat(m.negativePrompt()).isEqualTo("blurry");
    }

    @Test
    void prefersTheSamplerChainFeedingTheSavedImageAndReportsItsFirstPass() {
        GenerationMetadata m = read(graph()
                // A sampler that only feeds a preview comes first in the file: it must not be chosen.
                .ksampler("50", 999L, 5, link("6"), link("7"), link("2"))
                .node("51", "VAEDecode", "samples", link("50"), "vae", link("1", 2))
                .node("52", "PreviewImage", "images", link("51"))
                .basics("4")
                .encoder("6", "base prompt").encoder("7", "base negative")
                .ksampler("3", 1L, 30, link("6"), link("7"), link("2"))
                .node("30", "LatentUpscaleBy", "samples", link("3"), "scale_by", 1.5, "upscale_method", "nearest")
                .node("4", "KSampler", "seed", 2L, "steps", 12, "cfg", 5.0, "sampler_name", "dpmpp_2m",
                        "scheduler", "karras", "denoise", 0.45, "model", link("1"), "positive", link("6"),
                        "negative", link("7"), "latent_image", link("30")));
        assertThat(m.seed()).isEqualTo(1L);
        assertThat(m.steps()).isEqualTo(30);
        assertThat(m.width()).isEqualTo(832);
        assertThat(m.prompt()).isEqualTo("base prompt");
        assertThat(m.parameters()).containsEntry("sampler_node", "3")
                .containsEntry("other_sampler_nodes", "50")
                .containsEntry("later_passes", "[{\"node\":\"4\",\"class_type\":\"KSampler\",\"seed\":2,"
                        + "\"steps\":12,\"cfg\":5.0,\"sampler\":\"dpmpp_2m\",\"scheduler\":\"karras\","
                        + "\"denoise\":0.45}]");
    }

    @Test
    void readsSamplerCustomAdvancedWithFluxEncoderAndDiffusionModel() {
        GenerationMetadata m = read(graph()
                .node("1", "UNETLoader", "unet_name", "flux1-dev.safetensors", "weight_dtype", "default")
                .node("5", "DualCLIPLoader", "clip_name1", "t5xxl.safetensors", "clip_name2", "clip_l.safetensors")
                .node("6", "CLIPTextEncodeFlux", "clip_l", "short", "t5xxl", "a long t5 prompt", "guidance", 3.5,
                        "clip", link("5"))
                .node("7", "FluxGuidance", "conditioning", link("6"), "guidance", 3.5)
                .node("10", "LoraLoaderModelOnly", "model", link("1"), "lora_name", "x.safetensors")
                .node("20", "BasicGuider", "model", link("10"), "conditioning", link("7"))
                .node("21", "RandomNoise", "noise_seed", 123456789012345L)
                .node("22", "KSamplerSelect", "sampler_name", "euler")
                .node("23", "BasicScheduler", "scheduler", "simple", "steps", 28, "denoise", 1.0, "model", link("10"))
                .node("24", "EmptySD3LatentImage", "width", 1024, "height", 768, "batch_size", 1)
                .node("25", "SamplerCustomAdvanced", "noise", link("21"), "guider", link("20"), "sampler",
                        link("22"), "sigmas", link("23"), "latent_image", link("24"))
                .node("26", "VAEDecode", "samples", link("25"), "vae", link("27"))
                .node("27", "VAELoader", "vae_name", "ae.safetensors")
                .node("28", "SaveImage", "images", link("26")));
        assertThat(m.prompt()).isEqualTo("a long t5 prompt");
        assertThat(m.parameters()).containsEntry("prompt_clip_l", "short");
        assertThat(m.negativePrompt()).isNull();
        assertThat(m.seed()).isEqualTo(123456789012345L);
        assertThat(m.steps()).isEqualTo(28);
        assertThat(m.sampler()).isEqualTo("euler");
        assertThat(m.model()).isEqualTo("flux1-dev.safetensors");
        assertThat(m.width()).isEqualTo(1024);
        assertThat(m.height()).isEqualTo(768);
    }

    @Test
    void followsSeedAndSizeThroughLinkedNodesAndImageToImage() {
        GenerationMetadata m = read(graph().basics("3")
                .node("60", "CR Seed", "seed", 7777777777777L)
                .node("61", "LoadImage", "image", "in.png")
                .node("62", "ImageScale", "image", link("61"), "width", 1536, "height", 1024,
                        "upscale_method", "lanczos", "crop", "disabled")
                .node("63", "VAEEncode", "pixels", link("62"), "vae", link("1", 2))
                .encoder("6", "p").encoder("7", "n")
                .node("3", "KSampler", "seed", link("60"), "steps", 20, "cfg", 4.5, "sampler_name", "euler",
                        "scheduler", "normal", "denoise", 0.5, "model", link("1"), "positive", link("6"),
                        "negative", link("7"), "latent_image", link("63")));
        assertThat(m.seed()).isEqualTo(7777777777777L);
        assertThat(m.width()).isEqualTo(1536);
        assertThat(m.height()).isEqualTo(1024);
        assertThat(m.parameters()).containsEntry("denoise", "0.5");
    }

    @Test
    void readsEfficientLoaderTextsHeldAsStrings() {
        GenerationMetadata m = read(graph()
                .node("1", "Efficient Loader", "ckpt_name", "eff.safetensors", "positive", "eff positive",
                        "negative", "eff negative", "empty_latent_width", 512, "empty_latent_height", 768)
                .node("3", "KSampler (Efficient)", "seed", 3L, "steps", 20, "cfg", 7.0, "sampler_name", "euler",
                        "scheduler", "normal", "denoise", 1.0, "model", link("1"), "positive", link("1", 1),
                        "negative", link("1", 2), "latent_image", link("1", 3))
                .node("9", "SaveImage", "images", link("3", 5)));
        assertThat(m.prompt()).isEqualTo("eff positive");
        assertThat(m.negativePrompt()).isEqualTo("eff negative");
        assertThat(m.model()).isEqualTo("eff.safetensors");
        assertThat(m.width()).isEqualTo(512);
        assertThat(m.height()).isEqualTo(768);
    }

    @Test
    void readsAGraphFromJpegExifMakeWithItsPromptPrefix() {
        String json = graph().basics("3").encoder("6", "jpeg prompt").encoder("7", "jpeg negative")
                .ksampler("3", 5L, 20, link("6"), link("7"), link("2")).json();
        byte[] exif = new TestImages.Exif(ByteOrder.BIG_ENDIAN)
                .ifd0String(0x010E, "Workflow: {\"nodes\": []}")
                .ifd0String(0x010F, "Prompt: " + json).bytes();
        GenerationMetadata m = reader.read(TestImages.write(dir.resolve("c.jpg"), TestImages.jpeg(exif)));
        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        assertThat(m.prompt()).isEqualTo("jpeg prompt");
        assertThat(m.negativePrompt()).isEqualTo("jpeg negative");
    }

    @Test
    void readsAGraphWrappedWithItsWorkflowInAWebpUserComment() {
        String json = graph().basics("3").encoder("6", "webp prompt").encoder("7", "webp negative")
                .ksampler("3", 5L, 20, link("6"), link("7"), link("2")).json();
        byte[] exif = new TestImages.Exif(ByteOrder.BIG_ENDIAN)
                .userComment(TestImages.utf8("{\"prompt\": " + json + ", \"workflow\": {\"nodes\": []}}")).bytes();
        GenerationMetadata m = reader.read(TestImages.write(dir.resolve("c.webp"), TestImages.webp(exif)));
        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        assertThat(m.prompt()).isEqualTo("webp prompt");
    }

    @Test
    void aComfyUiGraphWinsOverTheA1111TextASaveNodeWroteBesideIt() {
        String json = graph().basics("3").encoder("6", "graph prompt").encoder("7", "graph negative")
                .ksampler("3", 5L, 20, link("6"), link("7"), link("2")).json();
        GenerationMetadata m = reader.read(png()
                .text("parameters", "unknown\nNegative prompt: unknown\nSteps: 20, Sampler: euler, Version: ComfyUI")
                .text("prompt", json).write(dir.resolve("saver.png")));
        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        assertThat(m.prompt()).isEqualTo("graph prompt");
    }

    @Test
    void aWorkflowWithoutPromptGraphIsComfyUiWithAWarning() {
        GenerationMetadata m = reader.read(png().text("workflow", "{\"nodes\": [], \"links\": []}")
                .write(dir.resolve("w.png")));
        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        assertThat(m.prompt()).isNull();
        assertThat(m.warnings()).singleElement().asString().contains("without a readable prompt graph");
    }
}
