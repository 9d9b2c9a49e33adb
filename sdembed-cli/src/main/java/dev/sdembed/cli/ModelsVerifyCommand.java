package dev.sdembed.cli;

import dev.sdembed.onnx.ModelVerifier;
import dev.sdembed.onnx.ModelVerifier.Problem;
import dev.sdembed.onnx.ModelVerifier.Report;
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

/** {@code sdembed models verify DIR}: the contract an exported model directory must meet. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed models verify models/bge-large-en-v1.5 models/clip-vit-h-14-vision"},
        description = {"Checks model directories against what sdembed expects (files, external data, opset,"
                + " input/output names and types, fp16/fp32, dimension, tokenizer special tokens and padding,"
                + " preprocessing config) and prints every problem with its fix.",
                "Exit code 0 when no directory has a problem, 1 otherwise."})
public final class ModelsVerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", arity = "1..*", description = "Model directories.")
    List<Path> dirs;

    @Option(names = "--json", description = "One JSON line per directory.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean allOk = true;
        for (Path dir : dirs) {
            Report report = ModelVerifier.verify(dir);
            allOk &= report.ok();
            if (json) {
                out.println(Json.line(toJson(report)));
            } else if (report.ok()) {
                out.println(report.directory() + ": OK (" + report.kind().id() + ", " + report.dimension()
                        + "-d, opset " + report.opset() + ")");
            } else {
                out.println(report.directory() + ": " + report.problems().size() + " problem(s)");
                printProblems(out, report.problems());
            }
        }
        out.flush();
        return allOk ? ExitCodes.OK : ExitCodes.COMPLETED_WITH_FAILURES;
    }

    /** The JSON shape of a report, shared with {@code sdembed doctor}. */
    static Map<String, Object> toJson(Report report) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("directory", report.directory().toString());
        m.put("ok", report.ok());
        m.put("kind", report.kind().id());
        m.put("dimension", report.dimension() < 0 ? null : report.dimension());
        m.put("opset", report.opset() < 0 ? null : report.opset());
        m.put("problems", report.problems());
        return m;
    }

    static void printProblems(PrintWriter out, List<Problem> problems) {
        for (Problem p : problems) {
            out.println("  [" + p.check() + "] " + p.message());
            out.println("      fix: " + p.fix());
        }
    }
}
