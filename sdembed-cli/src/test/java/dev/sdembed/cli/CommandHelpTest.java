package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's {@code --help} ends with examples, and every example is a command line this build accepts: a
 * renamed option fails here instead of in a user's shell.
 */
class CommandHelpTest {

    @Test
    void everyCommandsHelpShowsExamplesOfThatCommand() {
        List<CommandLine> commands = allCommands(SdembedCommand.newCommandLine());
        assertThat(commands).extracting(c -> c.getCommandSpec().qualifiedName())
                .contains("sdembed", "sdembed help", "sdembed index", "sdembed models verify");

        for (CommandLine command : commands) {
            String name = command.getCommandSpec().qualifiedName();
            CliRun run = CliRun.of(helpArgs(command));

            assertThat(run.exitCode()).as(name + " --help: " + run.err()).isZero();
            List<String> examples = examples(run.out());
            assertThat(examples).as("examples in the help of " + name + ":\n" + run.out()).isNotEmpty();
            assertThat(examples).as(name).anyMatch(e -> e.equals(name) || e.startsWith(name + " "));
        }
    }

    @Test
    void everyExampleParses() {
        for (CommandLine command : allCommands(SdembedCommand.newCommandLine())) {
            for (String example : examples(CliRun.of(helpArgs(command)).out())) {
                // A line may chain commands (&&) or redirect their output (>): each command must parse.
                for (String part : example.split("&&")) {
                    List<String> words = shellWords(part.split(">")[0]);
                    assertThat(words.get(0)).as(example).isEqualTo("sdembed");
                    assertThatCode(() -> SdembedCommand.newCommandLine()
                            .parseArgs(words.subList(1, words.size()).toArray(String[]::new)))
                            .as("example of %s: %s", command.getCommandSpec().qualifiedName(), example)
                            .doesNotThrowAnyException();
                }
            }
        }
    }

    @Test
    void onlyCommandsThatRunLookForTheNativeLibraryCache() {
        assertThat(loads("search", "--text", "a castle")).isTrue();
        assertThat(loads("index", "photos")).isTrue();
        assertThat(loads("store", "init", "postgresql://localhost/sdembed")).isTrue();
        assertThat(loads("--version")).isFalse();
        assertThat(loads("search", "--help")).isFalse();
        assertThat(loads("help", "index")).isFalse();
        assertThat(loads("completion", "bash")).isFalse();
        assertThat(loads()).as("no command: the usage").isFalse();
    }

    @Test
    void aCommandRunsOnACommandLineOfItsOwnAndTheRestSeeEveryCommand() {
        assertThat(SdembedCommand.newCommandLine("search", "--text", "a castle").getSubcommands().keySet())
                .containsExactly("search");
        assertThat(SdembedCommand.newCommandLine("store", "init", "postgresql://h/db").getSubcommands().keySet())
                .containsExactly("store");
        int every = SdembedCommand.COMMANDS.size();
        for (String[] args : new String[][] {{}, {"--help"}, {"--version"}, {"help", "search"}, {"completion", "bash"},
                {"serch"}}) {
            CommandLine cli = SdembedCommand.newCommandLine(args);
            assertThat(cli.getSubcommands()).as(String.join(" ", args)).hasSize(every);
        }
        // The one command parses as it does among all of them, inherited options included.
        CommandLine.ParseResult alone = SdembedCommand.newCommandLine("search", "--verbose", "--text", "x")
                .parseArgs("search", "--verbose", "--text", "x");
        assertThat(alone.subcommand().matchedOptionValue("--text", "")).isEqualTo("x");
        assertThat(alone.subcommand().hasMatchedOption("--verbose")).isTrue();
        assertThat(SdembedCommand.newCommandLine().getSubcommands().keySet())
                .containsExactlyElementsOf(SdembedCommand.COMMANDS.stream()
                        .map(c -> c.getAnnotation(CommandLine.Command.class).name()).toList());
    }

    private static boolean loads(String... args) {
        return SdembedCommand.loadsNativeLibraries(SdembedCommand.newCommandLine().parseArgs(args));
    }

    @Test
    void shellWordsKeepQuotedTextTogether() {
        assertThat(shellWords(" sdembed search --text \"a castle at night\" --pad-token '!' -k 5 "))
                .containsExactly("sdembed", "search", "--text", "a castle at night", "--pad-token", "!", "-k", "5");
    }

    private static String[] helpArgs(CommandLine command) {
        String[] path = command.getCommandSpec().qualifiedName().split(" ");
        List<String> args = new ArrayList<>(List.of(path).subList(1, path.length));
        args.add("--help");
        return args.toArray(String[]::new);
    }

    /** The command and all its subcommands, each once (aliases name the same command). */
    static List<CommandLine> allCommands(CommandLine root) {
        Map<CommandLine, Boolean> seen = new IdentityHashMap<>();
        List<CommandLine> all = new ArrayList<>();
        collect(root, seen, all);
        return all;
    }

    private static void collect(CommandLine command, Map<CommandLine, Boolean> seen, List<CommandLine> all) {
        if (seen.put(command, Boolean.TRUE) != null) {
            return;
        }
        all.add(command);
        command.getSubcommands().values().forEach(sub -> collect(sub, seen, all));
    }

    /**
     * The commands under an "Example..." heading of a usage message, without their indent; a line ending in a
     * backslash continues on the next, as in a shell.
     */
    static List<String> examples(String usage) {
        List<String> examples = new ArrayList<>();
        boolean in = false;
        StringBuilder continued = null;
        for (String line : usage.lines().toList()) {
            if (line.startsWith("Example")) {
                in = true;
            } else if (in && line.startsWith("  ")) {
                // picocli wraps a line wider than the usage width, which a reader could not paste.
                assertThat(line.length()).as("example line fits the usage width: " + line)
                        .isLessThanOrEqualTo(CommandLine.Model.UsageMessageSpec.DEFAULT_USAGE_WIDTH - 2);
                String text = line.strip();
                continued = continued == null ? new StringBuilder() : continued.append(' ');
                if (text.endsWith("\\")) {
                    continued.append(text, 0, text.length() - 1);
                } else {
                    examples.add(continued.append(text).toString());
                    continued = null;
                }
            } else if (in && !line.isBlank()) {
                in = false;
            }
        }
        return examples;
    }

    /** Words as a POSIX shell splits them, for the quoting examples use: blanks, "double" and 'single' quotes. */
    static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (Character.isWhitespace(c)) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }
}
