package dev.sdembed.hub;

import static dev.sdembed.hub.HubFixtures.REPO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.hub.HubException.Reason;
import dev.sdembed.testing.RecordedRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Dropped, stalled, altered and refused transfers: resumed, retried or refused, never left looking complete. */
class HubClientFaultsTest extends EmulatedHubTest {

    private HubSnapshot pull(String path) {
        return client().build().snapshot(REPO, "main", path::equals);
    }

    private List<String> cdnRanges() {
        return hub.requests(RecordedRequest::isCdn).stream().map(r -> r.range().orElse("none")).toList();
    }

    @Test
    void aDroppedTransferResumesWithARangeRequest() throws IOException {
        hub.dropConnectionAfter(REPO, "large.dat", 600_000);
        HubSnapshot snapshot = pull("large.dat");
        assertThat(cdnRanges()).containsExactly("none", "bytes=600000-");
        assertThat(Files.mismatch(snapshot.file("large.dat").localPath(), source.resolve("large.dat"))).isEqualTo(-1);
        assertThat(snapshot.file("large.dat").fromCache()).isFalse();
    }

    @Test
    void aDroppedSmallFileOnTheHubHostResumesToo() throws IOException {
        Files.writeString(source.resolve("config.json"), "{\"padding\": \"" + "x".repeat(50_000) + "\"}\n");
        restartHub(b -> b);
        hub.dropConnectionAfter(REPO, "config.json", 20_000);
        HubSnapshot snapshot = pull("config.json");
        assertThat(hub.requests(r -> r.isResolve() && r.method().equals("GET")))
                .extracting(r -> r.range().orElse("none")).containsExactly("none", "bytes=20000-");
        assertThat(Files.mismatch(snapshot.file("config.json").localPath(), source.resolve("config.json")))
                .isEqualTo(-1);
    }

    @Test
    void aPartialFileAKilledRunLeftResumesWhereItEnded() throws IOException {
        byte[] original = Files.readAllBytes(source.resolve("large.dat"));
        String sha256 = HubFixtures.sha256(original);
        Files.createDirectories(repoDir.resolve("blobs"));
        Files.write(repoDir.resolve("blobs/" + sha256 + ".incomplete"), Arrays.copyOf(original, 1_000_000));

        HubSnapshot snapshot = pull("large.dat");
        assertThat(cdnRanges()).containsExactly("bytes=1000000-");
        assertThat(snapshot.file("large.dat").localPath()).hasBinaryContent(original);
        assertThat(snapshot.file("large.dat").sha256()).isEqualTo(sha256);
        assertThat(repoDir.resolve("blobs/" + sha256 + ".incomplete")).doesNotExist();
    }

    @Test
    void aServerIgnoringTheResumeMakesTheFileStartCleanlyFromZero() throws IOException {
        byte[] original = Files.readAllBytes(source.resolve("large.dat"));
        String sha256 = HubFixtures.sha256(original);
        Files.createDirectories(repoDir.resolve("blobs"));
        // Garbage: only a restart from zero (not an append after it) gives the right file.
        Files.write(repoDir.resolve("blobs/" + sha256 + ".incomplete"), new byte[700_000]);
        hub.ignoreRangeOnce(REPO, "large.dat");

        HubSnapshot snapshot = pull("large.dat");
        assertThat(cdnRanges()).containsExactly("bytes=700000-");
        assertThat(snapshot.file("large.dat").localPath()).hasBinaryContent(original);
    }

