package dev.sdembed.metadata;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared Stable Diffusion metadata fixtures ({@code ../shared/fixtures/sd-metadata} beside the
 * repository root). Tests that need them skip, with this message, where they are absent.
 */
public final class MetadataFixtures {

    private MetadataFixtures() {
    }

    /** The fixture directory, or null when it is not there. */
    public static Path directoryOrNull() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("DEVELOPERS.md"))) {
            dir = dir.getParent();
        }
        if (dir == null || dir.getParent() == null) {
            return null;
        }
        Path fixtures = dir.getParent().resolve("shared/fixtures/sd-metadata");
        return Files.isRegularFile(fixtures.resolve("expected.jsonl")) ? fixtures : null;
    }

    /** The fixture directory; skips the calling test when it is absent. */
    public static Path directory() {
        Path fixtures = directoryOrNull();
        assumeTrue(fixtures != null, "Shared fixtures ../shared/fixtures/sd-metadata not found beside the "
                + "repository root; skipping tests that need real Stable Diffusion images");
        return fixtures;
    }
}
