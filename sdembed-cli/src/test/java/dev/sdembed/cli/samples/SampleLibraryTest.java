package dev.sdembed.cli.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.InvalidInputException;
import dev.sdembed.cli.samples.SampleLibrary.Kind;
import dev.sdembed.cli.samples.SampleLibrary.Sample;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.Generator;
import dev.sdembed.metadata.MetadataReaders;
import dev.sdembed.testing.TestPaths;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Node;

/** The generated sample library: readable metadata in both front-ends' formats, duplicates, reproducible bytes. */
class SampleLibraryTest {
    private static Path dir;
    private static List<Sample> samples;

    @BeforeAll
    static void generate() throws IOException {
        dir = TestPaths.emptyDir(TestPaths.targetDir("sample-library"));
        samples = SampleLibrary.generate(dir);
    }

    @Test
    void metadataReadersReadBackExactlyWhatWasWritten() {
        assertThat(samples).hasSize(SampleLibrary.DEFAULT_COUNT);
        assertThat(samples).extracting(Sample::generator).contains(Generator.A1111, Generator.COMFYUI);
        for (Sample s : samples) {
            GenerationMetadata m = MetadataReaders.standard().read(s.file());
            assertThat(m.warnings()).as(s.file().toString()).isEmpty();
            assertThat(m.generator()).as(s.file().toString()).isEqualTo(s.generator());
            assertThat(m.prompt()).isEqualTo(s.prompt());
            assertThat(m.negativePrompt()).isEqualTo(s.negativePrompt());
            assertThat(m.seed()).isEqualTo(s.seed());
            assertThat(m.steps()).isEqualTo(s.steps());
            assertThat(m.cfg()).isEqualTo(s.cfg());
            assertThat(m.sampler()).isEqualTo(s.sampler());
            assertThat(m.model()).isEqualTo(s.model());
            assertThat(m.width()).isEqualTo(s.width());
            assertThat(m.height()).isEqualTo(s.height());
        }
    }

