package dev.sdembed.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

/** Small generated PNGs carrying Stable Diffusion metadata (A1111 parameters, ComfyUI graphs), for tests and benchmarks. */
public final class SdTestImages {
    private SdTestImages() {
    }

    /** A seeded pattern PNG with an A1111 {@code parameters} tEXt chunk; {@code negative} may be null. */
    public static Path a1111(Path file, int size, long seed, String prompt, String negative) {
        String parameters = prompt + (negative == null ? "" : "\nNegative prompt: " + negative)
                + "\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: " + seed + ", Size: " + size + "x" + size
                + ", Model: test-model";
        return withText(TestImageFiles.pattern(file, size, size, seed, "png"), "parameters", parameters);
    }

    /** A seeded pattern PNG with a ComfyUI {@code prompt} graph (checkpoint, two text encoders, a KSampler). */
    public static Path comfy(Path file, int size, long seed, String prompt, String negative) {
        String graph = "{\"1\":{\"class_type\":\"CheckpointLoaderSimple\",\"inputs\":{\"ckpt_name\":\"comfy.safetensors\"}},"
                + "\"2\":{\"class_type\":\"CLIPTextEncode\",\"inputs\":{\"text\":" + quote(prompt) + ",\"clip\":[\"1\",1]}},"
                + "\"3\":{\"class_type\":\"CLIPTextEncode\",\"inputs\":{\"text\":" + quote(negative) + ",\"clip\":[\"1\",1]}},"
                + "\"4\":{\"class_type\":\"EmptyLatentImage\",\"inputs\":{\"width\":" + size + ",\"height\":" + size
                + ",\"batch_size\":1}},"
                + "\"5\":{\"class_type\":\"KSampler\",\"inputs\":{\"seed\":" + seed + ",\"steps\":20,\"cfg\":7.0,"
                + "\"sampler_name\":\"euler\",\"scheduler\":\"normal\",\"denoise\":1.0,\"model\":[\"1\",0],"
                + "\"positive\":[\"2\",0],\"negative\":[\"3\",0],\"latent_image\":[\"4\",0]}},"
                + "\"6\":{\"class_type\":\"VAEDecode\",\"inputs\":{\"samples\":[\"5\",0],\"vae\":[\"1\",2]}},"
                + "\"7\":{\"class_type\":\"SaveImage\",\"inputs\":{\"filename_prefix\":\"ComfyUI\",\"images\":[\"6\",0]}}}";
        return withText(TestImageFiles.pattern(file, size, size, seed, "png"), "prompt", graph);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Inserts a tEXt chunk right after IHDR. */
    public static Path withText(Path png, String keyword, String text) {
        try {
            byte[] bytes = Files.readAllBytes(png);
            int afterIhdr = 8 + 8 + 13 + 4;
            ByteArrayOutputStream chunk = new ByteArrayOutputStream();
            byte[] data = (keyword + "\0" + text).getBytes(StandardCharsets.ISO_8859_1);
            byte[] type = "tEXt".getBytes(StandardCharsets.US_ASCII);
            writeInt(chunk, data.length);
            chunk.write(type);
            chunk.write(data);
            CRC32 crc = new CRC32();
            crc.update(type);
            crc.update(data);
            writeInt(chunk, (int) crc.getValue());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(bytes, 0, afterIhdr);
            out.write(chunk.toByteArray());
            out.write(bytes, afterIhdr, bytes.length - afterIhdr);
            return Files.write(png, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }
}
