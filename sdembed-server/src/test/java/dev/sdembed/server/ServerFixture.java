package dev.sdembed.server;

import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestImageFiles;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.TestPaths;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A small library whose right answers are known, indexed with the real bge-small and a tiny generated CLIP vision
 * model into either store, as {@code sdembed index} would (through {@link Sdembed#pipeline()}).
 */
final class ServerFixture {
    static final String TEXT_SLOT = "prompt_bge";
    static final String IMAGE_SLOT = "image_clip";
    static final String[] PROMPTS = {"a red fox in the snow, winter forest", "portrait of an astronaut, oil painting",
            "a castle on a hill at sunset", "cyberpunk street at night, neon lights", "a bowl of fruit, still life",
            "a lighthouse on a rocky coast, stormy sea"};
    static final String NEGATIVE = "blurry, lowres, watermark";
    static final String COMFY_NEGATIVE = "ugly, deformed hands, extra fingers";

    private static Path library;
    private static Path config;

    private ServerFixture() {
    }

    /**
     * {@code a/img-0..2.png} (A1111), {@code b/img-3..5.png} (3 and 4 A1111, 5 ComfyUI), {@code b/copy-of-2.png} (a
     * byte copy of img-2) and {@code b/rotated.jpg} (64 x 32 pixels, EXIF orientation 6: stands 32 x 64).
     */
    static synchronized Path library() {
        if (library == null) {
            Path dir = TestPaths.targetDir("server-library");
            for (int i = 0; i < PROMPTS.length; i++) {
                Path file = dir.resolve(i < 3 ? "a" : "b").resolve("img-" + i + ".png");
                if (i == 5) {
                    SdTestImages.comfy(file, 64, 500 + i, PROMPTS[i], COMFY_NEGATIVE);
                } else {
                    SdTestImages.a1111(file, 64, 500 + i, PROMPTS[i], NEGATIVE);
                }
            }
            copy(dir.resolve("a/img-2.png"), dir.resolve("b/copy-of-2.png"));
            rotatedJpeg(dir.resolve("b/rotated.jpg"));
            library = dir;
        }
        return library;
    }

    static Path file(String relative) {
        return library().resolve(relative);
    }

    /** bge-small for prompts and the tiny CLIP vision model for pixels. */
    static synchronized Path config() {
        if (config == null) {
            Path vision = ClipModelDirectories.vision("server-vision", f -> ClipTestModels.hfVisionWithProjection(f,
                    new ClipTestModels.VisionSpec(224, 32, 16, 8, 19)), null, null);
            try {
                config = Files.writeString(TestPaths.targetDir("server-configs").resolve("server.json"),
                        "{\"slots\": {\"" + TEXT_SLOT + "\": {\"model\": \"" + TestModels.bgeSmall() + "\", \"threads\": 2},"
                                + " \"" + IMAGE_SLOT + "\": {\"model\": \"" + vision + "\", \"modality\": \"image\","
                                + " \"threads\": 1, \"decodeThreads\": 1}}}");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return config;
    }

    /**
     * The configuration's slots and the store at {@code store} (schema for PostgreSQL), with the library indexed: the
     * encoders set up for queries as the server's are, the store opened for writing (query opens are read-only and
     * need an existing store) to index the library first.
     */
    static Sdembed indexed(String store, String schema) {
        Sdembed sdembed = Sdembed.builder(SdembedConfig.read(config())).store(store).schema(schema)
                .usage(Sdembed.Usage.SERVING).readOnly(false).open();
        try (BulkEmbeddingPipeline pipeline = sdembed.pipeline().build()) {
            PipelineSummary summary = pipeline.run(List.of(library()));
            if (summary.failed() > 0) {
                throw new IllegalStateException("Indexing the server test library failed: " + summary);
            }
        } catch (RuntimeException e) {
            sdembed.close();
            throw e;
        }
        return sdembed;
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A 64 x 32 JPEG with an EXIF APP1 segment saying orientation 6 (turn 90 degrees clockwise to view). */
    static Path rotatedJpeg(Path file) {
        try {
            byte[] jpeg = Files.readAllBytes(TestImageFiles.pattern(file, 64, 32, 7, "jpg"));
            ByteBuffer tiff = ByteBuffer.allocate(26).order(ByteOrder.LITTLE_ENDIAN);
            tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8); // header, IFD0 at 8
            tiff.putShort((short) 1); // one entry
            tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) 6).putShort((short) 0);
            tiff.putInt(0); // no next IFD
            byte[] exif = new byte[6 + tiff.capacity()];
            System.arraycopy("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, exif, 0, 6);
            System.arraycopy(tiff.array(), 0, exif, 6, tiff.capacity());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(jpeg, 0, 2); // SOI
            out.write(0xFF);
            out.write(0xE1);
            int length = exif.length + 2;
            out.write(length >> 8);
            out.write(length & 0xFF);
            out.write(exif);
            out.write(jpeg, 2, jpeg.length - 2);
            return Files.write(file, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PNG whose header declares {@code side} x {@code side} pixels over a few bytes of data: a decompression bomb. */
    static byte[] bombPng(int side) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(side).putInt(side).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x63, 0, 0, 0, 1, 0, 1});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
