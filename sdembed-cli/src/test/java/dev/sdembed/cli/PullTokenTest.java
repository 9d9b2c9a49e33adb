package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.testing.ChildJvm;
import dev.sdembed.testing.ClipTestModels.ImmichGeneration;
import dev.sdembed.testing.HubEmulator;
import dev.sdembed.testing.OnnxModelBuilder.ExternalData;
import dev.sdembed.testing.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sdembed models pull} of a gated repository as a user runs it: a separate process with {@code HF_TOKEN} in its
 * environment and every log line on (--verbose, the Hub client at TRACE). The token goes to the Hub host with every
 * request, never to the CDN the downloads are redirected to, and into no line the process prints and no file it writes.
 */
class PullTokenTest {
    private static final String REPO = "immich-test/gated-ViT-T-8";

    @TempDir
    Path tmp;

    @Test
    void theTokenReachesTheHubOnlyAndNoLogLineOrFile() throws Exception {
        String token = "hf_" + UUID.randomUUID().toString().replace("-", "");
        Path repo = PullFixtures.immichRepo(tmp.resolve("repo"), ImmichGeneration.OPSET_23_UINT8,
                ExternalData.FILE_PER_TENSOR, null);
        Path target = tmp.resolve("models/gated");
        try (HubEmulator hub = HubEmulator.builder().repo(REPO, repo).requireToken(token).start()) {
            Map<String, String> environment = new HashMap<>(PullFixtures.environment(hub, tmp.resolve("hf")));
            environment.put("HF_TOKEN", token);
            try (ChildJvm child = ChildJvm.start(environment,
                    List.of("-Dorg.slf4j.simpleLogger.log.dev.sdembed.hub=trace"), SdembedCommand.class,
                    "models", "pull", "hf:" + REPO + "/visual", "--dir", target.toString(), "--verbose")) {
                int exit = child.awaitExit(Duration.ofMinutes(2));
                String output = child.output();

                assertThat(exit).as(output).isZero();
                assertThat(output).doesNotContain(token)
                        .as("requests are logged, the header masked").contains("Authorization: Bearer ***")
                        .doesNotContain("X-Amz-Signature");
            }
            assertThat(hub.requests(r -> !r.isCdn())).isNotEmpty()
                    .allMatch(r -> r.header("Authorization").orElse("").equals("Bearer " + token));
            assertThat(hub.requests(RecordedRequest::isCdn)).as("the graph came from the CDN").isNotEmpty()
                    .noneMatch(RecordedRequest::hasAuthorization);
        }
        try (var files = Files.walk(tmp.resolve("hf"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString())
                        .doesNotContain(token);
            }
        }
        try (var files = Files.walk(target)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString())
                        .doesNotContain(token);
            }
        }
    }
}
