package dev.sdembed.examples;

import dev.sdembed.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The examples' {@code --name value} arguments. Paths given are taken as typed (relative to the working folder);
 * the defaults are below {@link #home()}, the repository that bin/example runs from.
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
        return fallback == null ? null : home().resolve(fallback);
    }

    /** {@code --model} if given, else the bge-small model the build materialises. */
    Path model() {
        return path("--model", "models/bge-small-en-v1.5");
    }

    /** {@code --samples} if given, else the sample library bin/example writes with {@code sdembed samples}. */
    Path samples() {
        Path dir = path("--samples", DEFAULT_SAMPLES);
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException("Sample library " + dir + " does not exist; write it with `bin/sdembed"
                    + " samples " + dir + "` or give --samples DIR");
        }
        return dir;
    }

    /** The repository bin/example runs from ({@code -Dsdembed.home}), else the working folder. */
    private static Path home() {
        String home = System.getProperty("sdembed.home");
        return home == null ? Path.of("").toAbsolutePath() : Path.of(home);
    }
}
