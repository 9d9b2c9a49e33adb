package dev.sdembed.runtime;

import java.nio.file.Path;

/** Where the command line looks by default: below {@code sdembed.home} (set by bin/sdembed and bin/example), else the working folder. */
public final class DefaultPaths {
    private DefaultPaths() {
    }

    public static Path home() {
        String home = System.getProperty("sdembed.home");
        return home == null ? Path.of("").toAbsolutePath() : Path.of(home);
    }

    /** The project's model folder, where {@code sdembed models pull} puts models and {@code sdembed init} looks. */
    public static Path models() {
        return home().resolve("models");
    }

    /** The bge-small model the models module materialises. */
    public static Path bgeSmall() {
        return models().resolve("bge-small-en-v1.5");
    }
}
