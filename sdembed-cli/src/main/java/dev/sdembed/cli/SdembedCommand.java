package dev.sdembed.cli;

import dev.sdembed.SdembedException;
import dev.sdembed.hub.HubException;
import dev.sdembed.runtime.NativeLibraryCache;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedVersion;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code sdembed} command line. Each subcommand is its own class; every error prints one line on stderr, with
 * the stack trace only under {@code --verbose}: those that are the user's (bad input, missing files, unavailable
 * device) or of what sdembed works with (a store that went away) exit {@link ExitCodes#USAGE}, bugs
 * {@link ExitCodes#SOFTWARE}.
 */
@Command(name = "sdembed",
        footerHeading = "%nExamples (the quick start, then the help of one command):%n",
        footer = {"  sdembed samples samples",
                "  sdembed index samples",
                "  sdembed search --text \"a castle at night\"",
                "  sdembed help index"},
        mixinStandardHelpOptions = true,
        versionProvider = SdembedCommand.Version.class,
        description = "Embeddings for libraries of Stable Diffusion images.")
public final class SdembedCommand {
    /**
     * The commands, in the order the usage lists them. Added by {@link #newCommandLine(String...)} rather than named
     * in the annotation, so that running one command need not build the other nineteen.
     */
    static final List<Class<?>> COMMANDS = List.of(
            MetadataCommand.class,
            CommandLine.HelpCommand.class,
            EmbedTextCommand.class,
            ModelsCommand.class,
            PreprocessCommand.class,
            TokenizeCommand.class,
            EmbedImageCommand.class,
            IndexCommand.class,
            WatchCommand.class,
            SearchCommand.class,
            SimilarCommand.class,
            DuplicatesCommand.class,
            StatsCommand.class,
            ServeCommand.class,
            DoctorCommand.class,
            SamplesCommand.class,
            InitCommand.class,
            CompletionCommand.class,
            StoreCommand.class);

    @Option(names = "--verbose", description = "Print stack traces and debug logging.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    public static void main(String[] args) {
        String wrongPlatform = ReleasePlatform.mismatch(System.getProperty(ReleasePlatform.PROPERTY),
                System.getProperty("os.name", ""), System.getProperty("os.arch", ""),
                SdembedVersion.current().version());
        if (wrongPlatform != null) {
            System.err.println(wrongPlatform);
            System.exit(ExitCodes.USAGE);
        }
        configureLogging(args);
        // Before ONNX Runtime or SQLite load: from the cache, not extracted again into a temporary folder; off with
        // -Dsdembed.nativeCache=false (a home folder that may not hold executables, a benchmark's baseline). Not for
        // what loads neither (--version, --help, help, completion), which would only pay for looking.
        boolean nativeCache = !"false".equals(System.getProperty("sdembed.nativeCache"));
        Class<?> named = commandNamed(args);
        boolean preloading = named != null && LoadsEncoders.class.isAssignableFrom(named) && !asksForHelp(args);
        if (preloading) {
            // A command that loads encoders: their native libraries load now, on a thread of their own, beside
            // picocli's parsing and the command's configuration (~90 ms of a one-shot query on 2 cores).
            if (nativeCache) {
                NativeLibraryCache.install(NativeLibraryCache.defaultFolder());
            }
            Sdembed.preloadNativeLibraries();
        }
        CommandLine cli = newCommandLine(named);
        if (nativeCache && !preloading) {
            cli.setExecutionStrategy(parsed -> {
                if (loadsNativeLibraries(parsed)) {
                    NativeLibraryCache.install(NativeLibraryCache.defaultFolder());
                }
                return new CommandLine.RunLast().execute(parsed);
            });
        }
        System.exit(cli.execute(args));
    }

    /** Whether {@code args} ask for help or the version rather than running a command. */
    private static boolean asksForHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h") || a.equals("--version") || a.equals("-V")) {
                return true;
            }
        }
        return false;
    }

    /** Whether a parsed command line runs a command (not help, completion or the version) that may load them. */
    static boolean loadsNativeLibraries(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) {
                return false;
            }
            if (p.subcommand() == null) {
                String name = p.commandSpec().name();
                return p != parsed && !name.equals("help") && !name.equals("completion");
            }
        }
        return false;
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

    /** The command the first of {@code args} names when it runs on its own (not help or completion), else null. */
    static Class<?> commandNamed(String... args) {
        return args.length == 0 ? null : COMMANDS.stream()
                .filter(c -> c.getAnnotation(Command.class).name().equals(args[0])
                        && c != CommandLine.HelpCommand.class && c != CompletionCommand.class)
                .findFirst().orElse(null);
    }

    /** A configured command line with every command, for tests and embedding: same handlers as {@link #main}. */
    public static CommandLine newCommandLine() {
        return newCommandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: with the one command their first word names, when it names one that runs
     * on its own (picocli builds the model of every command it is given, ~60 ms of a one-shot command's start for all
     * of them); with every command otherwise (no command, an option such as {@code --help}, {@code help} and
     * {@code completion}, which describe the others, or a word that names none, whose error suggests one).
     */
    static CommandLine newCommandLine(String... args) {
        return newCommandLine(commandNamed(args));
    }

    /** With {@code only}, the command {@link #commandNamed} found, or with every command when it is null. */
    private static CommandLine newCommandLine(Class<?> only) {
        CommandLine cli = new CommandLine(new SdembedCommand());
        for (Class<?> command : only != null ? List.<Class<?>>of(only) : COMMANDS) {
            cli.addSubcommand(command);
        }
        if (only == null) {
            // picocli's own help command: its example is set here, as its class cannot be annotated.
            cli.getSubcommands().get("help").getCommandSpec().usageMessage().footerHeading("%nExample:%n")
                    .footer("  sdembed help index");
        }
        cli.setExecutionExceptionHandler(new ExceptionHandler());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    /**
     * A class of its own, not a method reference: dumping the class-data sharing archive links a lambda's interface,
     * and picocli's interfaces (Java 5 class files) are left out of the archive once linked. Loading one from the jars
     * instead opened the 60 jars before picocli's on the classpath at every start (issue 21).
     */
    private static final class ExceptionHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
            return handleException(e, cli, parseResult);
        }
    }

    /**
     * Every error is one line on stderr, the stack trace only under {@code --verbose}: a user's error or a failure
     * of what sdembed works with (files, the store and its connection) exits {@link ExitCodes#USAGE}; anything else
     * is a bug, said so, and exits {@link ExitCodes#SOFTWARE}.
     */
    static int handleException(Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
        boolean verbose = parseResult.hasMatchedOption("--verbose")
                || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
        PrintWriter err = cli.getErr();
        boolean expected = isExpected(e);
        err.println("sdembed: " + (expected ? oneLine(e) : "internal error: " + oneLine(e.toString())
                + (verbose ? "" : " (run again with --verbose for the stack trace)")));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return expected ? ExitCodes.USAGE : ExitCodes.SOFTWARE;
    }

    /**
     * Whether {@code e} is a user's error or a failure of what sdembed works with, rather than a bug: an sdembed
     * exception, or an I/O or database error anywhere in its causes (a store driver's exception that escaped
     * translation is still the store's, not a bug to show a stack trace for).
     */
    private static boolean isExpected(Throwable e) {
        if (e instanceof IllegalArgumentException) {
            return true;
        }
        Throwable c = e;
        for (int depth = 0; c != null && depth < 32; depth++, c = c.getCause()) {
            if (c instanceof SdembedException || c instanceof UncheckedIOException || c instanceof IOException
                    || c instanceof SQLException || c instanceof HubException) {
                return true;
            }
        }
        return false;
    }

    private static String oneLine(Throwable e) {
        return oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    private static String oneLine(String message) {
        return message.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sdembed " + SdembedVersion.current()};
        }
    }
}
