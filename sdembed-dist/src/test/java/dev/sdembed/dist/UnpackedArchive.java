package dev.sdembed.dist;

import dev.sdembed.testing.ReleaseArchive;
import java.nio.file.Path;

/** The CPU archive this build made, unpacked once for all tests of the JVM and deleted when it exits. */
final class UnpackedArchive {
    private static ReleaseArchive cpu;

    private UnpackedArchive() {
    }

    static synchronized ReleaseArchive cpu() {
        if (cpu == null) {
            String path = System.getProperty("sdembed.dist.archive");
            if (path == null) {
                throw new IllegalStateException("System property sdembed.dist.archive is not set: run these tests with"
                        + " mvn verify (module sdembed-dist), which builds the archive first");
            }
            ReleaseArchive unpacked = ReleaseArchive.unpack(Path.of(path));
            Runtime.getRuntime().addShutdownHook(new Thread(unpacked::close, "sdembed-release-archive-delete"));
            cpu = unpacked;
        }
        return cpu;
    }

    /** The version the build gave the archive. */
    static String version() {
        return System.getProperty("sdembed.dist.version");
    }
}
