package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.testing.ClipTestModels.ImmichGeneration;
import dev.sdembed.testing.HubEmulator;
import dev.sdembed.testing.OnnxModelBuilder.ExternalData;
import dev.sdembed.testing.RecordedRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull that fails leaves nothing that loads, one that is interrupted resumes, and one offline works from the cache
 * alone: on Immich's vision tower of a small repository (graph through the CDN as an LFS file, its
 * {@code model.onnx.data} from the Hub host).
 */
class PullFaultsTest {
    private static final String REPO = "immich-test/ViT-T-8__tiny";
    private static final String SOURCE = "hf:" + REPO + "/visual";

    @TempDir
    Path tmp;
    private Path repo;
    private Path target;
    private HubEmulator hub;
    private Map<String, String> environment;

    @BeforeEach
    void serve() throws IOException {
        repo = PullFixtures.immichRepo(tmp.resolve("repo"), ImmichGeneration.OPSET_17, ExternalData.ONE_FILE, null);
        target = tmp.resolve("models/tiny-vision");
        hub = HubEmulator.builder().repo(REPO, repo).start();
        environment = PullFixtures.environment(hub, tmp.resolve("hf"));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    @Test
    void aCorruptedFileIsRefusedByNameAndNothingUsableIsLeft() throws IOException {
        hub.corrupt(REPO, "visual/model.onnx.data");

        CliRun run = PullFixtures.pull(environment, SOURCE, "--dir", target.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("visual/model.onnx.data").contains(REPO);
        assertNothingLeft();
        try (Stream<Path> blobs = Files.list(tmp.resolve("hf/hub/models--immich-test--ViT-T-8__tiny/blobs"))) {
            assertThat(blobs.map(b -> b.getFileName().toString()))
                    .as("the bad download was deleted; only checked files stay in the cache")
                    .noneMatch(b -> b.endsWith(".incomplete"))
                    .hasSize(3);
        }
    }

    @Test
    void aDroppedTransferResumesWithARangeRequestAndTheFileIsByteIdentical() throws IOException {
        hub.dropConnectionAfter(REPO, "visual/model.onnx.data", 50_000);
        hub.dropConnectionAfter(REPO, "visual/model.onnx", 400);

        CliRun run = PullFixtures.pull(environment, SOURCE, "--dir", target.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(hub.requests(r -> r.path().endsWith("/visual/model.onnx.data")))
                .anyMatch(r -> r.range().orElse("").equals("bytes=50000-"));
        assertThat(hub.requests(RecordedRequest::isCdn)).as("the graph, through the CDN")
                .anyMatch(r -> r.range().orElse("").equals("bytes=400-"));
        assertThat(Files.mismatch(target.resolve("model.onnx.data"), repo.resolve("visual/model.onnx.data")))
                .isEqualTo(-1);
        assertThat(Files.mismatch(target.resolve("model.onnx"), repo.resolve("visual/model.onnx"))).isEqualTo(-1);
        assertThat(CliRun.of("models", "verify", target.toString()).exitCode()).isZero();
    }

    @Test
    void aModelThatDoesNotLoadIsRefusedWithItsProblemsAndNothingIsWritten() throws IOException {
        Files.writeString(repo.resolve("visual/preprocess_cfg.json"), PullFixtures.CLIP_PREPROCESS_CFG
                .replace("224", "336"));
        hub.close();
        hub = HubEmulator.builder().repo(REPO, repo).start();
        environment = PullFixtures.environment(hub, tmp.resolve("hf"));

        CliRun run = PullFixtures.pull(environment, SOURCE, "--dir", target.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("The pull of hf:" + REPO + "/visual at commit " + hub.commit(REPO, "main")
                + " was refused, nothing was written").contains("[preprocessing]").contains("produces 336 px images");
        assertNothingLeft();
    }

    @Test
    void aFolderThePullDidNotWriteIsNeverReplacedButAPreviousPullIs() throws IOException {
        Files.createDirectories(target);
        Files.writeString(target.resolve("notes.txt"), "mine");
        CliRun refused = PullFixtures.pull(environment, SOURCE, "--dir", target.toString());
        assertThat(refused.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).contains("Cannot pull into " + target + ": the folder exists and was not written by"
                + " sdembed models pull");
        assertThat(target.resolve("notes.txt")).hasContent("mine");

        Files.delete(target.resolve("notes.txt"));
        assertThat(PullFixtures.pull(environment, SOURCE, "--dir", target.toString()).exitCode()).isZero();
        // What a killed pull would have left beside the target: the next pull clears it away.
        Path leftover = Files.createDirectories(target.resolveSibling(".tiny-vision.partial-deadbeef"));
        Files.writeString(leftover.resolve("model.onnx"), "half");
        Files.writeString(target.resolve("from-before.txt"), "the previous pull's");

        CliRun again = PullFixtures.pull(environment, SOURCE, "--dir", target.toString());

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(leftover).doesNotExist();
        assertThat(target.resolve("from-before.txt")).as("the whole directory replaced").doesNotExist();
        assertThat(Files.readString(target.resolve("sdembed.json")))
                .contains("\"commit\" : \"" + hub.commit(REPO, "main") + "\"");
        assertThat(siblings()).containsExactly("tiny-vision");
    }

    @Test
    void offlineAPullWorksFromTheCacheAloneAndAMissingFileIsNamed() throws IOException {
        assertThat(PullFixtures.pull(environment, SOURCE, "--dir", target.toString()).exitCode()).isZero();
        String pulled = Files.readString(target.resolve("sdembed.json"));
        Path again = tmp.resolve("models/again");
        hub.clearRequests();

        CliRun offline = PullFixtures.pull(environment, SOURCE, "--dir", again.toString(), "--offline");

        assertThat(offline.exitCode()).as(offline.err()).isZero();
        assertThat(hub.requests()).isEmpty();
        assertThat(offline.err()).contains("visual/model.onnx (").contains("is in the cache");
        assertThat(Files.readString(again.resolve("sdembed.json")).replaceAll("\"pulled_at\" : \"[^\"]+\"", ""))
                .isEqualTo(pulled.replaceAll("\"pulled_at\" : \"[^\"]+\"", "").replace("tiny-vision", "again"));

        Path blob = tmp.resolve("hf/hub/models--immich-test--ViT-T-8__tiny/snapshots/" + hub.commit(REPO, "main")
                + "/visual/model.onnx.data").toRealPath();
        Files.delete(blob);
        Map<String, String> offlineEnvironment = new HashMap<>(environment);
        offlineEnvironment.put("HF_HUB_OFFLINE", "1");
        Path third = tmp.resolve("models/third");

        CliRun missing = PullFixtures.pull(offlineEnvironment, SOURCE, "--dir", third.toString());

        assertThat(missing.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("lacks 1 wanted file(s) of " + REPO)
                .contains("and offline mode is on (HF_HUB_OFFLINE=1 or offline(true)): visual/model.onnx.data (")
                .contains("Pull it once with the Hub reachable");
        assertThat(third).doesNotExist();
        assertThat(hub.requests()).isEmpty();
    }

    private void assertNothingLeft() throws IOException {
        assertThat(target).doesNotExist();
        assertThat(siblings()).as("no partial folder beside the target").isEmpty();
    }

    private List<String> siblings() throws IOException {
        if (!Files.isDirectory(target.getParent())) {
            return List.of();
        }
        try (Stream<Path> all = Files.list(target.getParent())) {
            return all.map(p -> p.getFileName().toString()).toList();
        }
    }
}
