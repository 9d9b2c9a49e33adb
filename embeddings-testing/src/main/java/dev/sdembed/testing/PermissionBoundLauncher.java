package dev.sdembed.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A way to run a child process that file permissions bind, for tests of read-only folders. An ordinary user needs
 * nothing. Root ignores permissions (CAP_DAC_OVERRIDE), and the tests run as root in this project's containers, so
 * a {@code chmod a-w} folder would test nothing; there the child runs under {@code setpriv} with the capabilities that
 * bypass permission checks (DAC override, DAC read search, fowner) taken out of its bounding set: still root, still
 * the owner of the test's files, but held to their mode bits like any owner.
 */
public final class PermissionBoundLauncher {
    private static final List<String> SETPRIV_ARGUMENTS = List.of("--inh-caps=-all",
            "--bounding-set=-dac_override,-dac_read_search,-fowner", "--");

    private PermissionBoundLauncher() {
    }

    /**
     * The launcher to put before a child's command line ({@link ChildJvm#start(List, Class, String...)}): empty for
     * an ordinary user, {@code setpriv ...} for root, or no value when this runs as root without {@code setpriv}
     * (util-linux); say so with {@link #unavailableReason()} and skip.
     */
    public static Optional<List<String>> command() {
        if (!isRoot()) {
            return Optional.of(List.of());
        }
        return setpriv().map(p -> {
            List<String> command = new ArrayList<>();
            command.add(p.toString());
            command.addAll(SETPRIV_ARGUMENTS);
            return List.copyOf(command);
        });
    }

    /** Why {@link #command()} has no value, for a skipped test's message. */
    public static String unavailableReason() {
        return "these tests run as root, whom chmod does not stop writing, and setpriv (util-linux) is not on the PATH"
                + " to run the child without CAP_DAC_OVERRIDE; a read-only folder cannot be made here";
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Optional<Path> setpriv() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "setpriv");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
