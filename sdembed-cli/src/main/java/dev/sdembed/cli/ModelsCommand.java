package dev.sdembed.cli;

import picocli.CommandLine.Command;

/** {@code sdembed models ...}: model directory tools. */
@Command(name = "models", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed models verify models/bge-small-en-v1.5"},
        description = "Inspect and prepare model directories.",
        subcommands = {ModelsInspectCommand.class, ClipTokenizerCommand.class, ModelsVerifyCommand.class})
public final class ModelsCommand {
}
