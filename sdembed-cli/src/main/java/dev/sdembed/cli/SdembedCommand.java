package dev.sdembed.cli;

import dev.sdembed.SdembedException;
import dev.sdembed.runtime.SdembedVersion;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code sdembed} command line. Each subcommand is its own class; errors that are the user's (bad input,
 * missing files, unavailable device) print one line on stderr and exit {@link ExitCodes#USAGE}, with the stack
 * trace only under {@code --verbose}.
 */
@Command(name = "sdembed",
        mixinStandardHelpOptions = true,
        versionProvider = SdembedCommand.Version.class,
        description = "Embeddings for libraries of Stable Diffusion images.",
        subcommands = {
                MetadataCommand.class,
                CommandLine.HelpCommand.class,
                EmbedTextCommand.class,
                ModelsCommand.class,
                PreprocessCommand.class,
                TokenizeCommand.class,
                EmbedImageCommand.class,
                IndexCommand.class,
                SearchCommand.class,
                SimilarCommand.class,
                DuplicatesCommand.class,
                StatsCommand.class,
                DoctorCommand.class,
                SamplesCommand.class,
                InitCommand.class,
        })
public final class SdembedCommand {

    @Option(names = "--verbose", description = "Print stack traces and debug logging.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    public static void main(String[] args) {
        configureLogging(args);
        System.exit(newCommandLine().execute(args));
    }

    /**
     * slf4j-simple reads its level once, at the first logger: decide before anything logs. Without
     * {@code --verbose} the connection pool stays quiet: a server that goes away is reported once, as the
     * command's one-line error, not as the pool's warnings with their stack traces.
     */
    private static void configureLogging(String[] args) {
        if (java.util.Arrays.asList(args).contains("--verbose")) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "info");
            System.setProperty("org.slf4j.simpleLogger.showLogName", "true");
        } else {
            System.setProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "off");
        }
    }

    /** A configured command line, for tests and embedding: same handlers as {@link #main}. */
    public static CommandLine newCommandLine() {
        CommandLine cli = new CommandLine(new SdembedCommand());
        cli.setExecutionExceptionHandler(SdembedCommand::handleException);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    private static int handleException(Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
        boolean verbose = parseResult.hasMatchedOption("--verbose")
                || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
        PrintWriter err = cli.getErr();
        boolean expected = e instanceof SdembedException || e instanceof UncheckedIOException
                || e instanceof java.io.IOException || e instanceof IllegalArgumentException
                || e instanceof dev.sdembed.hub.HubException;
        err.println("sdembed: " + oneLine(e));
        if (verbose || !expected) {
            e.printStackTrace(err);
        }
        err.flush();
        return expected ? ExitCodes.USAGE : ExitCodes.SOFTWARE;
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replace('\n', ' ');
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sdembed " + SdembedVersion.current()};
        }
    }
}
