package dev.sdembed.metadata;

import static dev.sdembed.metadata.TestImages.png;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A1111-style "parameters" text in every container and chunk kind, and the parameter line's hard cases. */
class A1111ParametersTest {
    private static final String PARAMETERS = "masterpiece, 1girl,\nblue sky\n"
            + "Negative prompt: lowres, bad hands\n"
            + "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234567890123, "
            + "Size: 832x1216, Model hash: 45a21ea00a, Model: waiIllustriousSDXL_v160, Version: v1.10.1";

    private final MetadataReader reader = MetadataReaders.standard();

    @TempDir
    Path dir;

    private void assertStandardParameters(GenerationMetadata m) {
        assertThat(m.generator()).isEqualTo(Generator.A1111);
        assertThat(m.prompt()).isEqualTo("masterpiece, 1girl,\nblue sky");
        assertThat(m.negativePrompt()).isEqualTo("lowres, bad hands");
        assertThat(m.steps()).isEqualTo(28);
        assertThat(m.sampler()).isEqualTo("DPM++ 2M");
        assertThat(m.cfg()).isEqualTo(6.5);
        assertThat(m.seed()).isEqualTo(1234567890123L);
        assertThat(m.width()).isEqualTo(832);
        assertThat(m.height()).isEqualTo(1216);
        assertThat(m.modelHash()).isEqualTo("45a21ea00a");
        assertThat(m.model()).isEqualTo("waiIllustriousSDXL_v160");
        assertThat(m.parameters()).containsEntry("Schedule type", "Karras").containsEntry("Version", "v1.10.1");
        assertThat(m.rawText()).isEqualTo(PARAMETERS);
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void readsParametersFromATextChunk() {
        assertStandardParameters(reader.read(png().text("parameters", PARAMETERS).write(dir.resolve("a.png"))));
    }

    @Test
    void readsParametersFromAnInternationalTextChunkPlainAndCompressed() {
        assertStandardParameters(reader.read(png().itxt("parameters", PARAMETERS, false)
                .write(dir.resolve("plain.png"))));
        assertStandardParameters(reader.read(png().itxt("parameters", PARAMETERS, true)
                .write(dir.resolve("compressed.png"))));
    }

    @Test
    void readsParametersFromACompressedTextChunkAfterTheImageData() {
        assertStandardParameters(reader.read(png().afterImageData().ztxt("parameters", PARAMETERS)
                .write(dir.resolve("after-idat.png"))));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"BIG_ENDIAN", "LITTLE_ENDIAN"})
    void readsJpegUserCommentInUnicodeOfEitherByteOrder(String order) {
        ByteOrder byteOrder = order.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        byte[] exif = new TestImages.Exif(byteOrder)
                .userComment(TestImages.Exif.unicodeComment(PARAMETERS, byteOrder)).bytes();
        assertStandardParameters(reader.read(TestImages.write(dir.resolve("a.jpg"), TestImages.jpeg(exif))));
    }

    @Test
    void readsUnicodeUserCommentWrittenBigEndianInsideALittleEndianTiff() {
        // piexif, which A1111 uses, writes UTF-16BE whatever the TIFF byte order.
        byte[] exif = new TestImages.Exif(ByteOrder.LITTLE_ENDIAN)
                .userComment(TestImages.Exif.unicodeComment(PARAMETERS, ByteOrder.BIG_ENDIAN)).bytes();
        assertStandardParameters(reader.read(TestImages.write(dir.resolve("a.jpg"), TestImages.jpeg(exif))));
    }

    @Test
    void readsAsciiUserCommentFromWebp() {
        byte[] exif = new TestImages.Exif(ByteOrder.BIG_ENDIAN)
                .userComment(TestImages.Exif.asciiComment(PARAMETERS)).bytes();
        assertStandardParameters(reader.read(TestImages.write(dir.resolve("a.webp"), TestImages.webp(exif))));
    }

    @Test
    void keepsQuotedValuesWithCommasAndJsonValuesWhole() {
        String text = "a cat\nSteps: 20, Sampler: Euler a, Lora hashes: \"add_detail: 7c6bad76eb54, "
                + "more \\\"quoted\\\": 1\", Civitai resources: [{\"type\":\"lora\",\"weight\":0.5}], "
                + "Hashes: {\"model\": \"45a21ea00a\", \"vae\": \"x\"}, CFG scale: 7, Seed: 5";
        GenerationMetadata m = reader.read(png().text("parameters", text).write(dir.resolve("q.png")));
        assertThat(m.parameters())
                .containsEntry("Lora hashes", "add_detail: 7c6bad76eb54, more \"quoted\": 1")
                .containsEntry("Civitai resources", "[{\"type\":\"lora\",\"weight\":0.5}]")
                .containsEntry("Hashes", "{\"model\": \"45a21ea00a\", \"vae\": \"x\"}");
        assertThat(m.cfg()).isEqualTo(7.0);
        assertThat(m.seed()).isEqualTo(5L);
        assertThat(m.generator()).isEqualTo(Generator.CIVITAI);
    }

