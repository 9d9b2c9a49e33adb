package dev.sdembed.cli;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.LongPromptPolicy;
import dev.sdembed.onnx.OnnxEncoders;
import dev.sdembed.runtime.DefaultPaths;
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
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed embed-text --query \"a castle at night\"",
                "  sdembed embed-text --model-dir models/clip-vit-l-14-text \\",
                "      --long-prompts chunked \"1girl, cherry blossoms, spring\""},
        description = "Embeds texts; prints one JSON object per text: {\"text\", \"dim\", \"embedding\"}.")
public final class EmbedTextCommand implements Callable<Integer>, LoadsEncoders {

    @Spec
    CommandSpec spec;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "Model directory (model.onnx + tokenizer.json): BGE or CLIP text. Default:"
                    + " models/bge-small-en-v1.5.")
    Path modelDir;

    @Option(names = "--query", description = "Embed the texts as search queries (adds the model's query instruction).")
    boolean query;

    @Option(names = "--long-prompts", paramLabel = "POLICY",
            description = "CLIP text models, prompts over 75 tokens: truncate (what CLIP does; the default unless"
                    + " sdembed.json says otherwise) or chunked (75-token windows embedded and averaged by token"
                    + " count, a retrieval heuristic that keeps the tail searchable).")
    LongPromptPolicy longPrompts;

    @Mixin
    OnnxCliOptions runtime;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to embed.")
    List<String> texts;

    @Override
    public Integer call() {
        Path dir = modelDir != null ? modelDir : DefaultPaths.bgeSmall();
        try (TextEncoder encoder = OnnxEncoders.text(dir, runtime.toOptions(), longPrompts)) {
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
