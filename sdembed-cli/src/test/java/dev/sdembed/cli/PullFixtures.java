package dev.sdembed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sdembed.image.ClipPreprocessConfig;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.ImmichGeneration;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.ClipTestModels.VisionSpec;
import dev.sdembed.testing.HubEmulator;
import dev.sdembed.testing.OnnxModelBuilder;
import dev.sdembed.testing.TestModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Repositories in the layouts their publishers use, written from generated graphs (and bge-small's real files) for a
 * {@link HubEmulator} to serve, and a way to run {@code sdembed models pull} against it in-process.
 */
final class PullFixtures {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ClipPreprocessConfig CLIP = ClipPreprocessConfig.clipDefaults();
    static final String CLIP_PREPROCESS_CFG = """
            {"size": 224, "mode": "RGB", "mean": [0.48145466, 0.4578275, 0.40821073],
             "std": [0.26862954, 0.26130258, 0.27577711], "interpolation": "bicubic", "resize_mode": "shortest",
             "fill_color": 0}
            """;

    private PullFixtures() {
    }

    /**
     * BAAI's layout of bge-small-en-v1.5: {@code onnx/model.onnx} and {@code tokenizer.json} (links to the real
     * files), configs at the root, and files a pull must leave alone (PyTorch weights, a quantised graph).
     */
    static Path bgeRepo(Path dir) throws IOException {
        Path bge = TestModels.bgeSmall();
        Files.createDirectories(dir.resolve("onnx"));
        Files.createSymbolicLink(dir.resolve("onnx/model.onnx"), bge.resolve("model.onnx").toRealPath());
        Files.createSymbolicLink(dir.resolve("tokenizer.json"), bge.resolve("tokenizer.json").toRealPath());
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"bert\", \"hidden_size\": 384,"
                + " \"num_hidden_layers\": 12, \"max_position_embeddings\": 512}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 512, \"do_lower_case\": true}");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"cls_token\": \"[CLS]\", \"sep_token\": \"[SEP]\"}");
        Files.writeString(dir.resolve("README.md"), "---\nlicense: mit\n---\n# bge-small-en-v1.5\n");
        Files.write(dir.resolve("pytorch_model.bin"), new byte[4096]);
        Files.write(dir.resolve("onnx/model_quantized.onnx"), new byte[2048]);
        return dir;
    }

    /**
     * Immich's layout ({@code config.json}, {@code textual/}, {@code visual/}) of one export generation with weights as
     * {@code weights} says, and the files for other hardware a pull must skip ({@code *.armnn}, {@code fp16/},
     * {@code rknpu/}). The text tower only with a {@code tokenizerJson}, which goes in without its padding section,
     * the pad token named by {@code tokenizer_config.json} as in Immich's repositories.
     */
    static Path immichRepo(Path dir, ImmichGeneration generation, OnnxModelBuilder.ExternalData weights,
                           Path tokenizerJson) throws IOException {
        Files.createDirectories(dir.resolve("visual/fp16"));
        Files.createDirectories(dir.resolve("visual/rknpu"));
        Files.writeString(dir.resolve("config.json"), "{\"embed_dim\": 8, \"vision_cfg\": {\"image_size\": 224,"
                + " \"layers\": 1, \"width\": 16, \"patch_size\": 32}, \"text_cfg\": {\"context_length\": 77,"
                + " \"vocab_size\": 49408, \"width\": 16, \"heads\": 1, \"layers\": 1}}");
        Files.writeString(dir.resolve("README.md"), "---\ntags:\n - immich\n - clip\n---\n# Model Description\n");
        ClipTestModels.immichVision(dir.resolve("visual/model.onnx"), VisionSpec.tiny(), generation, CLIP.mean(),
                CLIP.std(), weights);
        Files.writeString(dir.resolve("visual/preprocess_cfg.json"), CLIP_PREPROCESS_CFG);
        Files.write(dir.resolve("visual/model.armnn"), new byte[1024]);
        Files.write(dir.resolve("visual/fp16/model.armnn"), new byte[1024]);
        Files.write(dir.resolve("visual/rknpu/model.rknn"), new byte[1024]);
        if (tokenizerJson != null) {
            Files.createDirectories(dir.resolve("textual/fp16"));
            ClipTestModels.immichText(dir.resolve("textual/model.onnx"), TextSpec.tiny(), generation, weights);
            ObjectNode tokenizer = (ObjectNode) JSON.readTree(tokenizerJson.toFile());
            tokenizer.putNull("padding");
            tokenizer.putNull("truncation");
            JSON.writeValue(dir.resolve("textual/tokenizer.json").toFile(), tokenizer);
            Files.writeString(dir.resolve("textual/tokenizer_config.json"), "{\"pad_token\": \"<|endoftext|>\","
                    + " \"model_max_length\": 77, \"tokenizer_class\": \"CLIPTokenizer\"}");
            Files.writeString(dir.resolve("textual/special_tokens_map.json"), "{\"pad_token\": \"<|endoftext|>\"}");
            Files.write(dir.resolve("textual/fp16/model.armnn"), new byte[1024]);
        }
        return dir;
    }

    /**
     * The layout of {@code stabilityai/stable-diffusion-xl-base-1.0} around its ONNX {@code text_encoder_2}: the
     * encoder with {@code model.onnx_data} and {@code config.json}, {@code tokenizer_2/} with only the slow
     * tokenizer's files (pad token "!"), and the rest of the pipeline a pull must leave alone.
     */
    static Path sdxlRepo(Path dir, Path tokenizer2Files, int idType) throws IOException {
        Files.createDirectories(dir.resolve("text_encoder_2"));
        Files.createDirectories(dir.resolve("tokenizer_2"));
        Files.createDirectories(dir.resolve("text_encoder"));
        Files.createDirectories(dir.resolve("unet"));
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionXLPipeline\"}");
        ClipTestModels.sdxlTextEncoder2(dir.resolve("text_encoder_2/model.onnx"), TextSpec.tiny(), idType);
        Files.writeString(dir.resolve("text_encoder_2/config.json"), "{\"model_type\": \"clip_text_model\","
                + " \"architectures\": [\"CLIPTextModelWithProjection\"], \"hidden_size\": 16, \"projection_dim\": 8,"
                + " \"max_position_embeddings\": 77}");
        Files.copy(tokenizer2Files.resolve("vocab.json"), dir.resolve("tokenizer_2/vocab.json"));
        Files.copy(tokenizer2Files.resolve("merges.txt"), dir.resolve("tokenizer_2/merges.txt"));
        Files.writeString(dir.resolve("tokenizer_2/tokenizer_config.json"), "{\"pad_token\": \"!\","
                + " \"bos_token\": {\"content\": \"<|startoftext|>\"}, \"model_max_length\": 77}");
        Files.writeString(dir.resolve("tokenizer_2/special_tokens_map.json"), "{\"pad_token\": \"!\"}");
        Files.write(dir.resolve("text_encoder/model.onnx"), new byte[2048]);
        Files.write(dir.resolve("unet/model.onnx"), new byte[4096]);
        Files.write(dir.resolve("unet/model.onnx_data"), new byte[8192]);
        return dir;
    }

    /** The environment a pull reads: the emulator as the endpoint, a cache and an HF_HOME of the test's own. */
    static Map<String, String> environment(HubEmulator hub, Path home) {
        return Map.of("HF_ENDPOINT", hub.endpoint().toString(), "HF_HOME", home.toString(),
                "HF_HUB_CACHE", home.resolve("hub").toString());
    }

    /** Runs {@code sdembed models pull ARGS} in-process with {@code environment} instead of the process's. */
    static CliRun pull(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = SdembedCommand.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        ModelsPullCommand pull = cli.getSubcommands().get("models").getSubcommands().get("pull").getCommand();
        pull.environment = environment::get;
        String[] all = new String[args.length + 2];
        all[0] = "models";
        all[1] = "pull";
        System.arraycopy(args, 0, all, 2, args.length);
        int code = cli.execute(all);
        return new CliRun(code, out.toString(), err.toString());
    }

    static void write(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
