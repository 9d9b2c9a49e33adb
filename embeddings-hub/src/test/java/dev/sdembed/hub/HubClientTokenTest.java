package dev.sdembed.hub;

import static dev.sdembed.hub.HubFixtures.REPO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.hub.HubException.Reason;
import dev.sdembed.testing.RecordedRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A repository that needs a token: refused with what to do without one; with one, the token reaches the Hub host and
 * no other, and appears in no log line (slf4j-simple writes every level to target/hub-test.log) and no message.
 */
class HubClientTokenTest extends EmulatedHubTest {
    /** Unique to this run, so finding it anywhere in the log can only mean a leak from this test. */
    private final String token = "hf_" + UUID.randomUUID().toString().replace("-", "");
    private static final Path LOG = Path.of("target/hub-test.log");

    @BeforeEach
    void requireToken() {
        restartHub(b -> b.requireToken(token));
    }

    @Test
    void withoutATokenTheMessageSaysToSetHfToken() {
        assertThatThrownBy(() -> client().build().snapshot(REPO, "main", p -> true))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHORIZED))
                .hasMessageContaining(REPO + " is gated (HTTP 401 GatedRepo")
                .hasMessageContaining("no token was sent. Accept its conditions on " + hub.endpoint() + "/" + REPO
                        + ", then set HF_TOKEN to a read token of that account");
        assertThat(hub.requests()).hasSize(1).noneMatch(RecordedRequest::hasAuthorization);
    }

    @Test
    void theTokenReachesTheHubHostOnlyAndNoLogLine() throws IOException {
        HubClient client = client().token(token).build();
        HubSnapshot snapshot = client.snapshot(REPO, "main", p -> true);
        assertThat(snapshot.files()).hasSize(HubFixtures.FILES.size());

        assertThat(hub.requests(r -> !r.isCdn())).isNotEmpty()
                .allMatch(r -> r.header("Authorization").orElse("").equals("Bearer " + token));
        // The LFS files came from the CDN host, which never saw an Authorization header.
        assertThat(hub.requests(RecordedRequest::isCdn)).hasSize(2).noneMatch(RecordedRequest::hasAuthorization);
        assertThat(hub.requests(RecordedRequest::isCdn)).allMatch(r -> r.host().equals(hub.cdnEndpoint().getHost()));
        assertThat(hub.cdnEndpoint().getAuthority()).isNotEqualTo(hub.endpoint().getAuthority());

        assertThat(client.toString()).doesNotContain(token).contains("token=***");
        String log = Files.readString(LOG);
        // The requests are logged (TRACE), with the header masked; the CDN's signature is not logged either.
        assertThat(log).contains("Authorization: Bearer ***").doesNotContain(token).doesNotContain("X-Amz-Signature");
    }

    @Test
    void aWrongTokenIsRefusedWithoutShowingIt() throws IOException {
        String wrong = "hf_wrong" + UUID.randomUUID().toString().replace("-", "");
        assertThatThrownBy(() -> client().token(wrong).build().snapshot(REPO, "main", p -> true))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHORIZED))
                .hasMessageContaining("refused the token for " + REPO + " at revision 'main' (HTTP 401: Invalid"
                        + " credentials in Authorization header). Set HF_TOKEN to a valid read token")
                .message().doesNotContain(wrong);
        assertThat(Files.readString(LOG)).doesNotContain(wrong);
    }

    @Test
    void theTokenFileOfHfAuthLoginIsUsed() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("hf-home"));
        Files.writeString(home.resolve("token"), token + "\n");
        HubClient client = HubClient.builder().environment(Map.of("HF_HOME", home.toString(),
                "HF_ENDPOINT", hub.endpoint().toString())::get).build();
        assertThat(client.hasToken()).isTrue();
        assertThat(client.cacheDir()).isEqualTo(home.resolve("hub"));
        HubSnapshot snapshot = client.snapshot(REPO, "main", "config.json"::equals);
        assertThat(snapshot.file("config.json").localPath()).startsWith(home.resolve("hub"));
        assertThat(hub.requests()).allMatch(r -> r.header("Authorization").orElse("").equals("Bearer " + token));
    }
}
