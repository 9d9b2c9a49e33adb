package dev.sdembed.cli;

import picocli.CommandLine.Command;

/** {@code sdembed store ...}: setting up a store's server. */
@Command(name = "store", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed store init postgresql://sdembed@localhost:5432/sdembed"},
        description = "Set up the server of a PostgreSQL store (the embedded store needs none).",
        subcommands = {StoreInitCommand.class})
public final class StoreCommand {
}
