package dev.sdembed.cli;

import dev.sdembed.testing.SdTestImages;
import static dev.sdembed.cli.IndexFixtures.IMAGE_SLOT;
import static dev.sdembed.cli.IndexFixtures.TEXT_SLOT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.testing.TestImageFiles;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.StoredImage;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** sdembed index on a real PostgreSQL with the real bge-small and a tiny CLIP vision model. */
class IndexCommandTest {
    private static Path visionDir;

    @BeforeAll
    static void models() {
        visionDir = IndexFixtures.vision("index-vision", 7);
    }

    private static Path fresh(String name) throws IOException {
        return TestPaths.emptyDir(TestPaths.targetDir("index-libraries/" + name));
    }

    /** 30 A1111 and ComfyUI images over 6 prompts and 2 negatives, in two folders, plus two byte-identical copies. */
    private static Path generatedLibrary(String name) throws IOException {
        Path root = fresh(name);
        String[] prompts = {"a red fox in the snow, highly detailed", "portrait of an astronaut, oil painting",
                "a castle on a hill at sunset", "cyberpunk street at night, neon", "a bowl of fruit, still life",
                "mountain lake, morning mist"};
        String[] negatives = {"blurry, lowres", "watermark, text"};
        for (int i = 0; i < 30; i++) {
            Path file = root.resolve(i % 2 == 0 ? "a1111" : "comfy").resolve("img-" + i + ".png");
            if (i % 2 == 0) {
                SdTestImages.a1111(file, 32, i, prompts[i % prompts.length], negatives[i % 2 == 0 ? 0 : 1]);
            } else {
                SdTestImages.comfy(file, 32, i, prompts[i % prompts.length], negatives[1]);
            }
        }
        Files.copy(root.resolve("a1111/img-0.png"), root.resolve("copy-of-0.png"));
        Files.copy(root.resolve("comfy/img-1.png"), root.resolve("comfy/copy-of-1.png"));
        return root;
    }

    @Test
    void indexesAGeneratedLibraryOnceAndTheSecondRunEmbedsNothing() throws IOException {
        Path library = generatedLibrary("twice");
        Path config = IndexFixtures.config("twice", visionDir, null);
        String schema = IndexFixtures.newSchema("index_twice");

        CliRun first = IndexFixtures.index(config, schema, library, "--batch-size", "8");
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        JsonNode s1 = IndexFixtures.summary(first);
        assertThat(s1.get("files").asLong()).isEqualTo(32);
        assertThat(s1.get("indexed").asLong()).isEqualTo(32);
        assertThat(s1.get("failed").asLong()).isZero();
        assertThat(s1.get("slots").get(TEXT_SLOT).get("computed").asLong()).as("6 prompts + 2 negatives").isEqualTo(8);
        assertThat(s1.get("slots").get(IMAGE_SLOT).get("computed").asLong()).as("two files are copies").isEqualTo(30);
        assertThat(s1.get("imagesEmbedded").asLong()).isEqualTo(30);
        assertThat(s1.get("uniqueTexts").asLong()).isEqualTo(8);
        // 32 images reference 64 texts (8 stored) and 32 image contents (30 stored).
        assertThat(s1.get("slots").get(TEXT_SLOT).get("cacheHits").asLong()).isEqualTo(64 - 8);

        CliRun second = IndexFixtures.index(config, schema, library);
        assertThat(second.exitCode()).as(second.err()).isZero();
        JsonNode s2 = IndexFixtures.summary(second);
        assertThat(s2.get("indexed").asLong()).isZero();
        assertThat(s2.get("skipped").asLong()).isEqualTo(32);
        assertThat(s2.get("slots").get(TEXT_SLOT).get("computed").asLong()).isZero();
        assertThat(s2.get("slots").get(IMAGE_SLOT).get("computed").asLong()).isZero();
        assertThat(s2.get("slots").get(IMAGE_SLOT).get("encoderCalls").asLong()).isZero();

        try (IndexFixtures.Opened o = IndexFixtures.open(config, schema)) {
            assertThat(o.store().checkInvariants().isConsistent()).as(o.store().checkInvariants().toString()).isTrue();
            StoreStats stats = o.store().stats();
            assertThat(stats.images()).isEqualTo(32);
            assertThat(stats.imageContents()).isEqualTo(30);
            assertThat(stats.textContents()).isEqualTo(8);
            long textBytes = stats.slot(TEXT_SLOT).bytesPerVector();
            long imageBytes = stats.slot(IMAGE_SLOT).bytesPerVector();
            assertThat(textBytes).isGreaterThanOrEqualTo(384 * 4);
            assertThat(s1.get("vectorBytesStored").asLong()).isEqualTo(8 * textBytes + 30 * imageBytes);
            assertThat(s1.get("vectorBytesWithoutDedup").asLong()).isEqualTo(64 * textBytes + 32 * imageBytes);
            StoredImage comfy = o.store().findImages(List.of(library.resolve("comfy/img-3.png").toString()))
                    .values().iterator().next();
            assertThat(comfy.record().generator()).isEqualTo("comfyui");
            assertThat(comfy.record().promptHash()).isEqualTo(ContentHash.ofText("cyberpunk street at night, neon"));
            assertThat(comfy.record().negativeHash()).isEqualTo(ContentHash.ofText("watermark, text"));
            assertThat(comfy.record().imageHash()).isEqualTo(ContentHash.ofFile(library.resolve("comfy/img-3.png")));
            assertThat(comfy.record().width()).isEqualTo(32);
        }
    }

