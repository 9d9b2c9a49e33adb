package dev.sdembed.cli;

/** Process exit codes of the command line. */
public final class ExitCodes {
    /** Everything worked. */
    public static final int OK = 0;
    /** The command ran to the end, but some inputs failed (each reported on its own line). */
    public static final int COMPLETED_WITH_FAILURES = 1;
    /** Bad input or configuration: nothing (more) was done. */
    public static final int USAGE = 2;
    /** A bug: an unexpected exception. */
    public static final int SOFTWARE = 70;

    private ExitCodes() {
    }
}
