package dev.sdembed.metadata;

import static dev.sdembed.metadata.ComfyGraphs.graph;
import static dev.sdembed.metadata.ComfyGraphs.link;
import static dev.sdembed.metadata.TestImages.concat;
import static dev.sdembed.metadata.TestImages.latin1;
import static dev.sdembed.metadata.TestImages.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.MetadataReadException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged and malicious files: each gives either a clear per-file {@link MetadataReadException} or a partial
 * record with warnings, and never hangs (the timeout is a safety net, not a performance measure) or exhausts
 * memory (oversized data is skipped unread or refused before allocation).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileInputTest {
    private final MetadataReader reader = MetadataReaders.standard();

    @TempDir
    Path dir;

    // ---- malformed JSON -----------------------------------------------------------------------------------------

    @Test
    void limitsOutsideTheirRangeAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> MetadataReaders.builder().maxTextBytes(1023))
                .isInstanceOf(InvalidInputException.class).hasMessage("maxTextBytes is 1023; expected at least 1024");
        assertThatThrownBy(() -> MetadataReaders.builder().maxJsonDepth(7))
                .isInstanceOf(InvalidInputException.class).hasMessage("maxJsonDepth is 7; expected 8 to 10000");
        assertThatThrownBy(() -> MetadataReaders.builder().maxJsonDepth(10_001))
                .hasMessage("maxJsonDepth is 10001; expected 8 to 10000");
    }

    @Test
    void malformedComfyUiGraphGivesAPartialComfyUiRecord() {
        GenerationMetadata m = reader.read(png()
                .text("prompt", "{\"3\": {\"class_type\": \"KSampler\", \"inputs\": {\"seed\": 1, ")
                .text("workflow", "{\"nodes\": []}").write(dir.resolve("bad.png")));
        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        assertThat(m.prompt()).isNull();
        assertThat(m.warnings()).anySatisfy(w -> assertThat(w)
                .startsWith("PNG tEXt chunk 'prompt' is not valid JSON: ").contains("line 1"));
    }

    @Test
    void malformedNovelAiCommentStillGivesTheDescriptionPrompt() {
        GenerationMetadata m = reader.read(png().text("Software", "NovelAI").text("Description", "a fox")
                .text("Comment", "{\"uc\": \"lowres\", \"sampler\": ").write(dir.resolve("nai.png")));
        assertThat(m.generator()).isEqualTo(Generator.NOVELAI);
        assertThat(m.prompt()).isEqualTo("a fox");
        assertThat(m.negativePrompt()).isNull();
        assertThat(m.warnings()).singleElement().asString().contains("'Comment' is not valid JSON");
    }

    @Test
    void malformedJsonParametersThatAreNotA1111TextGiveNoneWithAWarning() {
        GenerationMetadata m = reader.read(png().text("parameters", "{\"prompt\": \"unterminated")
                .write(dir.resolve("json.png")));
        assertThat(m.generator()).isEqualTo(Generator.NONE);
        assertThat(m.warnings()).singleElement().asString().contains("'parameters' is not valid JSON");
    }

    @Test
    void malformedJpegUserCommentJsonGivesNoneWithAWarning() {
        byte[] exif = new TestImages.Exif(ByteOrder.BIG_ENDIAN)
                .userComment(TestImages.Exif.asciiComment("{\"prompt\": {\"3\": ")).bytes();
        GenerationMetadata m = reader.read(TestImages.write(dir.resolve("bad.jpg"), TestImages.jpeg(exif)));
        assertThat(m.generator()).isEqualTo(Generator.NONE);
        assertThat(m.warnings()).singleElement().asString().contains("EXIF UserComment is not valid JSON");
    }

    // ---- WebP RIFF size ----------------------------------------------------------------------------------------

    @Test
    void aWebpWhoseRiffSizeIsTooSmallGivesAWarningInsteadOfASilentNone() {
        byte[] bytes = TestImages.webp(new TestImages.Exif(ByteOrder.BIG_ENDIAN).userComment(TestImages.Exif
                .asciiComment("a cat\nSteps: 20, Sampler: Euler, Seed: 1")).bytes());
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 4);
        GenerationMetadata m = reader.read(TestImages.write(dir.resolve("short-riff.webp"), bytes));
        assertThat(m.warnings()).contains("WebP RIFF header declares 12 bytes but the file has " + bytes.length
                + "; the " + (bytes.length - 12) + " bytes after the declared end were not read");
    }

    @Test
    void aWebpWhoseRiffSizeRunsPastTheEndIsTruncated() {
        byte[] bytes = TestImages.webp(null);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(4, bytes.length);
        Path file = TestImages.write(dir.resolve("long-riff.webp"), bytes);
        assertThatThrownBy(() -> reader.read(file)).isInstanceOf(MetadataReadException.class)
                .hasMessage("Cannot read metadata from " + file + ": not a valid WebP file (truncated: the file has "
                        + bytes.length + " bytes, its RIFF header declares " + (bytes.length + 8) + ")");
    }

    // ---- special files ------------------------------------------------------------------------------------------

    @Test
    void aFifoNamedLikeAnImageIsRefusedAtOnceByEveryReader() throws Exception {
        Path fifo = dir.resolve("x.png");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();

        // Opening a FIFO for reading blocks until a writer comes: each of these would hang without the check.
        assertThatThrownBy(() -> reader.read(fifo)).isInstanceOf(MetadataReadException.class)
                .hasMessage("Cannot read metadata from " + fifo + ": is a FIFO (named pipe), not a regular file;"
                        + " only regular image files are read");
        assertThatThrownBy(() -> dev.sdembed.image.ImageDecoder.builder().build().decode(fifo))
                .isInstanceOf(dev.sdembed.ImageDecodeException.class).hasMessageContaining("is a FIFO (named pipe)");
        assertThatThrownBy(() -> dev.sdembed.hash.ContentHash.ofFile(fifo))
                .isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessage("Cannot hash " + fifo + ": it is a FIFO (named pipe), not a regular"
                        + " file; only regular image files are read");
    }

    @Test
    void aDeviceIsRefusedToo() {
        Path device = Path.of("/dev/zero");
        assertThatThrownBy(() -> reader.read(device)).isInstanceOf(MetadataReadException.class)
                .hasMessageContaining("is a device, not a regular file");
    }

    // ---- deep nesting -------------------------------------------------------------------------------------------

    @Test
    void jsonNestedTenThousandDeepIsRejectedAtTheDepthLimit() {
        String deep = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
        GenerationMetadata m = reader.read(png().text("prompt", deep).text("workflow", "{}")
                .write(dir.resolve("deep.png")));
        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        assertThat(m.warnings()).anySatisfy(w -> assertThat(w).contains("nested deeper than the 100-level limit"));
    }

    @Test
    void aChainOfFiveThousandConditioningNodesStopsAtTheDepthLimitOnASmallStack() throws Exception {
        Path file = png().text("prompt", conditioningChain(5000)).write(dir.resolve("chain.png"));
        GenerationMetadata m = readOnSmallStack(file);
        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        assertThat(m.prompt()).isNull();
        assertThat(m.negativePrompt()).isEqualTo("blurry");
        assertThat(m.seed()).isEqualTo(5L);
        assertThat(m.steps()).isEqualTo(20);
        assertThat(m.warnings()).anySatisfy(w -> assertThat(w).isEqualTo("ComfyUI prompt graph links more than 256"
                + " nodes in a row; the walk stopped there and some fields may be missing"));
    }

    @Test
    void aChainWithinTheDepthLimitStillGivesThePrompt() throws Exception {
        GenerationMetadata m = readOnSmallStack(png().text("prompt", conditioningChain(200))
                .write(dir.resolve("chain200.png")));
        assertThat(m.prompt()).isEqualTo("a castle at night");
        assertThat(m.warnings()).isEmpty();
    }

    /** KSampler 3 whose positive input goes through {@code length} ConditioningSetArea nodes to encoder 6. */
    private static String conditioningChain(int length) {
        ComfyGraphs g = graph().basics("3").encoder("6", "a castle at night").encoder("7", "blurry");
        String previous = "6";
        for (int i = 0; i < length; i++) {
            g.node("c" + i, "ConditioningSetArea", "conditioning", link(previous), "width", 64, "height", 64,
                    "x", 0, "y", 0, "strength", 1.0);
            previous = "c" + i;
        }
        return g.ksampler("3", 5, 20, link(previous), link("7"), link("2")).json();
    }

    /** Reads on a thread with a 256 KB stack, a quarter of a pool thread's default, so depth bugs show here. */
    private GenerationMetadata readOnSmallStack(Path file) throws InterruptedException {
        GenerationMetadata[] result = new GenerationMetadata[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = reader.read(file);
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "small-stack-reader", 256 * 1024);
        t.start();
        t.join();
        assertThat(failure[0]).isNull();
        return result[0];
    }

    @Test
    void deeplyNestedA1111ParameterValuesAreScannedWithoutRecursion() {
        String value = "[".repeat(100_000) + "]".repeat(100_000);
        GenerationMetadata m = reader.read(png().text("parameters",
                "p\nSteps: 20, Sampler: Euler, Deep: " + value + ", Seed: 3").write(dir.resolve("deep.png")));
        assertThat(m.seed()).isEqualTo(3L);
        assertThat(m.parameters().get("Deep")).hasSize(200_000);
    }

    @Test
    void absurdNumbersAreIgnoredWithWarningsInsteadOfBeingExpanded() {
        GenerationMetadata m = reader.read(png().text("parameters", "p\nSteps: 9e99999999, Sampler: Euler, "
                + "Seed: 1e999999999, CFG scale: 1e-999999999, Size: 99999999999x5").write(dir.resolve("n.png")));
        assertThat(m.seed()).isNull();
        assertThat(m.steps()).isNull();
        assertThat(m.cfg()).isNull();
        assertThat(m.width()).isNull();
        assertThat(m.warnings()).hasSize(4);
        GenerationMetadata swarm = reader.read(png().text("parameters", "{\"sui_image_params\": {\"prompt\": "
                + "\"p\", \"seed\": 1e400, \"steps\": 123456789012345678901234567890}}").write(dir.resolve("s.png")));
        assertThat(swarm.seed()).isNull();
        assertThat(swarm.steps()).isNull();
        assertThat(swarm.warnings()).anySatisfy(w -> assertThat(w).contains("seed").contains("not a finite number"))
                .anySatisfy(w -> assertThat(w).contains("steps").contains("int range"));
    }

    @Test
    void parameterLineOfMillionsOfSegmentsIsParsedInLinearTime() {
        String text = "p\n" + "a,".repeat(4_000_000) + "Steps: 1, Sampler: x, Seed: 2";
        GenerationMetadata m = reader.read(png().text("parameters", text).write(dir.resolve("long.png")));
        assertThat(m.steps()).isEqualTo(1);
        assertThat(m.seed()).isEqualTo(2L);
    }

    // ---- huge chunks --------------------------------------------------------------------------------------------

    @Test
    void fiftyMegabyteTextChunkIsSkippedUnreadAndTheRestIsRead() {
        byte[] huge = new byte[50 * 1024 * 1024];
        Arrays.fill(huge, (byte) 'a');
        Path file = png().textBytes("workflow", huge).text("parameters", "a cat\nSteps: 20, Sampler: Euler, Seed: 7")
                .write(dir.resolve("huge.png"));
        GenerationMetadata m = reader.read(file);
        assertThat(m.generator()).isEqualTo(Generator.A1111);
        assertThat(m.prompt()).isEqualTo("a cat");
        assertThat(m.warnings()).singleElement().asString()
                .isEqualTo("PNG tEXt chunk at offset 33 is " + (huge.length + "workflow".length() + 1)
                        + " bytes, over the 16777216-byte limit; skipped unread");
    }

    @Test
    void compressedTextThatInflatesBeyondTheLimitIsSkipped() {
        byte[] bomb = new byte[40 * 1024 * 1024];
        Arrays.fill(bomb, (byte) ' ');
        byte[] compressed = TestImages.zlib(bomb);
        assertThat(compressed.length).isLessThan(100_000);
        Path file = png().chunk("zTXt", concat(latin1("parameters"), new byte[] {0, 0}, compressed))
                .itxtBytes("prompt", bomb, true).write(dir.resolve("bomb.png"));
        GenerationMetadata m = reader.read(file);
        assertThat(m.generator()).isEqualTo(Generator.NONE);
        assertThat(m.warnings()).containsExactly(
                "PNG zTXt chunk 'parameters' decompresses to more than 16777216 bytes; skipped",
                "PNG iTXt chunk 'prompt' decompresses to more than 16777216 bytes; skipped");
    }

    @Test
    void oversizedWebpExifChunkIsSkippedUnread() {
        byte[] exif = new byte[20 * 1024 * 1024];
        GenerationMetadata m = reader.read(TestImages.write(dir.resolve("big.webp"), TestImages.webp(exif)));
        assertThat(m.generator()).isEqualTo(Generator.NONE);
        assertThat(m.warnings()).anySatisfy(w -> assertThat(w)
                .contains("WebP metadata block at offset").contains("over the 16777216-byte limit; skipped unread"));
    }

    // ---- invalid UTF-8 ------------------------------------------------------------------------------------------

    @Test
    void invalidUtf8InInternationalTextIsReplacedWithAWarning() {
        byte[] text = concat(latin1("caf"), new byte[] {(byte) 0xc3, 0x28, (byte) 0xff},
                latin1("\nSteps: 20, Sampler: Euler, Seed: 1"));
        GenerationMetadata m = reader.read(png().itxtBytes("parameters", text, false).write(dir.resolve("u.png")));
        assertThat(m.generator()).isEqualTo(Generator.A1111);
        assertThat(m.prompt()).isEqualTo("caf\uFFFD(\uFFFD");
        assertThat(m.warnings()).singleElement().asString()
                .isEqualTo("PNG iTXt chunk 'parameters' is not valid UTF-8; undecodable bytes were replaced with "
                        + "U+FFFD");
    }

    @Test
    void nonUtf8TextChunkIsReadAsLatin1AsThePngSpecificationSays() {
        byte[] text = concat(latin1("caf"), new byte[] {(byte) 0xe9}, latin1("\nSteps: 20, Sampler: Euler, Seed: 1"));
        GenerationMetadata m = reader.read(png().textBytes("parameters", text).write(dir.resolve("l.png")));
        assertThat(m.prompt()).isEqualTo("café");
        assertThat(m.warnings()).isEmpty();
    }

    // ---- truncation and corrupt containers ----------------------------------------------------------------------

    @Test
    void textChunkRunningPastTheEndOfTheFileIsATruncationError() {
        byte[] whole = png().text("parameters", "a".repeat(5000)).bytes();
        Path file = TestImages.write(dir.resolve("cut.png"), Arrays.copyOf(whole, 33 + 100));
        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOf(MetadataReadException.class)
                .hasMessageStartingWith("Cannot read metadata from " + file + ": the file is truncated: ")
                .hasMessageContaining("5011 bytes needed at offset 41");
    }

    @Test
    void chunkDeclaringTwoGigabytesIsRefusedWithoutAllocating() {
        byte[] header = png().bytes();
        byte[] lying = concat(Arrays.copyOf(header, 33),
                ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).put(latin1("tEXt")).array(), latin1("keyword\0x"));
        Path file = TestImages.write(dir.resolve("liar.png"), lying);
        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOf(MetadataReadException.class)
                .hasMessageContaining("truncated")
                .hasMessageContaining(Integer.MAX_VALUE + " bytes needed");
    }

    @Test
    void pngCutInsideTheImageDataIsATruncationError() {
        byte[] whole = png().pixels(new java.awt.image.BufferedImage(64, 64,
                java.awt.image.BufferedImage.TYPE_INT_RGB)).text("parameters", "p").bytes();
        Path file = TestImages.write(dir.resolve("cut.png"), Arrays.copyOf(whole, whole.length - 30));
        assertThatThrownBy(() -> reader.read(file)).isInstanceOf(MetadataReadException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void corruptCompressedTextIsSkippedWithAWarning() {
        byte[] compressed = TestImages.zlib(TestImages.utf8("a prompt\nSteps: 20, Sampler: Euler, Seed: 1"));
        Path file = png().chunk("zTXt", concat(latin1("parameters"), new byte[] {0, 0},
                Arrays.copyOf(compressed, compressed.length / 2))).write(dir.resolve("z.png"));
        GenerationMetadata m = reader.read(file);
        assertThat(m.generator()).isEqualTo(Generator.NONE);
        assertThat(m.warnings()).singleElement().asString()
                .startsWith("PNG zTXt chunk 'parameters' has corrupt compressed text (");
    }

    @Test
    void jpegCutInsideItsExifSegmentIsATruncationError() {
        byte[] exif = new TestImages.Exif(ByteOrder.BIG_ENDIAN)
                .userComment(TestImages.Exif.asciiComment("x".repeat(2000))).bytes();
        byte[] whole = TestImages.jpeg(exif);
        Path file = TestImages.write(dir.resolve("cut.jpg"), Arrays.copyOf(whole, 600));
        assertThatThrownBy(() -> reader.read(file)).isInstanceOf(MetadataReadException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void webpChunkRunningPastTheEndIsAnError() {
        byte[] whole = TestImages.webp(new TestImages.Exif(ByteOrder.BIG_ENDIAN)
                .userComment(TestImages.Exif.asciiComment("y".repeat(500))).bytes());
        Path file = TestImages.write(dir.resolve("cut.webp"), Arrays.copyOf(whole, whole.length - 100));
        assertThatThrownBy(() -> reader.read(file)).isInstanceOf(MetadataReadException.class)
                .hasMessageContaining("not a valid WebP file");
    }

    @Test
    void corruptExifInsideAJpegGivesWarningsNotACrash() {
        byte[] garbage = concat(latin1("MM"), new byte[] {0, 42, 0x7f, 0x7f, 0x7f, 0x7f}, new byte[64]);
        GenerationMetadata m = reader.read(TestImages.write(dir.resolve("exif.jpg"), TestImages.jpeg(garbage)));
        assertThat(m.generator()).isEqualTo(Generator.NONE);
        assertThat(m.warnings()).isNotEmpty().allSatisfy(w -> assertThat(w).startsWith("JPEG EXIF: "));
    }

    // ---- not images ---------------------------------------------------------------------------------------------

    @Test
    void zeroByteFileIsAClearError() throws Exception {
        Path file = Files.createFile(dir.resolve("empty.png"));
        assertThatThrownBy(() -> reader.read(file)).isInstanceOf(MetadataReadException.class)
                .hasMessage("Cannot read metadata from " + file + ": the file is empty (0 bytes); expected a PNG, "
                        + "JPEG or WebP image");
    }

    @Test
    void textFileIsNotAnImage() {
        Path file = TestImages.write(dir.resolve("notes.png"), TestImages.utf8("just some notes\n"));
        assertThatThrownBy(() -> reader.read(file)).isInstanceOf(MetadataReadException.class)
                .hasMessage("Cannot read metadata from " + file + ": not an image: the first bytes match no known "
                        + "image format; expected PNG, JPEG or WebP");
    }

    @Test
    void filesShorterThanAnySignatureAreNotImages() {
        Path png = TestImages.write(dir.resolve("three.png"), new byte[] {(byte) 0x89, 'P', 'N'});
        assertThatThrownBy(() -> reader.read(png)).isInstanceOf(MetadataReadException.class)
                .hasMessageContaining("not an image");
        Path cut = TestImages.write(dir.resolve("cut.png"), java.util.Arrays.copyOf(png().bytes(), 20));
        assertThatThrownBy(() -> reader.read(cut)).isInstanceOf(MetadataReadException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void otherImageFormatsAreNamedAsUnsupported() {
        Path file = TestImages.write(dir.resolve("anim.gif"), latin1("GIF89a\1\0\1\0\0\0\0;"));
        assertThatThrownBy(() -> reader.read(file)).isInstanceOf(MetadataReadException.class)
                .hasMessageContaining("unsupported image format GIF");
    }

    @Test
    void missingFileAndDirectoryAreClearErrors() {
        assertThatThrownBy(() -> reader.read(dir.resolve("nope.png"))).isInstanceOf(MetadataReadException.class)
                .hasMessageEndingWith("nope.png: no such file");
        assertThatThrownBy(() -> reader.read(dir)).isInstanceOf(MetadataReadException.class)
                .hasMessageEndingWith(": is a directory, not an image file");
    }

    // ---- hostile ComfyUI graphs ---------------------------------------------------------------------------------

    @Test
    void graphWithCyclesEverywhereTerminatesWithWarnings() {
        GenerationMetadata m = reader.read(png().text("prompt", graph()
                .node("1", "LoraLoader", "model", link("11"), "clip", link("1", 1))
                .node("11", "ModelSamplingDiscrete", "model", link("1"))
                .node("20", "ConditioningCombine", "conditioning_1", link("21"), "conditioning_2", link("20"))
                .node("21", "ConditioningSetArea", "conditioning", link("20"))
                .node("30", "CR Seed", "seed", link("31"))
                .node("31", "PrimitiveInt", "value", link("30"))
                .node("3", "KSampler", "seed", link("30"), "steps", 20, "cfg", 7.0, "sampler_name", "euler",
                        "model", link("1"), "positive", link("20"), "negative", link("21"),
                        "latent_image", link("5"))
                .node("5", "VAEEncode", "pixels", link("8"), "vae", link("1", 2))
                .node("8", "VAEDecode", "samples", link("3"), "vae", link("1", 2))
                .node("9", "SaveImage", "images", link("8")).json()).write(dir.resolve("cycle.png")));
        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        assertThat(m.prompt()).isNull();
        assertThat(m.seed()).isNull();
        assertThat(m.model()).isNull();
        assertThat(m.steps()).isEqualTo(20);
        assertThat(m.warnings()).anySatisfy(w -> assertThat(w).startsWith("ComfyUI prompt graph has a cycle"));
    }

    @Test
    void missingLinksAreReportedAndTheRestIsRead() {
        GenerationMetadata m = reader.read(png().text("prompt", graph().basics("3")
                .encoder("6", "still here")
                .ksampler("3", 4L, 20, link("6"), link("77"), link("2")).json()).write(dir.resolve("missing.png")));
        assertThat(m.prompt()).isEqualTo("still here");
        assertThat(m.negativePrompt()).isNull();
        assertThat(m.seed()).isEqualTo(4L);
        assertThat(m.warnings()).containsExactly("ComfyUI prompt graph links to missing node '77'");
    }

    @Test
    void graphBuiltToExplodePathEnumerationStopsAtTheVisitBudget() {
        ComfyGraphs g = graph().basics("3").encoder("c0", "seed text");
        for (int i = 1; i <= 60; i++) {
            g.node("c" + i, "ConditioningCombine", "conditioning_1", link("c" + (i - 1)),
                    "conditioning_2", link("c" + (i - 1)));
        }
        g.ksampler("3", 1L, 20, link("c60"), link("c60"), link("2"));
        GenerationMetadata m = reader.read(png().text("prompt", g.json()).write(dir.resolve("diamond.png")));
        assertThat(m.generator()).isEqualTo(Generator.COMFYUI);
        assertThat(m.seed()).isEqualTo(1L);
        assertThat(m.warnings()).anySatisfy(w -> assertThat(w).contains("more than 100000 node visits"));
    }

    @Test
    void pngDeclaringBillionsOfPixelsIsNotSearchedForStealthParameters() {
        byte[] bytes = png().bytes();
        ByteBuffer.wrap(bytes, 16, 8).putInt(50_000).putInt(50_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bytes, 12, 17);
        ByteBuffer.wrap(bytes, 29, 4).putInt((int) crc.getValue());
        GenerationMetadata m = reader.read(TestImages.write(dir.resolve("huge.png"), bytes));
        assertThat(m.generator()).isEqualTo(Generator.NONE);
        assertThat(m.warnings()).singleElement().asString()
                .isEqualTo("PNG of 50000x50000 pixels is over the 67108864-pixel limit for the stealth-parameters "
                        + "search; not searched");
    }

    @Test
    void stealthSignatureWithAnImpossibleLengthIsIgnored() {
        Path file = png().pixels(TestImages.stealthAlpha(16, 16, "stealth_pnginfo", new byte[8]))
                .write(dir.resolve("liar.png"));
        // Rewrite the declared length to 2^31-8 bits by building the stream by hand.
        java.awt.image.BufferedImage image = TestImages.stealthAlpha(16, 16, "stealth_pnginfo", new byte[0]);
        int bit = 120;
        for (int i = 0; i < 32; i++, bit++) {
            int x = bit / 16;
            int y = bit % 16;
            int value = i == 0 ? 0 : i < 29 ? 1 : 0;
            image.setRGB(x, y, (image.getRGB(x, y) & 0x00ffffff) | (0xfe | value) << 24);
        }
        png().pixels(image).write(file);
        GenerationMetadata m = reader.read(file);
        assertThat(m.generator()).isEqualTo(Generator.NONE);
        assertThat(m.warnings()).singleElement().asString().contains("impossible length of 2147483640 bits");
    }
}
