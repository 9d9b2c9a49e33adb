package dev.sdembed.cli;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.OnnxEncoders;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "embed-text", mixinStandardHelpOptions = true,
        description = "Embeds texts; prints one JSON object per text: {\"text\", \"dim\", \"embedding\"}.")
public final class EmbedTextCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "Model directory (model.onnx + tokenizer.json). Default: models/bge-small-en-v1.5.")
    Path modelDir;

    @Option(names = "--query", description = "Embed the texts as search queries (adds the model's query instruction).")
    boolean query;

    @Mixin
    OnnxCliOptions runtime;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to embed.")
    List<String> texts;

    @Override
    public Integer call() {
        Path dir = modelDir != null ? modelDir : DefaultPaths.bgeSmall();
        try (TextEncoder encoder = OnnxEncoders.text(dir, runtime.toOptions())) {
            List<Embedding> embeddings = query ? encoder.embedQueries(texts) : encoder.embedAll(texts);
            PrintWriter out = spec.commandLine().getOut();
            for (int i = 0; i < texts.size(); i++) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("text", texts.get(i));
                line.put("dim", embeddings.get(i).dimension());
                line.put("embedding", embeddings.get(i).vector());
                out.println(Json.line(line));
            }
            out.flush();
        }
        return ExitCodes.OK;
    }
}
