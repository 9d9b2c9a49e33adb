package dev.sdembed.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sdembed completion bash|zsh}: the shell completion script for every command and option of this build,
 * generated from the commands themselves by picocli. One script serves both shells (in zsh it runs through
 * {@code bashcompinit}); only the installation note at its top differs. The release archive carries both under
 * {@code completion/}.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed completion bash > ~/.local/share/bash-completion/completions/sdembed",
                "  sdembed completion zsh > ~/.sdembed-completion.zsh"},
        description = {"Prints the completion script of sdembed's commands and options for bash or zsh.",
                "bash: save it as ~/.local/share/bash-completion/completions/sdembed (the bash-completion package loads"
                        + " it when needed), or source it from ~/.bashrc. zsh: save it and source it from ~/.zshrc."})
public final class CompletionCommand implements Callable<Integer> {

    /** The shells the script is for. */
    enum Shell { BASH, ZSH }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh.", completionCandidates = ShellNames.class)
    Shell shell;

    /** What the script itself offers after {@code sdembed completion}: the names as typed, not the enum's. */
    static final class ShellNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Shell.values()).map(s -> s.name().toLowerCase(java.util.Locale.ROOT))
                    .iterator();
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.print(script(shell, spec.root().commandLine()));
        out.flush();
        return ExitCodes.OK;
    }

    /** The script for {@code shell} completing {@code root}'s commands: an installation note, then picocli's script. */
    static String script(Shell shell, picocli.CommandLine root) {
        String picocli = AutoComplete.bash(root.getCommandName(), root);
        String note = switch (shell) {
            case BASH -> """
                    # sdembed completion for bash (sdembed completion bash). Install it for your user with
                    #   sdembed completion bash > ~/.local/share/bash-completion/completions/sdembed
                    # (loaded by the bash-completion package when needed), or source it from ~/.bashrc.
                    """;
            case ZSH -> """
                    # sdembed completion for zsh (sdembed completion zsh), through zsh's bashcompinit. Install it with
                    #   sdembed completion zsh > ~/.sdembed-completion.zsh
                    # and the line  source ~/.sdembed-completion.zsh  at the end of ~/.zshrc.
                    """;
        };
        // The note goes after the shebang line, which must stay first.
        int firstLine = picocli.indexOf('\n') + 1;
        return picocli.substring(0, firstLine) + note + picocli.substring(firstLine);
    }
}