    @Test
    void eachFrontEndsChunksAreWhereThatFrontEndPutsThem() throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (Sample s : samples) {
            Map<String, String> texts = pngTexts(s.file());
            if (s.generator() == Generator.A1111) {
                assertThat(texts).containsOnlyKeys("parameters");
                assertThat(texts.get("parameters")).startsWith(s.prompt() + "\nNegative prompt: " + s.negativePrompt()
                        + "\nSteps: " + s.steps() + ", Sampler: ").contains(", Seed: " + s.seed() + ", Size: "
                        + s.width() + "x" + s.height() + ", Model hash: ").endsWith(", Version: v1.10.1");
            } else {
                assertThat(texts).containsOnlyKeys("prompt", "workflow");
                JsonNode prompt = json.readTree(texts.get("prompt"));
                assertThat(prompt.findValuesAsText("class_type")).containsExactlyInAnyOrder("KSampler",
                        "CheckpointLoaderSimple", "EmptyLatentImage", "CLIPTextEncode", "CLIPTextEncode", "VAEDecode",
                        "SaveImage");
                JsonNode workflow = json.readTree(texts.get("workflow"));
                assertThat(workflow.get("nodes")).hasSize(7);
                assertThat(workflow.get("links")).hasSize(9);
            }
        }
    }

    @Test
    void picturesAreRealImagesOfTheStatedSize() throws IOException {
        for (Sample s : samples) {
            BufferedImage image = ImageIO.read(s.file().toFile());
            assertThat(image.getWidth()).isEqualTo(s.width());
            assertThat(image.getHeight()).isEqualTo(s.height());
        }
        long bytes = 0;
        for (Sample s : samples) {
            bytes += Files.size(s.file());
        }
        assertThat(bytes).as("the whole library stays small").isLessThan(3_000_000);
    }

    @Test
    void copiesAreByteIdenticalAndNearDuplicatesOnlySlightlyAltered() throws IOException {
        List<Sample> copies = samples.stream().filter(s -> s.kind() == Kind.COPY).toList();
        List<Sample> near = samples.stream().filter(s -> s.kind() == Kind.NEAR_DUPLICATE).toList();
        assertThat(copies).hasSize(8);
        assertThat(near).hasSize(8);
        for (Sample c : copies) {
            assertThat(c.file().getParent().getFileName().toString()).isEqualTo(SampleLibrary.COPIES_FOLDER);
            assertThat(Files.readAllBytes(c.file())).isEqualTo(Files.readAllBytes(c.duplicateOf()));
        }
        for (Sample n : near) {
            BufferedImage original = ImageIO.read(n.duplicateOf().toFile());
            assertThat(ContentHash.ofFile(n.file())).isNotEqualTo(ContentHash.ofFile(n.duplicateOf()));
            assertThat(meanDifference(ImageIO.read(n.file().toFile()), original)).isBetween(1.0, 20.0);
            Sample otherPicture = samples.stream().filter(s -> s.subject().equals(n.subject())
                    && s.kind() == Kind.ORIGINAL && !s.file().equals(n.duplicateOf())).findFirst().orElseThrow();
            assertThat(meanDifference(ImageIO.read(otherPicture.file().toFile()), original))
                    .as("another picture of the subject differs more than the retouch")
                    .isGreaterThan(meanDifference(ImageIO.read(n.file().toFile()), original));
        }
    }

    @Test
    void severalImagesSharePromptsWithinASubject() {
        long distinct = samples.stream().map(Sample::prompt).distinct().count();
        assertThat(distinct).isEqualTo(24);
        assertThat(samples.stream().filter(s -> s.kind() == Kind.ORIGINAL).map(Sample::prompt).distinct().count())
                .as("originals with a prompt another original has").isLessThan(32);
        for (Sample s : samples) {
            assertThat(s.file().getFileName().toString()).startsWith(s.subject() + "-");
            assertThat(SampleLibrary.subjects()).contains(s.subject());
        }
    }

    @Test
    void generatingAgainRewritesTheSameBytesAndLeavesFilesUntouched() throws IOException {
        Map<Path, String> before = hashes(dir);
        Map<Path, FileTime> times = new LinkedHashMap<>();
        for (Path p : before.keySet()) {
            times.put(p, Files.getLastModifiedTime(p));
        }
        SampleLibrary.generate(dir);
        assertThat(hashes(dir)).isEqualTo(before);
        for (Path p : before.keySet()) {
            assertThat(Files.getLastModifiedTime(p)).isEqualTo(times.get(p));
        }
        Path fresh = TestPaths.emptyDir(TestPaths.targetDir("sample-library-again"));
        SampleLibrary.generate(fresh);
        Map<Path, String> again = new LinkedHashMap<>();
        hashes(fresh).forEach((p, h) -> again.put(dir.resolve(fresh.relativize(p)), h));
        assertThat(again).isEqualTo(before);
    }

    @Test
    void aSmallerCountIsAPrefixOfTheLibrary() throws IOException {
        Path small = TestPaths.emptyDir(TestPaths.targetDir("sample-library-small"));
        List<Sample> first = SampleLibrary.generate(small, 10);
        assertThat(first).hasSize(10);
        for (int i = 0; i < first.size(); i++) {
            assertThat(Files.readAllBytes(first.get(i).file())).isEqualTo(Files.readAllBytes(samples.get(i).file()));
        }
    }

    @Test
    void rejectsABadCountAndAFileAsFolder() throws IOException {
        assertThatThrownBy(() -> SampleLibrary.generate(dir, 0)).isInstanceOf(InvalidInputException.class)
                .hasMessage("Sample count is 0; expected 1 to 1000");
        Path file = Files.writeString(TestPaths.targetDir("sample-library-file").resolve("not-a-folder"), "x");
        assertThatThrownBy(() -> SampleLibrary.generate(file)).isInstanceOf(InvalidInputException.class)
                .hasMessage("Sample folder " + file + " exists and is not a folder");
    }

    private static Map<Path, String> hashes(Path root) throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                out.put(p, ContentHash.ofFile(p).hex());
            }
        }
        return out;
    }

    private static double meanDifference(BufferedImage a, BufferedImage b) {
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    sum += Math.abs((p >> shift & 0xff) - (q >> shift & 0xff));
                }
            }
        }
        return (double) sum / (a.getWidth() * a.getHeight() * 3);
    }

    /** The text chunks as ImageIO's own PNG reader (which checks every CRC) sees them. */
    private static Map<String, String> pngTexts(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("png").next();
            reader.setInput(in);
            IIOMetadata metadata = reader.getImageMetadata(0);
            Node root = metadata.getAsTree("javax_imageio_png_1.0");
            List<Node> entries = new ArrayList<>();
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n.getNodeName().equals("tEXt") || n.getNodeName().equals("iTXt")) {
                    for (Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
                        entries.add(e);
                    }
                }
            }
            for (Node e : entries) {
                String value = e.getAttributes().getNamedItem("value") != null
                        ? e.getAttributes().getNamedItem("value").getNodeValue()
                        : e.getAttributes().getNamedItem("text").getNodeValue();
                out.put(e.getAttributes().getNamedItem("keyword").getNodeValue(), value);
            }
            reader.dispose();
        }
        return out;
    }
}
