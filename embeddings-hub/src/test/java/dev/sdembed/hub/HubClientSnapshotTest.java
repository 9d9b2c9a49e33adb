package dev.sdembed.hub;

import static dev.sdembed.hub.HubFixtures.FILES;
import static dev.sdembed.hub.HubFixtures.REPO;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.hub.HubFixtures.RecordingListener;
import dev.sdembed.testing.RecordedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Snapshots against the emulator: one commit, the huggingface_hub cache layout, and reuse of what is cached. */
class HubClientSnapshotTest extends EmulatedHubTest {

    @BeforeEach
    void pagedTree() {
        restartHub(b -> b.treePageSize(2));
    }

    @Test
    void downloadsEveryFileFromOneCommitIntoTheHuggingfaceHubLayout() throws IOException {
        RecordingListener listener = new RecordingListener();
        HubSnapshot snapshot = client().listener(listener).build()
                .snapshot(REPO, "main", p -> true);

        assertThat(snapshot.commit()).isEqualTo(commit);
        assertThat(snapshot.directory()).isEqualTo(repoDir.resolve("snapshots").resolve(commit));
        assertThat(snapshot.files()).extracting(HubFile::path).containsExactlyElementsOf(FILES);
        for (HubFile file : snapshot.files()) {
            byte[] original = Files.readAllBytes(source.resolve(file.path()));
            String blobName = HubFixtures.blobName(source, file.path());
            Path pointer = repoDir.resolve("snapshots").resolve(commit).resolve(file.path());
            assertThat(file.localPath()).isEqualTo(pointer);
            assertThat(Files.mismatch(pointer, source.resolve(file.path()))).as(file.path()).isEqualTo(-1L);
            assertThat(file.size()).isEqualTo(original.length);
            assertThat(file.sha256()).isEqualTo(HubFixtures.sha256(original));
            assertThat(file.fromCache()).isFalse();
            // A relative link to ../../blobs/<etag>, one more ../ per folder of the path, as _create_symlink.
            assertThat(Files.isSymbolicLink(pointer)).as(file.path()).isTrue();
            String up = "../".repeat(file.path().split("/").length + 1);
            assertThat(Files.readSymbolicLink(pointer).toString().replace('\\', '/'))
                    .isEqualTo(up + "blobs/" + blobName);
            assertThat(repoDir.resolve("blobs").resolve(blobName)).isRegularFile();
        }
        assertThat(Files.readString(repoDir.resolve("refs/main"))).isEqualTo(commit);
        assertThat(Files.readString(repoDir.resolve("trees/" + commit + ".json")))
                .contains("\"format_version\" : 1", "\"lfs_sha256\" : \"" + snapshot.file("large.dat").sha256());
        try (Stream<Path> all = Files.walk(cache)) {
            assertThat(all.map(Path::toString)).noneMatch(p -> p.endsWith(".incomplete") || p.endsWith(".tmp"));
        }
        assertThat(cache.resolve("CACHEDIR.TAG")).content().startsWith("Signature: 8a477f597d28d172789f06886806bc55");

        // Every file from the one commit; LFS files from the CDN host, the others from the Hub; the tree in pages.
        List<RecordedRequest> resolves = hub.requests(RecordedRequest::isResolve);
        assertThat(resolves).isNotEmpty().allMatch(r -> r.path().startsWith("/" + REPO + "/resolve/" + commit + "/"));
        assertThat(hub.requests(RecordedRequest::isCdn)).extracting(RecordedRequest::path).containsExactlyInAnyOrder(
                "/lfs/" + snapshot.file("large.dat").sha256(), "/lfs/" + snapshot.file("onnx/model.onnx").sha256());
        assertThat(hub.requests(RecordedRequest::isCdn)).allMatch(r -> r.host().equals(hub.cdnEndpoint().getHost()));
        assertThat(hub.requests(r -> r.path().contains("/tree/"))).hasSizeGreaterThan(2);

        assertThat(listener.events).first().isEqualTo("snapshot " + REPO + " " + commit + " 5 "
                + snapshot.totalBytes());
        assertThat(listener.events).contains("start large.dat 1500000", "done large.dat 1500000");
        assertThat(listener.progress).anyMatch(p -> p[0] == 1_500_000 && p[1] == 1_500_000);
    }

    @Test
    void gitBlobIdIsWhatGitComputes() throws Exception {
        Path file = source.resolve("config.json");
        Process git = new ProcessBuilder("git", "hash-object", file.toString()).redirectErrorStream(true).start();
        String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        org.junit.jupiter.api.Assumptions.assumeTrue(git.waitFor() == 0, "git is not usable here: " + out);
        assertThat(HubFixtures.gitBlobId(Files.readAllBytes(file))).isEqualTo(out);
        HubSnapshot snapshot = client().build().snapshot(REPO, "main", "config.json"::equals);
        assertThat(Files.readSymbolicLink(snapshot.file("config.json").localPath()).getFileName().toString())
                .isEqualTo(out);
    }

