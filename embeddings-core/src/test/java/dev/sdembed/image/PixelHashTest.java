package dev.sdembed.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.testing.TestImageFiles;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PixelHashTest {
    private static final ImageDecoder DECODER = ImageDecoder.defaults();
    private static final Object BILINEAR = RenderingHints.VALUE_INTERPOLATION_BILINEAR;

    @TempDir
    Path temp;

    private PixelHash hash(Path file) {
        return PixelHash.of(DECODER.decode(file));
    }

    @Test
    void reEncodedAndHalfSizeCopiesHashWithinTheDefaultDistance() throws IOException {
        for (long seed = 1; seed <= 6; seed++) {
            Path png = TestImageFiles.picture(temp.resolve("p" + seed + ".png"), 320, 256, seed, "png");
            BufferedImage pixels = ImageIO.read(png.toFile());
            PixelHash original = hash(png);
            List<Path> copies = new ArrayList<>();
            copies.add(TestImageFiles.writeAs(pixels, "png", 0.0f, temp.resolve("p" + seed + "-max-compression.png")));
            copies.add(TestImageFiles.writeAs(pixels, "jpeg", 0.9f, temp.resolve("p" + seed + "-q90.jpg")));
            copies.add(TestImageFiles.writeAs(pixels, "jpeg", 0.6f, temp.resolve("p" + seed + "-q60.jpg")));
            copies.add(TestImageFiles.writeAs(TestImageFiles.halfSize(pixels, BILINEAR), "png", -1, temp.resolve("p" + seed + "-half.png")));
            copies.add(TestImageFiles.writeAs(TestImageFiles.halfSize(pixels, BILINEAR), "jpeg", 0.8f, temp.resolve("p" + seed + "-half.jpg")));
            for (Path copy : copies) {
                assertThat(hash(copy).distance(original)).as(copy.getFileName().toString())
                        .isLessThanOrEqualTo(PixelDuplicateRequest.DEFAULT_MAX_DISTANCE);
            }
        }
    }

    @Test
    void differentPicturesHashFarApart() {
        List<PixelHash> hashes = new ArrayList<>();
        for (long seed = 1; seed <= 30; seed++) {
            hashes.add(hash(TestImageFiles.picture(temp.resolve("d" + seed + ".png"), 128, 128, seed, "png")));
        }
        int closest = 64;
        for (int i = 0; i < hashes.size(); i++) {
            for (int j = i + 1; j < hashes.size(); j++) {
                closest = Math.min(closest, hashes.get(i).distance(hashes.get(j)));
            }
        }
        assertThat(closest).isGreaterThan(2 * PixelDuplicateRequest.DEFAULT_MAX_DISTANCE);
    }

    @Test
    void identicalPixelsHashAlikeWhateverTheirSizeAndFlatOrTinyImagesHashToo() {
        byte[] rgb = new byte[7 * 5 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 37);
        }
        assertThat(PixelHash.of(RgbImage.of(7, 5, rgb))).isEqualTo(PixelHash.of(RgbImage.of(7, 5, rgb.clone())));
        assertThat(PixelHash.of(RgbImage.of(1, 1, new byte[] {1, 2, 3})).bits()).isZero();
        assertThat(PixelHash.of(RgbImage.of(64, 64, new byte[64 * 64 * 3])).bits()).as("flat: nothing above the median")
                .isZero();
    }

    @Test
    void theUnrolledAreaAverageHashesBitForBitAsTheGeneralOne() {
        // Stored hashes must not move between versions: the fast path sums the same terms in the same order.
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 400; i++) {
            int w = 1 + random.nextInt(i < 200 ? 80 : 600);
            int h = 1 + random.nextInt(i < 200 ? 80 : 600);
            byte[] rgb = new byte[w * h * 3];
            if (i % 2 == 0) {
                random.nextBytes(rgb);
            } else {
                for (int k = 0; k < rgb.length; k++) {
                    rgb[k] = (byte) ((k / 3 % w) * 7 + (k / (3 * w)) * 3 + (k % 3) * 50);
                }
            }
            RgbImage image = RgbImage.of(w, h, rgb);
            assertThat(PixelHash.of(image).bits()).as("%d x %d", w, h)
                    .isEqualTo(PixelHash.of(image, false).bits());
        }
    }

    @Test
    void bandsDistanceAndTextSplitTheBitsAsStoresIndexThem() {
        PixelHash h = new PixelHash(0x1234_5678_9abc_def0L);
        assertThat(List.of(h.band(0), h.band(1), h.band(2), h.band(3))).containsExactly(0x1234, 0x5678, 0x9abc, 0xdef0);
        assertThat(h.toString()).isEqualTo("123456789abcdef0");
        assertThat(h.distance(new PixelHash(h.bits() ^ 0b1011))).isEqualTo(3);
        assertThat(PixelHash.similarity(6)).isEqualTo(1 - 6 / 64.0);
        assertThatThrownBy(() -> h.band(4)).isInstanceOf(InvalidInputException.class)
                .hasMessage("Pixel hash band is 4; expected 0 to 3");
    }
}
