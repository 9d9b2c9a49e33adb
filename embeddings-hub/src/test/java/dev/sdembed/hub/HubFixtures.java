package dev.sdembed.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A small model repository on disk and what the tests compute about it themselves. */
final class HubFixtures {
    static final String REPO = "sdembed-test/tiny-bge";
    /** Files of at least this size are LFS in the tests' emulators (large.dat); *.onnx are LFS by name. */
    static final long LFS_THRESHOLD = 1 << 20;
    static final List<String> FILES = List.of("README.md", "config.json", "large.dat", "onnx/model.onnx",
            "tokenizer.json");

    private HubFixtures() {
    }

    /** README, two JSON files, a 1.5 MB file over the LFS threshold and a 300 kB .onnx (LFS by pattern). */
    static Path writeRepo(Path dir, long seed) throws IOException {
        Files.createDirectories(dir.resolve("onnx"));
        Files.writeString(dir.resolve("README.md"), "# tiny-bge\nA test repository (" + seed + ").\n");
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 8, \"seed\": " + seed + "}\n");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"[CLS]\": 0}}}\n");
        Files.write(dir.resolve("large.dat"), random(1_500_000, seed));
        Files.write(dir.resolve("onnx/model.onnx"), random(300_000, seed + 1));
        return dir;
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] bytes) {
        return hex(digest("SHA-256").digest(bytes));
    }

    /** {@code git hash-object}: SHA-1 of "blob <size>\0" and the bytes. */
    static String gitBlobId(byte[] bytes) {
        MessageDigest sha1 = digest("SHA-1");
        sha1.update(("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII));
        return hex(sha1.digest(bytes));
    }

    static boolean lfs(String path, long size) {
        return size >= LFS_THRESHOLD || path.endsWith(".onnx");
    }

    /** The cache's blob name of a file: SHA-256 when LFS, git blob id otherwise. */
    static String blobName(Path source, String path) throws IOException {
        byte[] bytes = Files.readAllBytes(source.resolve(path));
        return lfs(path, bytes.length) ? sha256(bytes) : gitBlobId(bytes);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client on the emulator with an empty environment, fast retries and a short read timeout. */
    static HubClient.Builder client(dev.sdembed.testing.HubEmulator hub, Path cache) {
        return HubClient.builder()
                .environment(Map.<String, String>of()::get)
                .endpoint(hub.endpoint())
                .cacheDir(cache)
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(40))
                .readTimeout(Duration.ofSeconds(5));
    }

    /** Records the listener's calls as lines. */
    static final class RecordingListener implements DownloadListener {
        final List<String> events = new ArrayList<>();
        final List<long[]> progress = new ArrayList<>();

        @Override
        public void snapshotStarted(String repoId, String commit, int files, long totalBytes) {
            events.add("snapshot " + repoId + " " + commit + " " + files + " " + totalBytes);
        }

        @Override
        public void fileStarted(String repoId, String path, long totalBytes, boolean fromCache) {
            events.add("start " + path + " " + totalBytes + (fromCache ? " cached" : ""));
        }

        @Override
        public void fileProgress(String repoId, String path, long bytesSoFar, long totalBytes) {
            progress.add(new long[] {bytesSoFar, totalBytes});
        }

        @Override
        public void fileDone(String repoId, HubFile file) {
            events.add("done " + file.path() + " " + file.size() + (file.fromCache() ? " cached" : ""));
        }
    }
}
