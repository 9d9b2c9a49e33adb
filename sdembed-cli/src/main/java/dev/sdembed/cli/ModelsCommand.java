package dev.sdembed.cli;

import picocli.CommandLine.Command;

/** {@code sdembed models ...}: model directory tools. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Inspect, pull and prepare model directories.",
        subcommands = {ModelsInspectCommand.class, ClipTokenizerCommand.class, ModelsVerifyCommand.class,
                ModelsPullCommand.class})
public final class ModelsCommand {
}
