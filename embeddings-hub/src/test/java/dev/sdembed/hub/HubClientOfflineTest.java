package dev.sdembed.hub;

import static dev.sdembed.hub.HubFixtures.REPO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.hub.HubException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Offline mode: the cache alone, no request, and every missing file named when the cache falls short. */
class HubClientOfflineTest extends EmulatedHubTest {

    @BeforeEach
    void cacheTheJsonFiles() {
        client().build().snapshot(REPO, "main", p -> p.endsWith(".json"));
        hub.clearRequests();
    }

    private HubClient offline() {
        // Offline through HF_HUB_OFFLINE, as a user sets it.
        return HubClient.builder().environment(Map.of("HF_HUB_OFFLINE", "1", "HF_HUB_CACHE", cache.toString(),
                "HF_ENDPOINT", hub.endpoint().toString())::get).build();
    }

    @Test
    void servesCachedFilesWithoutAnyRequest() {
        HubClient client = offline();
        assertThat(client.offline()).isTrue();
        HubSnapshot snapshot = client.snapshot(REPO, "main", p -> p.endsWith(".json"));
        assertThat(snapshot.commit()).isEqualTo(commit);
        assertThat(snapshot.files()).extracting(HubFile::path).containsExactly("config.json", "tokenizer.json");
        assertThat(snapshot.fromCache()).isTrue();
        assertThat(client.snapshot(REPO, commit, "config.json"::equals).files()).hasSize(1);
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void namesEveryMissingFileAndTheRevision() {
        assertThatThrownBy(() -> offline().snapshot(REPO, "main", p -> true))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.OFFLINE))
                .hasMessage("The cache " + cache + " lacks 3 wanted file(s) of " + REPO + " at revision 'main' (commit "
                        + commit + ") and offline mode is on (HF_HUB_OFFLINE=1 or offline(true)): README.md (34"
                        + " bytes), large.dat (1500000 bytes), onnx/model.onnx (300000 bytes). Pull it once with the"
                        + " Hub reachable (HF_HUB_OFFLINE unset).");
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void anUncachedRevisionNamesItsMissingRef() {
        assertThatThrownBy(() -> offline().snapshot(REPO, "v2", p -> true))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.OFFLINE))
                .hasMessage(REPO + " at revision 'v2' is not in the cache " + cache + " (no models--sdembed-test--tiny-bge"
                        + "/refs/v2) and offline mode is on (HF_HUB_OFFLINE=1 or offline(true)). Pull it once with the"
                        + " Hub reachable (HF_HUB_OFFLINE unset).");
    }

    @Test
    void aFileDeletedFromTheCacheIsMissingEvenThoughItsLinkRemains() throws IOException {
        Path blob = repoDir.resolve("snapshots").resolve(commit).resolve("config.json")
                .toRealPath();
        Files.delete(blob);
        assertThatThrownBy(() -> offline().snapshot(REPO, "main", p -> p.endsWith(".json")))
                .isInstanceOf(HubException.class)
                .hasMessageContaining("lacks 1 wanted file(s)")
                .hasMessageContaining(": config.json (");
    }
}
