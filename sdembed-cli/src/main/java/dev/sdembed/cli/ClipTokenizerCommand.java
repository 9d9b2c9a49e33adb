package dev.sdembed.cli;

import dev.sdembed.onnx.clip.ClipTokenizerJson;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "clip-tokenizer", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed models clip-tokenizer --bpe bpe_simple_vocab_16e6.txt.gz \\",
                "      --out models/clip-vit-h-14-text --pad-token '!'"},
        description = {"Writes DIR/tokenizer.json, equivalent to Hugging Face's fast CLIP tokenizer, from OpenAI's "
                + "bpe_simple_vocab_16e6.txt.gz: for CLIP text encoders that came without tokenizer files.",
                "Pad token: <|endoftext|> (default) for OpenAI CLIP and Stable Diffusion 1.x, ! (id 0) for OpenCLIP "
                        + "ViT-H/14 and ViT-bigG/14."})
public final class ClipTokenizerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bpe", required = true, paramLabel = "FILE",
            description = "OpenAI's bpe_simple_vocab_16e6.txt.gz.")
    Path bpe;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write tokenizer.json to.")
    Path out;

    @Option(names = "--pad-token", paramLabel = "TOKEN", defaultValue = ClipTokenizerJson.DEFAULT_PAD_TOKEN,
            description = "Token that pads inputs to 77 (default: ${DEFAULT-VALUE}).")
    String padToken;

    @Override
    public Integer call() {
        Path file = ClipTokenizerJson.write(bpe, out, padToken);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tokenizer", file.toString());
        json.put("vocab_size", ClipTokenizerJson.VOCAB_SIZE);
        json.put("context_length", ClipTokenizerJson.CONTEXT_LENGTH);
        json.put("pad_token", padToken);
        spec.commandLine().getOut().println(Json.line(json));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