    @Test
    void indexesTheSharedFixtureImagesTwiceTheSecondRunEmbeddingNothing() throws IOException {
        Path fixtures = TestPaths.sharedFixture("sd-metadata");
        List<Path> all;
        try (var files = Files.list(fixtures)) {
            all = files.filter(f -> f.getFileName().toString().matches("(?i).*\\.(png|jpe?g|webp)")).toList();
        }
        long images = all.size();
        // The fixtures include deliberately empty files: those fail, the rest must all index.
        long empty = all.stream().filter(f -> f.toFile().length() == 0).count();
        Path config = IndexFixtures.config("fixtures", visionDir, null);
        String schema = IndexFixtures.newSchema("index_fixtures");

        CliRun first = IndexFixtures.index(config, schema, fixtures);
        assertThat(first.exitCode()).as(first.out() + first.err())
                .isEqualTo(empty == 0 ? ExitCodes.OK : ExitCodes.COMPLETED_WITH_FAILURES);
        JsonNode s1 = IndexFixtures.summary(first);
        assertThat(s1.get("indexed").asLong()).isEqualTo(images - empty);
        assertThat(s1.get("failed").asLong()).isEqualTo(empty);
        assertThat(s1.get("slots").get(IMAGE_SLOT).get("computed").asLong()).isPositive();
        assertThat(s1.get("slots").get(TEXT_SLOT).get("computed").asLong()).isPositive();

        JsonNode s2 = IndexFixtures.summary(IndexFixtures.index(config, schema, fixtures));
        assertThat(s2.get("skipped").asLong()).isEqualTo(images);
        assertThat(s2.get("slots").get(TEXT_SLOT).get("computed").asLong()).isZero();
        assertThat(s2.get("slots").get(IMAGE_SLOT).get("computed").asLong()).isZero();
        try (IndexFixtures.Opened o = IndexFixtures.open(config, schema)) {
            assertThat(o.store().checkInvariants().isConsistent()).isTrue();
            assertThat(o.store().stats().slot(TEXT_SLOT).embeddings())
                    .isEqualTo(s1.get("slots").get(TEXT_SLOT).get("computed").asLong());
        }
    }

    /**
     * Issue 17, item 14: the pixels of a file are found undecodable only by the image encoder, after its prompts went
     * to the text encoder. Those prompts were stored with no record referring to them, and the summary said
     * "-99.0 % saved". Only contents an indexed record references are stored now.
     */
    @Test
    void aFileWhosePixelsCannotBeDecodedLeavesNoTextWithoutAReference() throws IOException {
        Path library = fresh("undecodable");
        for (int i = 0; i < 2; i++) {
            SdTestImages.a1111(library.resolve("good-" + i + ".png"), 32, 40 + i, "a harbour at dawn", "lowres");
        }
        Path broken = corruptPixels(SdTestImages.a1111(library.resolve("broken.png"), 32, 49,
                "a prompt only the broken file has", "lowres"));
        Path config = IndexFixtures.config("undecodable", visionDir, null);
        String schema = IndexFixtures.newSchema("index_undecodable");

        CliRun run = IndexFixtures.index(config, schema, library);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        JsonNode failure = Json.MAPPER.readTree(run.outLines().get(0));
        assertThat(failure.get("failed").asText()).isEqualTo(broken.toString());
        assertThat(failure.get("error").asText()).startsWith("Cannot decode image " + broken + ": corrupt PNG data");
        JsonNode summary = IndexFixtures.summary(run);
        assertThat(summary.get("indexed").asLong()).isEqualTo(2);
        assertThat(summary.get("uniqueTexts").asLong()).isEqualTo(2);
        assertThat(summary.get("storageSavedPercent").asDouble()).isBetween(0.0, 100.0);
        try (IndexFixtures.Opened o = IndexFixtures.open(config, schema)) {
            assertThat(o.store().checkInvariants().isConsistent()).isTrue();
            StoreStats stats = o.store().stats();
            assertThat(stats.textContents()).isEqualTo(2);
            assertThat(stats.slot(TEXT_SLOT).embeddings()).isEqualTo(2);
            assertThat(stats.slot(TEXT_SLOT).references()).isEqualTo(4);
            assertThat(o.store().referenceCounts(dev.sdembed.encoder.Modality.TEXT, List.of(
                    ContentHash.ofText("a harbour at dawn"), ContentHash.ofText("lowres"),
                    ContentHash.ofText("a prompt only the broken file has")))).containsOnly(
                    Map.entry(ContentHash.ofText("a harbour at dawn"), 2L), Map.entry(ContentHash.ofText("lowres"), 2L));
            assertThat(stats.imageContents()).isEqualTo(2);
            assertThat(stats.storageSavedPercent()).isBetween(0.0, 100.0);
        }
    }