    @Test
    void aStalledTransferIsAbandonedAfterTheReadTimeoutAndResumed() throws IOException {
        hub.stallAfter(REPO, "large.dat", 500_000, 3_000);
        HubSnapshot snapshot = client().readTimeout(Duration.ofMillis(400)).build()
                .snapshot(REPO, "main", "large.dat"::equals);
        assertThat(cdnRanges()).hasSize(2).first().isEqualTo("none");
        assertThat(cdnRanges().get(1)).matches("bytes=[1-9][0-9]*-");
        assertThat(Files.mismatch(snapshot.file("large.dat").localPath(), source.resolve("large.dat"))).isEqualTo(-1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"large.dat", "config.json"})
    void aChangedByteIsRefusedAndNothingOfTheFileRemains(String path) throws IOException {
        byte[] original = Files.readAllBytes(source.resolve(path));
        boolean lfs = HubFixtures.lfs(path, original.length);
        byte[] altered = original.clone();
        altered[original.length / 2] ^= (byte) 0xFF;
        hub.corrupt(REPO, path);

        assertThatThrownBy(() -> pull(path))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INTEGRITY))
                .hasMessageContaining("file '" + path + "' of " + REPO + " at revision 'main' (commit " + commit)
                .hasMessageContaining(lfs ? "SHA-256 should be " + HubFixtures.sha256(original)
                        : "git blob id should be " + HubFixtures.gitBlobId(original))
                .hasMessageContaining("but is " + (lfs ? HubFixtures.sha256(altered) : HubFixtures.gitBlobId(altered)))
                .hasMessageContaining("partial download was deleted");
        assertNothingOf(path);
    }

    @ParameterizedTest
    @ValueSource(longs = {1_499_000, 1_600_000})
    void aWrongSizeIsRefusedBeforeItIsDownloaded(long servedSize) throws IOException {
        hub.wrongSize(REPO, "large.dat", servedSize);
        assertThatThrownBy(() -> pull("large.dat"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INTEGRITY))
                .hasMessageContaining("file 'large.dat' of " + REPO)
                .hasMessageContaining("its size should be 1500000 bytes (the Hub's) but is " + servedSize
                        + " bytes (announced by Content-Length)");
        assertNothingOf("large.dat");
    }

    private void assertNothingOf(String path) throws IOException {
        assertThat(repoDir.resolve("snapshots").resolve(commit).resolve(path)).doesNotExist();
        assertThat(repoDir.resolve("refs/main")).doesNotExist();
        try (Stream<Path> blobs = Files.list(repoDir.resolve("blobs"))) {
            assertThat(blobs).isEmpty();
        }
    }

    @Test
    void rateLimitsAreRetriedAfterTheirRetryAfter() {
        hub.rateLimit(2, 1);
        long started = System.nanoTime();
        HubSnapshot snapshot = pull("config.json");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(snapshot.files()).hasSize(1);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1_900));
        // The same request three times: two 429s, then through.
        assertThat(hub.requests()).extracting(RecordedRequest::path).startsWith(
                "/api/models/" + REPO + "/revision/main", "/api/models/" + REPO + "/revision/main",
                "/api/models/" + REPO + "/revision/main", "/api/models/" + REPO + "/tree/" + commit);
    }

    @Test
    void rateLimitsBeyondTheRetriesFailNamingTheStatus() {
        hub.rateLimit(100, -1);
        assertThatThrownBy(() -> client().maxRetries(2).build()
                .snapshot(REPO, "main", p -> true))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NETWORK))
                .hasMessageContaining("GET " + hub.endpoint() + "/api/models/" + REPO + "/revision/main for "
                        + REPO + " at revision 'main' failed 3 time(s), last: HTTP 429");
        assertThat(hub.requests()).hasSize(3);
    }

    @Test
    void aRetryAfterLongerThanFiveMinutesFailsAtOnce() {
        hub.rateLimit(1, 3600);
        assertThatThrownBy(() -> pull("config.json"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NETWORK))
                .hasMessageContaining("asking to retry after 3600 s, longer than 5 minutes: try again later");
        assertThat(hub.requests()).hasSize(1);
    }

    @Test
    void aServerErrorAndADroppedConnectionAreRetried() throws IOException {
        hub.serverError(1);
        hub.dropRequests(1);
        HubSnapshot snapshot = pull("config.json");
        assertThat(snapshot.file("config.json").localPath()).hasSameBinaryContentAs(source.resolve("config.json"));
        assertThat(hub.requests()).extracting(RecordedRequest::path).startsWith(
                "/api/models/" + REPO + "/revision/main", "/api/models/" + REPO + "/revision/main",
                "/api/models/" + REPO + "/revision/main");
    }

    @Test
    void aMissingFileFailsNamingRepositoryFileAndRevision() {
        hub.remove(REPO, "config.json");
        assertThatThrownBy(() -> pull("config.json"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND))
                .hasMessageContaining("The file 'config.json' of " + REPO + " at revision 'main' (commit " + commit
                        + ") does not exist on " + hub.endpoint() + " (HTTP 404 EntryNotFound")
                .hasMessageContaining("Check the file name on " + hub.endpoint() + "/" + REPO + "/tree/" + commit);
        // One HEAD, no retry: a 404 is an answer.
        assertThat(hub.requests(RecordedRequest::isResolve)).hasSize(1);
    }

    @Test
    void aMissingRepositoryOrRevisionFailsAtOnceNamingIt() {
        HubClient client = client().build();
        assertThatThrownBy(() -> client.snapshot("nobody/nothing", "main", p -> true))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND))
                .hasMessage("Repository nobody/nothing was not found on " + hub.endpoint() + " (HTTP 404 RepoNotFound:"
                        + " Repository not found). Check its name; if it is private, set HF_TOKEN to a token that can"
                        + " read it.");
        assertThatThrownBy(() -> client.snapshot(REPO, "v9", p -> true))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND))
                .hasMessageStartingWith("Revision 'v9' of " + REPO + " does not exist on " + hub.endpoint()
                        + " (HTTP 404 RevisionNotFound");
        assertThat(hub.requests()).hasSize(2);
    }

    @Test
    void anUnreachableHubFallsBackToTheCacheAndFailsWhenTheCacheLacksTheFiles() {
        client().build().snapshot(REPO, "main", "config.json"::equals);
        java.net.URI endpoint = hub.endpoint();
        hub.close();
        HubClient unreachable = client().endpoint(endpoint).maxRetries(1).build();

        HubSnapshot cached = unreachable.snapshot(REPO, "main", "config.json"::equals);
        assertThat(cached.fromCache()).isTrue();
        assertThat(cached.commit()).isEqualTo(commit);

        assertThatThrownBy(() -> unreachable.snapshot(REPO, "main", p -> true))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NETWORK);
                    assertThat(e.getSuppressed()).singleElement().extracting(Throwable::getMessage).asString()
                            .contains("the Hub cannot be reached: README.md (", "large.dat (1500000 bytes)");
                })
                .hasMessageContaining("failed 2 time(s)");
    }
}
