package dev.sdembed.examples;

import dev.sdembed.InvalidInputException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The examples' {@code --name value} arguments, with the defaults that work from the repository root. */
final class ExampleArgs {
    /** The bge-small model the build materialises. */
    static final String DEFAULT_MODEL = "models/bge-small-en-v1.5";
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
        String v = values.getOrDefault(name, fallback);
        return v == null ? null : Path.of(v);
    }

    /** {@code --samples} if given, else the sample library, generated (again: it is idempotent) in its default folder. */
    Path samples() {
        if (values.containsKey("--samples")) {
            return Path.of(values.get("--samples"));
        }
        Path dir = Path.of(DEFAULT_SAMPLES);
        SampleLibrary.generate(dir);
        return dir;
    }
}
