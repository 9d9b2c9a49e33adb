package dev.sdembed.examples;

import dev.sdembed.InvalidInputException;
import dev.sdembed.cli.DefaultPaths;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The examples' {@code --name value} arguments. Paths given are taken as typed (relative to the working folder);
 * the defaults are below {@link DefaultPaths#home()}, the repository that bin/example runs from.
 */
final class ExampleArgs {
    /** Where the examples generate the sample library when none is given. */
    static final String DEFAULT_SAMPLES = "target/examples/samples";
    /** The text slot the examples fill. */
    static final String SLOT = "prompt_bge";

    private final Map<String, String> values = new LinkedHashMap<>();

    private ExampleArgs(String[] args, List<String> known) {
        for (int i = 0; i < args.length; i += 2) {
            if (!known.contains(args[i]) || i + 1 >= args.length) {
                throw new InvalidInputException("Unexpected argument '" + args[i] + "'; expected " + String.join(" VALUE, ",
                        known) + " VALUE");
            }
            values.put(args[i], args[i + 1]);
        }
    }

    static ExampleArgs parse(String[] args, String... known) {
        return new ExampleArgs(args, List.of(known));
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    Path path(String name, String fallback) {
        String v = values.get(name);
        if (v != null) {
            return Path.of(v);
        }
        return fallback == null ? null : DefaultPaths.home().resolve(fallback);
    }

    /** {@code --model} if given, else the bge-small model the build materialises. */
    Path model() {
        String v = values.get("--model");
        return v != null ? Path.of(v) : DefaultPaths.bgeSmall();
    }

    /** {@code --samples} if given, else the sample library, generated (again: it is idempotent) in its default folder. */
    Path samples() {
        if (values.containsKey("--samples")) {
            return Path.of(values.get("--samples"));
        }
        Path dir = DefaultPaths.home().resolve(DEFAULT_SAMPLES);
        SampleLibrary.generate(dir);
        return dir;
    }
}
