package dev.sdembed.hub;

import static dev.sdembed.hub.HubFixtures.REPO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.hub.HubException.Reason;
import dev.sdembed.testing.RecordedRequest;
import java.net.URI;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * A listing shows what a commit holds without downloading it, so a caller can choose its files, and the snapshot of
 * that listing fetches them from the same commit; offline or unreachable, both come from the cache.
 */
class HubClientListingTest extends EmulatedHubTest {

    @Test
    void listsEveryFileWithItsSizeAndDownloadsNothing() {
        HubListing listing = client().build().listing(REPO, "main");

        assertThat(listing.commit()).isEqualTo(commit);
        assertThat(listing.revision()).isEqualTo("main");
        assertThat(listing.fromCache()).isFalse();
        assertThat(listing.paths()).containsExactlyElementsOf(HubFixtures.FILES);
        assertThat(listing.file("large.dat")).hasValue(new HubListing.Entry("large.dat", 1_500_000));
        assertThat(listing.has("onnx/model.onnx")).isTrue();
        assertThat(listing.has("nope.bin")).isFalse();
        assertThat(hub.requests()).noneMatch(RecordedRequest::isResolve).noneMatch(RecordedRequest::isCdn);
        assertThat(repoDir.resolve("trees").resolve(commit + ".json")).isRegularFile();
        assertThat(repoDir.resolve("refs/main")).as("no file is in place yet").doesNotExist();
    }

    @Test
    void theSnapshotOfAListingFetchesTheWantedFilesFromItsCommitThenWritesTheRef() throws Exception {
        HubClient client = client().build();
        HubListing listing = client.listing(REPO, "main");
        hub.clearRequests();

        HubSnapshot snapshot = client.snapshot(listing, p -> p.startsWith("onnx/") || p.equals("config.json"));

        assertThat(snapshot.commit()).isEqualTo(commit);
        assertThat(snapshot.revision()).isEqualTo("main");
        assertThat(snapshot.files()).extracting(HubFile::path).containsExactly("config.json", "onnx/model.onnx");
        assertThat(hub.requests(RecordedRequest::isResolve)).isNotEmpty()
                .allMatch(r -> r.path().contains("/resolve/" + commit + "/"));
        assertThat(hub.requests(r -> r.path().contains("/revision/"))).as("resolved once, by the listing").isEmpty();
        assertThat(Files.readString(repoDir.resolve("refs/main"))).isEqualTo(commit);
    }

    @Test
    void offlineTheListingAndItsSnapshotComeFromTheCache() {
        client().build().snapshot(REPO, "main", p -> p.endsWith(".json"));
        hub.clearRequests();
        HubClient offline = client().offline(true).build();

        HubListing listing = offline.listing(REPO, "main");

        assertThat(listing.fromCache()).isTrue();
        assertThat(listing.commit()).isEqualTo(commit);
        assertThat(listing.paths()).containsExactlyElementsOf(HubFixtures.FILES);
        assertThat(offline.snapshot(listing, p -> p.endsWith(".json")).files()).hasSize(2);
        assertThatThrownBy(() -> offline.snapshot(listing, p -> p.equals("large.dat")))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.OFFLINE))
                .hasMessageContaining("lacks 1 wanted file(s)").hasMessageContaining("large.dat (1500000 bytes)");
        assertThatThrownBy(() -> offline.listing(REPO, "v2"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.OFFLINE))
                .hasMessageContaining("(no models--sdembed-test--tiny-bge/refs/v2) and offline mode is on");
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void anUnreachableHubFallsBackToTheCachedListing() {
        client().build().snapshot(REPO, "main", p -> p.endsWith(".json"));
        HubClient unreachable = client().endpoint(URI.create("http://127.0.0.1:1")).maxRetries(0).build();

        HubListing listing = unreachable.listing(REPO, "main");

        assertThat(listing.fromCache()).isTrue();
        assertThat(unreachable.snapshot(listing, p -> p.equals("config.json")).fromCache()).isTrue();
        assertThatThrownBy(() -> unreachable.snapshot(listing, p -> p.equals("large.dat")))
                .isInstanceOf(HubException.class)
                .hasMessageContaining("and the Hub cannot be reached: large.dat");
    }
}
