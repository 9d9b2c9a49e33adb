package dev.sdembed.cli;

import dev.sdembed.cli.samples.SampleLibrary;
import dev.sdembed.cli.samples.SampleLibrary.Kind;
import dev.sdembed.cli.samples.SampleLibrary.Sample;
import dev.sdembed.metadata.Generator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "samples", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed samples samples && sdembed index samples"},
        description = {"Writes a small library of synthetic Stable Diffusion PNGs to try sdembed on: procedurally"
                + " drawn pictures of eight subjects with AUTOMATIC1111 (parameters) or ComfyUI (prompt and workflow)"
                + " metadata, prompts shared between images, near-duplicates (*-retouched.png) and exact copies ("
                + SampleLibrary.COPIES_FOLDER + "/).",
                "Deterministic: running it again rewrites the same bytes and leaves unchanged files untouched."})
public final class SamplesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "Folder to write into (created if missing).")
    Path dir;

    @Option(names = "--count", paramLabel = "N", defaultValue = "" + SampleLibrary.DEFAULT_COUNT,
            description = "Images to write, 1 to " + SampleLibrary.MAX_COUNT + " (default: ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() {
        List<Sample> samples = SampleLibrary.generate(dir, count);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Wrote %d sample images to %s: %d originals, %d near-duplicates, %d exact copies;"
                        + " %d with AUTOMATIC1111 metadata, %d with ComfyUI metadata, %d distinct prompts%n",
                samples.size(), dir, count(samples, Kind.ORIGINAL), count(samples, Kind.NEAR_DUPLICATE),
                count(samples, Kind.COPY), samples.stream().filter(s -> s.generator() == Generator.A1111).count(),
                samples.stream().filter(s -> s.generator() == Generator.COMFYUI).count(),
                samples.stream().map(Sample::prompt).distinct().count());
        out.flush();
        return ExitCodes.OK;
    }

    private static long count(List<Sample> samples, Kind kind) {
        return samples.stream().filter(s -> s.kind() == kind).count();
    }
}