    /** The PNG with its pixel data (the IDAT chunk) overwritten but its checksum right: headers and text still read. */
    private static Path corruptPixels(Path png) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
        for (int at = 8; at + 12 <= bytes.length; ) {
            int length = b.getInt(at);
            String type = new String(bytes, at + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
            if (type.equals("IDAT")) {
                java.util.Arrays.fill(bytes, at + 8, at + 8 + length, (byte) 0x5a);
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(bytes, at + 4, 4 + length);
                b.putInt(at + 8 + length, (int) crc.getValue());
                return Files.write(png, bytes);
            }
            at += 12 + length;
        }
        throw new IllegalArgumentException(png + " has no IDAT chunk");
    }

    @Test
    void badFilesAreRecordedAsFailedTheGoodOnesIndexedAndTheExitCodeSaysSo() throws IOException {
        Path library = fresh("failures");
        List<Path> good = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            good.add(SdTestImages.a1111(library.resolve("good-" + i + ".png"), 32, 100 + i, "prompt " + i, null));
        }
        Path empty = Files.write(library.resolve("empty.png"), new byte[0]);
        Path garbage = TestImageFiles.garbage(library.resolve("garbage.jpg"), 2000, 3);
        Path truncated = TestImageFiles.truncated(TestImageFiles.pattern(library.resolve("src.bin"), 256, 256, 5, "png"),
                library.resolve("truncated.png"), 0.5);
        Files.delete(library.resolve("src.bin"));
        Path oversized = SdTestImages.a1111(library.resolve("oversized.png"), 120, 9, "huge", null);
        Path config = IndexFixtures.config("failures", visionDir, "{\"maxPixels\": 10000}");
        String schema = IndexFixtures.newSchema("index_failures");

        CliRun run = IndexFixtures.index(config, schema, library);

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
        Map<String, String> failures = new java.util.TreeMap<>();
        for (String line : run.outLines().subList(0, run.outLines().size() - 1)) {
            JsonNode n = Json.MAPPER.readTree(line);
            failures.put(n.get("failed").asText(), n.get("error").asText());
        }
        assertThat(failures).containsOnlyKeys(empty.toString(), garbage.toString(), truncated.toString(),
                oversized.toString());
        assertThat(failures.get(empty.toString())).isEqualTo("Cannot decode image " + empty + ": empty file (0 bytes)");
        assertThat(failures.get(oversized.toString())).contains(oversized.toString()).contains("120x120")
                .contains("maxPixels 10000");
        assertThat(failures.get(truncated.toString())).contains(truncated.toString()).contains("truncated");
        JsonNode summary = IndexFixtures.summary(run);
        assertThat(summary.get("indexed").asLong()).isEqualTo(5);
        assertThat(summary.get("failed").asLong()).isEqualTo(4);

        try (IndexFixtures.Opened o = IndexFixtures.open(config, schema)) {
            Map<String, StoredImage> stored = o.store().findImages(failures.keySet());
            assertThat(stored.values()).allSatisfy(s -> assertThat(s.record().status()).isEqualTo(ImageStatus.FAILED));
            assertThat(stored.get(empty.toString()).record().error()).isEqualTo(failures.get(empty.toString()));
            assertThat(o.store().listImages(ImageStatus.OK, null, 100).stream().map(StoredImage::path)
                    .collect(Collectors.toSet())).containsExactlyInAnyOrderElementsOf(
                            good.stream().map(Path::toString).toList());
        }

        CliRun again = IndexFixtures.index(config, schema, library);
        assertThat(again.exitCode()).as("failed files are not retried by default").isZero();
        assertThat(IndexFixtures.summary(again).get("skipped").asLong()).isEqualTo(9);

        // A repaired (changed) file is indexed on any run; unchanged failed files only with --retry-failed.
        Path repaired = library.resolve("garbage.jpg");
        TestImageFiles.pattern(library.resolve("fixed.jpg"), 40, 40, 1, "jpg");
        Files.move(library.resolve("fixed.jpg"), repaired, StandardCopyOption.REPLACE_EXISTING);
        CliRun retried = IndexFixtures.index(config, schema, library, "--retry-failed");
        JsonNode r = IndexFixtures.summary(retried);
        assertThat(r.get("indexed").asLong()).isEqualTo(1);
        assertThat(r.get("failed").asLong()).as("the other three are tried and fail again").isEqualTo(3);
        assertThat(r.get("skipped").asLong()).isEqualTo(5);
        assertThat(retried.exitCode()).isEqualTo(ExitCodes.COMPLETED_WITH_FAILURES);
    }
}
