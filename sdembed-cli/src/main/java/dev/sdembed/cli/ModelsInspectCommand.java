package dev.sdembed.cli;

import dev.sdembed.onnx.ModelInspection;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed models inspect models/bge-small-en-v1.5"},
        description = "Prints a model directory's inputs, outputs, detected kind, dimension and fingerprint as JSON.")
public final class ModelsInspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "The model directory.")
    Path dir;

    @Override
    public Integer call() {
        ModelInspection inspection = ModelInspection.of(dir);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("directory", inspection.directory().toString());
        json.put("name", inspection.name());
        json.put("kind", inspection.kind().id());
        json.put("modality", inspection.kind().modality() == null ? null
                : inspection.kind().modality().name().toLowerCase(java.util.Locale.ROOT));
        json.put("dimension", inspection.dimension() < 0 ? null : inspection.dimension());
        json.put("fingerprint", inspection.fingerprint());
        json.put("inputs", inspection.inputs());
        json.put("outputs", inspection.outputs());
        spec.commandLine().getOut().println(Json.line(json));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
