package dev.sdembed.cli;

import dev.sdembed.onnx.ClipTokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed tokenize --model-dir models/clip-vit-l-14-text \"a castle at night\""},
        description = {"Prints the CLIP text model input of each text: {\"text\", \"ids\"}, the ids being"
                + " <|startoftext|>, the text's tokens, <|endoftext|> (kept last when the text is cut), then padding"
                + " to 77.",
                "The pad id comes from sdembed.json (pad_token_id), else the tokenizer's padding, else"
                        + " <|endoftext|>. The directory needs tokenizer.json, not model.onnx."})
public final class TokenizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model-dir", required = true, paramLabel = "DIR",
            description = "CLIP text model directory (or a folder written by: sdembed models clip-tokenizer).")
    Path modelDir;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to tokenize.")
    List<String> texts;

    @Override
    public Integer call() {
        try (ClipTokenizer tokenizer = ClipTokenizer.open(modelDir)) {
            PrintWriter out = spec.commandLine().getOut();
            for (String text : texts) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("text", text);
                line.put("ids", tokenizer.inputIds(text));
                out.println(Json.line(line));
            }
            out.flush();
        }
        return ExitCodes.OK;
    }
}