    @Test
    void aSecondSnapshotComesFromTheCacheAndOfflineNeedsNoRequestAtAll() {
        HubClient client = client().build();
        HubSnapshot first = client.snapshot(REPO, "main", p -> true);
        hub.clearRequests();

        RecordingListener listener = new RecordingListener();
        HubSnapshot second = client.toBuilder().listener(listener).build().snapshot(REPO, "main", p -> true);
        assertThat(second.files()).allMatch(HubFile::fromCache);
        assertThat(second.files()).extracting(HubFile::sha256)
                .containsExactlyElementsOf(first.files().stream().map(HubFile::sha256).toList());
        // Only the revision is asked for: the tree is cached for the commit, every file is in place.
        assertThat(hub.requests()).extracting(RecordedRequest::path)
                .containsExactly("/api/models/" + REPO + "/revision/main");
        assertThat(listener.events).contains("start large.dat 1500000 cached", "done large.dat 1500000 cached");
        assertThat(listener.progress).isEmpty();

        hub.clearRequests();
        HubSnapshot offline = client.toBuilder().offline(true).build().snapshot(REPO, "main", p -> true);
        assertThat(offline.commit()).isEqualTo(first.commit());
        assertThat(offline.files()).allMatch(HubFile::fromCache).hasSize(FILES.size());
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void reusesACacheThatPythonToolsWrote() throws IOException {
        // The layout as huggingface_hub (before its tree cache) leaves it: blobs by etag, relative links, a ref.
        for (String path : FILES) {
            Path blob = repoDir.resolve("blobs").resolve(HubFixtures.blobName(source, path));
            Files.createDirectories(blob.getParent());
            Files.copy(source.resolve(path), blob);
            Path pointer = repoDir.resolve("snapshots").resolve(commit).resolve(path);
            Files.createDirectories(pointer.getParent());
            Files.createSymbolicLink(pointer, pointer.getParent().relativize(blob));
        }
        Files.createDirectories(repoDir.resolve("refs"));
        Files.writeString(repoDir.resolve("refs/main"), commit);

        HubSnapshot offline = client().offline(true).build()
                .snapshot(REPO, "main", p -> p.endsWith(".json") || p.endsWith(".onnx"));
        assertThat(offline.files()).extracting(HubFile::path)
                .containsExactly("config.json", "onnx/model.onnx", "tokenizer.json");
        assertThat(offline.file("onnx/model.onnx").sha256())
                .isEqualTo(HubFixtures.sha256(Files.readAllBytes(source.resolve("onnx/model.onnx"))));
        assertThat(hub.requests()).isEmpty();

        HubSnapshot online = client().build().snapshot(REPO, "main", p -> true);
        assertThat(online.files()).hasSize(FILES.size()).allMatch(HubFile::fromCache);
        assertThat(hub.requests()).noneMatch(r -> r.isResolve() || r.isCdn());
        for (String path : FILES) {
            assertThat(Files.readSymbolicLink(repoDir.resolve("snapshots").resolve(commit).resolve(path)).toString()
                    .replace('\\', '/')).endsWith("blobs/" + HubFixtures.blobName(source, path));
        }
    }

    @Test
    void anotherRevisionDownloadsOnlyTheFilesThatChangedAndLinksTheOthers() throws IOException {
        Path v2 = tmp.resolve("repo-v2");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path f : files.toList()) {
                Path target = v2.resolve(source.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        Files.writeString(v2.resolve("config.json"), "{\"hidden_size\": 16}\n");
        restartHub(b -> b.revision(REPO, "v2", v2));
        HubClient client = client().build();
        client.snapshot(REPO, "main", p -> true);
        hub.clearRequests();

        HubSnapshot second = client.snapshot(REPO, "v2", p -> true);
        assertThat(second.commit()).isEqualTo(hub.commit(REPO, "v2")).isNotEqualTo(hub.commit(REPO, "main"));
        assertThat(second.files()).filteredOn(f -> !f.fromCache()).extracting(HubFile::path)
                .containsExactly("config.json");
        assertThat(hub.requests(RecordedRequest::isResolve)).extracting(RecordedRequest::path)
                .allMatch(p -> p.endsWith("/config.json"));
        assertThat(hub.requests(RecordedRequest::isCdn)).isEmpty();
        assertThat(second.file("config.json").localPath()).content().isEqualTo("{\"hidden_size\": 16}\n");
        Path refs = repoDir.resolve("refs");
        assertThat(refs.resolve("v2")).content().isEqualTo(hub.commit(REPO, "v2"));
        assertThat(refs.resolve("main")).content().isEqualTo(hub.commit(REPO, "main"));

        // By commit: nothing to resolve, no ref written for it.
        hub.clearRequests();
        HubSnapshot byCommit = client.snapshot(REPO, hub.commit(REPO, "v2"), p -> true);
        assertThat(byCommit.fromCache()).isTrue();
        assertThat(hub.requests()).isEmpty();
        try (Stream<Path> refFiles = Files.list(refs)) {
            assertThat(refFiles.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("main", "v2");
        }
    }

    @Test
    void followsARenamedRepositoryOnTheHubHost() {
        restartHub(b -> b.alias("old-org/tiny", REPO));
        HubSnapshot snapshot = client().build().snapshot("old-org/tiny", "main", p -> true);
        assertThat(snapshot.commit()).isEqualTo(commit);
        assertThat(snapshot.directory()).startsWith(cache.resolve("models--old-org--tiny"));
        List<String> paths = new ArrayList<>();
        hub.requests().forEach(r -> paths.add(r.method() + " " + r.path()));
        assertThat(paths).contains("HEAD /old-org/tiny/resolve/" + snapshot.commit() + "/config.json",
                "HEAD /" + REPO + "/resolve/" + snapshot.commit() + "/config.json");
    }

    @Test
    void takesOnlyTheWantedFilesAndSaysWhatTheRepositoryHasWhenNothingMatches() {
        HubClient client = client().build();
        HubSnapshot json = client.snapshot(REPO, "main", p -> p.endsWith(".json"));
        assertThat(json.files()).extracting(HubFile::path).containsExactly("config.json", "tokenizer.json");
        assertThat(hub.requests(RecordedRequest::isCdn)).isEmpty();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.snapshot(REPO, "main", p -> p.endsWith(".pt")))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason())
                        .isEqualTo(HubException.Reason.NOT_FOUND))
                .hasMessageContaining("No file of " + REPO + " at revision 'main'")
                .hasMessageContaining("README.md, config.json, large.dat, onnx/model.onnx, tokenizer.json");
    }
}
