package dev.sdembed.hub.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache layout's pieces that the client tests do not reach: the copy fallback, the tree file, bad paths. */
class HubCacheTest {
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final String SHA256 = "a".repeat(64);
    private static final String OID = "b".repeat(40);

    @TempDir
    Path tmp;

    @Test
    void withoutSymbolicLinksANewBlobMovesToThePointerAndAnExistingOneIsCopied() throws IOException {
        HubCache cache = HubCache.withoutSymlinks(tmp);
        Path blob = Files.createDirectories(cache.blob("org/m", SHA256).getParent()).resolve(SHA256);
        Files.writeString(blob, "weights");
        Path first = cache.pointer("org/m", COMMIT, "onnx/model.onnx");
        cache.link(blob, first, true);
        assertThat(first).isRegularFile().hasContent("weights");
        assertThat(Files.isSymbolicLink(first)).isFalse();
        assertThat(blob).doesNotExist();

        Files.writeString(blob, "shared");
        Path second = cache.pointer("org/m", COMMIT, "model.onnx");
        cache.link(blob, second, false);
        assertThat(second).hasContent("shared");
        assertThat(blob).exists();
    }

    @Test
    void aLinkReplacesAStalePointer() throws IOException {
        HubCache cache = new HubCache(tmp);
        Path blob = Files.createDirectories(cache.blob("org/m", OID).getParent()).resolve(OID);
        Files.writeString(blob, "new");
        Path pointer = cache.pointer("org/m", COMMIT, "config.json");
        Files.createDirectories(pointer.getParent());
        Files.createSymbolicLink(pointer, Path.of("../../blobs/gone"));
        cache.link(blob, pointer, true);
        assertThat(Files.readSymbolicLink(pointer)).isEqualTo(Path.of("../../blobs/" + OID));
        assertThat(pointer).hasContent("new");
    }

    @Test
    void theTreeListingRoundTripsInHuggingfaceHubsFormat() throws IOException {
        HubCache cache = new HubCache(tmp);
        List<RepoEntry> entries = List.of(new RepoEntry("onnx/model.onnx", 300, OID, SHA256, null),
                new RepoEntry("config.json", 20, OID, null, null));
        cache.writeTree("org/m", COMMIT, entries);
        Path file = tmp.resolve("models--org--m/trees/" + COMMIT + ".json");
        assertThat(Files.readString(file)).contains("\"format_version\" : 1", "\"blob_id\" : \"" + OID + "\"",
                "\"lfs_sha256\" : \"" + SHA256 + "\"", "\"lfs_size\" : 300");
        assertThat(cache.readTree("org/m", COMMIT)).contains(List.of(entries.get(1), entries.get(0)));

        Files.writeString(file, "{\"format_version\": 2, \"files\": {}}");
        assertThat(cache.readTree("org/m", COMMIT)).as("a newer format is ignored").isEmpty();
        Files.writeString(file, "{\"format_version\": 1, \"files\": {\"../x\": {\"size\": 1, \"blob_id\": \""
                + OID + "\"}}}");
        assertThat(cache.readTree("org/m", COMMIT)).as("a path leaving the snapshot is ignored").isEmpty();
    }

    @Test
    void refsHoldTheCommitWithoutALineBreakAndNestForPullRequests() throws IOException {
        HubCache cache = new HubCache(tmp);
        cache.writeRef("org/m", "refs/pr/1", COMMIT);
        assertThat(tmp.resolve("models--org--m/refs/refs/pr/1")).hasContent(COMMIT);
        assertThat(Files.size(tmp.resolve("models--org--m/refs/refs/pr/1"))).isEqualTo(40);
        assertThat(cache.readRef("org/m", "refs/pr/1")).contains(COMMIT);
        cache.writeRef("org/m", COMMIT, COMMIT);
        assertThat(tmp.resolve("models--org--m/refs/" + COMMIT)).doesNotExist();
    }

    @Test
    void refusesPathsThatLeaveTheSnapshot() {
        HubCache cache = new HubCache(tmp);
        for (String bad : new String[] {"../x", "/etc/passwd", "a/../../x", "a\\b", "", "a//b", "C:/x"}) {
            assertThatThrownBy(() -> cache.pointer("org/m", COMMIT, bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("not a relative file path inside a repository: '" + bad + "'");
        }
        assertThatThrownBy(() -> cache.pointer("org/m", "../../etc", "x"))
                .hasMessageStartingWith("not a commit");
    }

    @Test
    void aPathIsQuotedAsHuggingfaceHubQuotesIt() {
        assertThat(HubHttp.quote("onnx/model weights+1.onnx", true)).isEqualTo("onnx/model%20weights%2B1.onnx");
        assertThat(HubHttp.quote("refs/pr/1", false)).isEqualTo("refs%2Fpr%2F1");
        assertThat(HubHttp.quote("é", true)).isEqualTo("%C3%A9");
    }
}
