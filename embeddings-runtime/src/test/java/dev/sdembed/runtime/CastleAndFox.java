package dev.sdembed.runtime;

import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Path;

/** The library the runtime's tests index: a castle with A1111 metadata and a fox with ComfyUI's, 64 px each. */
final class CastleAndFox {
    private CastleAndFox() {
    }

    /** The two images, written into the emptied folder {@code name} under target/. */
    static Path library(String name) throws IOException {
        Path images = TestPaths.emptyDir(TestPaths.targetDir(name));
        SdTestImages.a1111(images.resolve("castle.png"), 64, 1, "a castle at night under the stars", "blurry");
        SdTestImages.comfy(images.resolve("fox.png"), 64, 2, "a red fox in the snow", "lowres");
        return images;
    }
}
