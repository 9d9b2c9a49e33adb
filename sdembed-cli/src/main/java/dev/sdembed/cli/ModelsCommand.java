package dev.sdembed.cli;

import picocli.CommandLine.Command;

/** {@code sdembed models ...}: model directory tools. */
@Command(name = "models", mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {"  sdembed models pull bge-large-en-v1.5", "  sdembed models verify models/bge-small-en-v1.5"},
        description = "Inspect, pull and prepare model directories.",
        subcommands = {ModelsInspectCommand.class, ClipTokenizerCommand.class, ModelsVerifyCommand.class,
                ModelsPullCommand.class})
public final class ModelsCommand {
}
