package dev.sdembed.cli;

import java.util.Locale;
import java.util.Optional;

/**
 * The platforms sdembed's release archives are made for (sdembed-dist): those ONNX Runtime's Java jars have native
 * libraries for. Each archive holds only its platform's libraries of ONNX Runtime, DJL's tokenizers and sqlite-jdbc,
 * and its launcher names the platform in the {@code sdembed.platform} system property, so that an archive unpacked
 * on another platform says which one to get instead of failing in a native library loader.
 */
enum ReleasePlatform {
    LINUX_X64("linux-x64", ".tar.gz", true),
    LINUX_AARCH64("linux-aarch64", ".tar.gz", false),
    MACOS_AARCH64("macos-aarch64", ".tar.gz", false),
    WINDOWS_X64("windows-x64", ".zip", true);

    /** The launcher's system property that names the archive's platform; absent when not run from an archive. */
    static final String PROPERTY = "sdembed.platform";

    private final String id;
    private final String extension;
    private final boolean gpuFlavour;

    ReleasePlatform(String id, String extension, boolean gpuFlavour) {
        this.id = id;
        this.extension = extension;
        this.gpuFlavour = gpuFlavour;
    }

    /** The name in archive names: {@code linux-x64}, {@code macos-aarch64}, ... */
    String id() {
        return id;
    }

    /** Whether ONNX Runtime's GPU build, so a GPU archive, exists for this platform (Linux and Windows on x86-64). */
    boolean hasGpuFlavour() {
        return gpuFlavour;
    }

    /** The archive's file name: {@code sdembed-0.1.0-cpu-linux-x64.tar.gz}; VERSION when the version is unknown. */
    String archive(String version, String flavour) {
        return "sdembed-" + (version == null ? "VERSION" : version) + "-" + flavour + "-" + id + extension;
    }

    /** The platform of a Java's {@code os.name} and {@code os.arch}, if an archive is made for it. */
    static Optional<ReleasePlatform> of(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
        if (os.startsWith("linux")) {
            return x64 ? Optional.of(LINUX_X64) : arm64 ? Optional.of(LINUX_AARCH64) : Optional.empty();
        }
        if (os.startsWith("mac")) {
            return arm64 ? Optional.of(MACOS_AARCH64) : Optional.empty();
        }
        if (os.startsWith("windows")) {
            return x64 ? Optional.of(WINDOWS_X64) : Optional.empty();
        }
        return Optional.empty();
    }

    /** The platform this Java runs on, if an archive is made for it. */
    static Optional<ReleasePlatform> current() {
        return of(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    /**
     * Null when an archive's platform ({@code archivePlatform}, from the launcher; null when not run from an archive)
     * is the one this Java runs on; else what to say: the archive cannot load its native libraries here.
     */
    static String mismatch(String archivePlatform, String osName, String osArch, String version) {
        if (archivePlatform == null || archivePlatform.isEmpty()) {
            return null;
        }
        Optional<ReleasePlatform> here = of(osName, osArch);
        if (here.isPresent() && here.get().id.equals(archivePlatform)) {
            return null;
        }
        String running = "this Java runs on " + osName + " " + osArch;
        String instead = here.map(p -> "; get " + p.archive(version, "cpu")
                        + (p.gpuFlavour ? " (or " + p.archive(version, "gpu") + " for NVIDIA GPUs)" : "")
                        + " instead")
                .orElse(", for which no archive is made (linux-x64, linux-aarch64, macos-aarch64 and windows-x64"
                        + " are: ONNX Runtime's platforms); build sdembed from its sources there (README)");
        return "sdembed: this archive is for " + archivePlatform + ", and its lib/ holds native libraries for that"
                + " platform only, but " + running + instead;
    }
}
