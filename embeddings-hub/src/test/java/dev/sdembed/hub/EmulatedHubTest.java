package dev.sdembed.hub;

import static dev.sdembed.hub.HubFixtures.REPO;

import dev.sdembed.testing.HubEmulator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test against {@link HubFixtures#REPO} served by an emulator from a fresh folder, with a fresh cache. */
abstract class EmulatedHubTest {
    @TempDir
    Path tmp;
    /** The repository's files as the emulator serves them. */
    Path source;
    Path cache;
    /** {@code <cache>/models--sdembed-test--tiny-bge}. */
    Path repoDir;
    HubEmulator hub;
    /** The emulator's commit of {@code main}. */
    String commit;

    @BeforeEach
    void startHub() throws IOException {
        source = HubFixtures.writeRepo(tmp.resolve("repo"), 1);
        cache = tmp.resolve("cache");
        repoDir = cache.resolve("models--sdembed-test--tiny-bge");
        restartHub(b -> b);
    }

    /** A new emulator of the source folder, as {@code configure} has it (more revisions, a token, faults…). */
    void restartHub(UnaryOperator<HubEmulator.Builder> configure) {
        if (hub != null) {
            hub.close();
        }
        hub = configure.apply(HubEmulator.builder().repo(REPO, source).lfsThreshold(HubFixtures.LFS_THRESHOLD))
                .start();
        commit = hub.commit(REPO, "main");
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    /** A client of this emulator and cache; see {@link HubFixtures#client}. */
    HubClient.Builder client() {
        return HubFixtures.client(hub, cache);
    }
}
