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

    /**
     * The user's cache folder for sdembed, by the platform's convention: {@code $XDG_CACHE_HOME/sdembed} or
     * {@code $HOME/.cache/sdembed}, {@code ~/Library/Caches/sdembed} on macOS, {@code %LOCALAPPDATA%\sdembed\cache}
     * on Windows; the system property {@code sdembed.cache} when set. Only what can be made again goes there.
     */
    public static Path userCache() {
        String set = System.getProperty("sdembed.cache");
        if (set != null && !set.isEmpty()) {
            return Path.of(set);
        }
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        if (os.startsWith("windows")) {
            String local = System.getenv("LOCALAPPDATA");
            return (local == null ? Path.of(System.getProperty("user.home"), "AppData", "Local") : Path.of(local))
                    .resolve("sdembed").resolve("cache");
        }
        // $HOME as the shell has it (Java's user.home comes from the password database, which ignores it).
        String homeVariable = System.getenv("HOME");
        Path home = Path.of(homeVariable != null && !homeVariable.isEmpty() ? homeVariable
                : System.getProperty("user.home"));
        if (os.startsWith("mac")) {
            return home.resolve("Library").resolve("Caches").resolve("sdembed");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg == null || xdg.isEmpty() ? home.resolve(".cache") : Path.of(xdg)).resolve("sdembed");
    }

    /** Where the command line keeps what it derives from model files ({@link Sdembed.Builder#modelCache}). */
    public static Path modelCache() {
        return userCache().resolve("models");
    }

    /** The bge-small model the models module materialises. */
    public static Path bgeSmall() {
        return models().resolve("bge-small-en-v1.5");
    }
}
