package dev.sdembed.cli;

import dev.sdembed.MetadataReadException;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.MetadataReader;
import dev.sdembed.metadata.MetadataReaders;
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

/**
 * {@code sdembed metadata FILE...}: the generation metadata of each file as one JSON line, in input order. A file
 * that cannot be read gets a line with an {@code error} field, and the exit code is then
 * {@link ExitCodes#COMPLETED_WITH_FAILURES}.
 */
@Command(name = "metadata",
        footerHeading = "%nExample:%n",
        footer = {"  sdembed metadata 00042-1234567890.png ComfyUI_00001_.png"},
        mixinStandardHelpOptions = true,
        description = {
            "Print the generation metadata (prompt, negative prompt, seed, steps, ...) of PNG, JPEG and WebP files "
                + "as one JSON line per file, in input order.",
            "Unreadable files get a line with an \"error\" field; the exit code is then 1."})
public final class MetadataCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Image files to read.")
    List<Path> files;

    @Option(names = "--raw", description = "Also print the raw metadata text (ComfyUI graphs can be large).")
    boolean raw;

    @Override
    public Integer call() {
        MetadataReader reader = MetadataReaders.standard();
        PrintWriter out = spec.commandLine().getOut();
        int failures = 0;
        for (Path file : files) {
            Map<String, Object> line;
            try {
                line = toJson(file, reader.read(file));
            } catch (MetadataReadException e) {
                line = new LinkedHashMap<>();
                line.put("file", file.toString());
                line.put("error", e.getMessage());
                failures++;
            }
            out.println(Json.line(line));
            out.flush();
        }
        return failures == 0 ? ExitCodes.OK : ExitCodes.COMPLETED_WITH_FAILURES;
    }

    private Map<String, Object> toJson(Path file, GenerationMetadata m) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("file", file.toString());
        line.put("generator", m.generator().id());
        line.put("prompt", m.prompt());
        line.put("negative_prompt", m.negativePrompt());
        line.put("width", m.width());
        line.put("height", m.height());
        line.put("seed", m.seed());
        line.put("steps", m.steps());
        line.put("cfg", m.cfg());
        line.put("sampler", m.sampler());
        line.put("model", m.model());
        line.put("model_hash", m.modelHash());
        line.put("parameters", m.parameters());
        line.put("warnings", m.warnings());
        if (raw) {
            line.put("raw_text", m.rawText());
        }
        return line;
    }
}