    @Test
    void onlyALineStartingWithNegativePromptStartsTheNegativePrompt() {
        String text = "(Negative prompt: style:1.2), portrait\nline two mentions Negative prompt: too\n"
                + "Negative prompt: blurry\nextra negative line\n\n"
                + "Steps: 20, Sampler: Euler, CFG scale: 7";
        GenerationMetadata m = reader.read(png().text("parameters", text).write(dir.resolve("n.png")));
        assertThat(m.prompt()).isEqualTo("(Negative prompt: style:1.2), portrait\nline two mentions Negative "
                + "prompt: too");
        assertThat(m.negativePrompt()).isEqualTo("blurry\nextra negative line");
    }

    @Test
    void leavesNoTrailingNewlineOnPromptsAndKeepsInnerWhitespace() {
        String text = "first line, \nsecond line\n\n\nNegative prompt: bad, \n\nSteps: 20, Sampler: Euler, Seed: 1";
        GenerationMetadata m = reader.read(png().text("parameters", text).write(dir.resolve("t.png")));
        assertThat(m.prompt()).isEqualTo("first line, \nsecond line");
        assertThat(m.negativePrompt()).isEqualTo("bad,");
    }

    @Test
    void aTextWithoutParameterLineIsAllPrompt() {
        GenerationMetadata m = reader.read(png().text("parameters", "just a prompt\nover two lines, Steps: 5")
                .write(dir.resolve("p.png")));
        assertThat(m.generator()).isEqualTo(Generator.A1111);
        assertThat(m.prompt()).isEqualTo("just a prompt\nover two lines, Steps: 5");
        assertThat(m.negativePrompt()).isNull();
        assertThat(m.steps()).isNull();
    }

    @Test
    void keepsSeedsBeyondTwoToTheFiftyThreeExactly() {
        GenerationMetadata m = reader.read(png().text("parameters",
                "p\nSteps: 20, Sampler: Euler, Seed: 9007199254740993").write(dir.resolve("s.png")));
        assertThat(m.seed()).isEqualTo(9007199254740993L);
    }

    @Test
    void keepsSeedsBeyondSixtyFourBitsAsParameterWithAWarning() {
        GenerationMetadata m = reader.read(png().text("parameters",
                "p\nSteps: 20, Sampler: Euler, Seed: 18446744073709551615").write(dir.resolve("s.png")));
        assertThat(m.seed()).isNull();
        assertThat(m.parameters()).containsEntry("seed", "18446744073709551615");
        assertThat(m.warnings()).singleElement().asString().contains("outside the signed 64-bit range");
    }

    @ParameterizedTest(name = "Version: {0} -> {1}")
    @CsvSource({
        "v1.10.1, a1111",
        "classic, forge",
        "neo, forge",
        "f2.0.1v1.10.1-previous-669-gdfdcbab6, forge",
        "f1.0.0v2-v1.10.1RC-latest-2498-g5120e679, reforge",
        "f1.3.0-v1.10.1RC-latest-1038-g19395bf9, reforge",
        "Fooocus v2.5.5, fooocus",
        "ComfyUI, comfyui"})
    void namesTheFrontEndFromTheVersion(String version, String generator) {
        GenerationMetadata m = reader.read(png().text("parameters",
                "p\nSteps: 20, Sampler: Euler, CFG scale: 7, Version: " + version).write(dir.resolve("v.png")));
        assertThat(m.generator().id()).isEqualTo(generator);
    }

    @Test
    void recognisesSdNextByItsAppParameter() {
        GenerationMetadata m = reader.read(png().text("parameters",
                "p\nSteps: 20, Sampler: DDIM, App: SD.Next, Version: 56a8aea").write(dir.resolve("n.png")));
        assertThat(m.generator()).isEqualTo(Generator.SDNEXT);
    }

    @Test
    void readsParametersFromAJpegCommentWhenThereIsNoExif() {
        GenerationMetadata m = reader.read(TestImages.write(dir.resolve("c.jpg"), TestImages.jpeg(null, PARAMETERS)));
        assertThat(m.generator()).isEqualTo(Generator.A1111);
        assertThat(m.prompt()).isEqualTo("masterpiece, 1girl,\nblue sky");
        assertThat(m.seed()).isEqualTo(1234567890123L);
    }
}
