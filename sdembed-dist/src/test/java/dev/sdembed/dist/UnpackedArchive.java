package dev.sdembed.dist;

import dev.sdembed.testing.ReleaseArchive;
import java.nio.file.Path;

/**
 * The CPU archive this build made for the platform the tests run on, unpacked once for all tests of the JVM and
 * deleted when it exits; and where the build put the others.
 */
final class UnpackedArchive {
    private static ReleaseArchive cpu;

    private UnpackedArchive() {
    }

    static synchronized ReleaseArchive cpu() {
        if (cpu == null) {
            ReleaseArchive unpacked = ReleaseArchive.unpack(archive("cpu", platform()));
            Runtime.getRuntime().addShutdownHook(new Thread(unpacked::close, "sdembed-release-archive-delete"));
            cpu = unpacked;
        }
        return cpu;
    }

    /** The archive of a flavour and platform this build made: {@code target/sdembed-VERSION-cpu-linux-x64.tar.gz}. */
    static Path archive(String flavour, String platform) {
        return archives().resolve(baseName(flavour, platform) + (platform.startsWith("windows") ? ".zip" : ".tar.gz"));
    }

    /** The archive's file name without extension, which is also the name of its one top folder. */
    static String baseName(String flavour, String platform) {
        return "sdembed-" + version() + "-" + flavour + "-" + platform;
    }

    /** The folder the build wrote the archives to. */
    static Path archives() {
        String path = System.getProperty("sdembed.dist.archives");
        if (path == null) {
            throw new IllegalStateException("System property sdembed.dist.archives is not set: run these tests with"
                    + " mvn verify (module sdembed-dist), which builds the archives first");
        }
        return Path.of(path);
    }

    /** The platform of the archive that runs here: linux-x64 on the project's machines and CI. */
    static String platform() {
        return ReleaseArchive.thisPlatform();
    }

    /** The version the build gave the archive. */
    static String version() {
        return System.getProperty("sdembed.dist.version");
    }
}
