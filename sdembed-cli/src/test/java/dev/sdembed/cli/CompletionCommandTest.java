package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The completion scripts, run by the real shells: what bash offers after a partial command line. */
class CompletionCommandTest {
    /** Prints, per partial command line, what the script's completion function offers for its last word. */
    private static final String COMPLETE = """
            source "$1"
            offer() {
              COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
              _complete_sdembed
              echo "$*: ${COMPREPLY[*]}"
            }
            offer sdembed ind
            offer sdembed index --retry
            offer sdembed models ver
            offer sdembed completion ""
            offer sdembed store ""
            """;

    @Test
    void bashCompletesCommandsSubcommandsAndOptions() throws Exception {
        Path script = write("bash");

        List<String> offered = run(List.of("bash", "--norc", "-c", COMPLETE, "completion-test", script.toString()));

        assertThat(offered).contains("sdembed ind: index", "sdembed index --retry: --retry-failed",
                "sdembed models ver: verify", "sdembed completion : bash zsh", "sdembed store : init");
    }

    @Test
    void zshLoadsTheScriptThroughBashcompinit() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh")),
                "Skipped: zsh is not installed (scripts/install-prerequisites.sh installs it)");
        Path script = write("zsh");

        List<String> out = run(List.of("zsh", "-f", "-c", "source \"$1\" && print -r -- \"sdembed: ${_comps[sdembed]}\"",
                "completion-test", script.toString()));

        assertThat(out).containsExactly("sdembed: _bash_complete -F _complete_sdembed -o default");
    }

    @Test
    void eachShellGetsItsInstallationNoteAfterTheShebang() {
        for (String shell : List.of("bash", "zsh")) {
            CliRun run = CliRun.of("completion", shell);

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.outLines().get(0)).isEqualTo("#!/usr/bin/env bash");
            assertThat(run.outLines().get(1)).startsWith("# sdembed completion for " + shell + " (sdembed completion "
                    + shell + ")");
            assertThat(run.out()).contains("complete -F _complete_sdembed -o default sdembed");
        }
        assertThat(CliRun.of("completion", "fish").err()).contains("Invalid value for positional parameter at index 0"
                + " (SHELL): expected one of [BASH, ZSH] (case-insensitive) but was 'fish'");
    }

    private static Path write(String shell) throws IOException {
        CliRun run = CliRun.of("completion", shell);
        assertThat(run.exitCode()).as(run.err()).isZero();
        Path script = TestPaths.targetDir("completion").resolve("sdembed." + shell);
        Files.writeString(script, run.out(), StandardCharsets.UTF_8);
        return script;
    }

    private static List<String> run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }
}
