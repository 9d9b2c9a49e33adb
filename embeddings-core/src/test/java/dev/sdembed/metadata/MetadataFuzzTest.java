package dev.sdembed.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.ImageDecodeException;
import dev.sdembed.MetadataReadException;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.RgbImage;
import dev.sdembed.testing.TestPaths;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * A mutation fuzzer over the metadata readers, the PNG/JPEG/WebP/EXIF container parsers and the image header
 * checks (jqwik, about a minute in all): valid files of every container and front-end, damaged by bit flips,
 * hostile length fields, truncation, spliced and deleted ranges; random ComfyUI graphs; random A1111 texts.
 * Whatever the input, a read returns a record or throws the per-file exception ({@link MetadataReadException},
 * {@link ImageDecodeException}), within seconds: never another exception, an {@link Error}, or a hang, since in a
 * bulk run any of those would be the run's failure instead of the file's. jqwik prints each property's seed;
 * {@code @Property(seed = "...")} replays a failure, and every crash found is kept as a regular test in
 * {@link HostileInputTest}.
 */
class MetadataFuzzTest {
    private static final MetadataReader READER = MetadataReaders.standard();
    private static final ImageDecoder DECODER = ImageDecoder.builder().maxPixels(1_000_000).build();
    private static final Path DIR = TestPaths.targetDir("metadata-fuzz");
    private static final List<byte[]> SEEDS = seeds();
    /** Reads that take longer than this count as hangs. */
    private static final long TIMEOUT_SECONDS = 10;
    private static final ExecutorService RUNNER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(null, r, "metadata-fuzz", 1024 * 1024);
        t.setDaemon(true);
        return t;
    });

    @AfterContainer
    static void stop() {
        RUNNER.shutdownNow();
    }

    @Property(tries = 100_000)
    void aDamagedFileGivesARecordOrAPerFileError(@ForAll("damagedFiles") byte[] bytes) {
        Path file = write(bytes);
        GenerationMetadata m = within(() -> {
            try {
                return READER.read(file);
            } catch (MetadataReadException e) {
                assertThat(e.getMessage()).startsWith("Cannot read metadata from " + file + ": ");
                return null;
            }
        });
        if (m != null) {
            assertThat(m.generator()).isNotNull();
            assertThat(m.warnings()).doesNotContainNull();
            assertThat(m.width() == null || m.width() > 0).isTrue();
        }
    }

    @Property(tries = 35_000)
    void aDamagedImageDecodesWithinItsPixelLimitOrFailsAsItself(@ForAll("damagedFiles") byte[] bytes) {
        Path file = write(bytes);
        RgbImage image = within(() -> {
            try {
                return DECODER.decode(file);
            } catch (ImageDecodeException e) {
                assertThat(e.getMessage()).contains(file.toString());
                return null;
            }
        });
        if (image != null) {
            assertThat((long) image.width() * image.height()).isBetween(1L, 1_000_000L);
        }
    }

    @Property(tries = 50_000)
    void anyComfyUiGraphIsWalkedToAnEnd(@ForAll("graphs") String graph) {
        Path file = TestImages.png().text("prompt", graph).text("workflow", "{}").write(DIR.resolve("graph.png"));
        GenerationMetadata m = within(() -> READER.read(file));
        assertThat(m.generator()).isIn(Generator.COMFYUI, Generator.CIVITAI);
    }

    @Property(tries = 40_000)
    void anyParametersTextIsParsed(@ForAll("parameterTexts") String text) {
        Path file = TestImages.png().text("parameters", text).write(DIR.resolve("parameters.png"));
        GenerationMetadata m = within(() -> READER.read(file));
        assertThat(m.generator()).isNotNull();
    }

    // ---- inputs --------------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<byte[]> damagedFiles() {
        return Combinators.combine(Arbitraries.integers().between(0, SEEDS.size() - 1), Arbitraries.longs())
                .as((seed, random) -> mutate(SEEDS.get(seed), new Random(random)));
    }

    private static final String[] CLASS_TYPES = {"KSampler", "KSamplerAdvanced", "SamplerCustomAdvanced",
        "CLIPTextEncode", "CLIPTextEncodeSDXL", "ConditioningCombine", "ConditioningSetArea", "ControlNetApplyAdvanced",
        "CheckpointLoaderSimple", "UNETLoader", "LoraLoader", "EmptyLatentImage", "LatentUpscaleBy", "VAEDecode",
        "SaveImage", "PreviewImage", "PrimitiveNode", "StringConcatenate", "Switch any", "BasicGuider", "CFGGuider",
        "RandomNoise", "KSamplerSelect", "BasicScheduler", "ConditioningZeroOut", "TextGenerate", "Unknown Node"};
    private static final String[] INPUTS = {"positive", "negative", "conditioning", "conditioning_1", "text",
        "text_g", "text_l", "clip_l", "t5xxl", "model", "clip", "latent_image", "samples", "images", "seed",
        "noise_seed", "steps", "cfg", "sampler_name", "scheduler", "denoise", "width", "height", "ckpt_name",
        "unet_name", "value", "string_a", "string_b", "delimiter", "on_true", "on_false", "switch", "guider",
        "sampler", "sigmas", "noise", "source", "dimensions"};

    @Provide
    Arbitrary<String> graphs() {
        return Arbitraries.longs().map(seed -> graph(new Random(seed)));
    }

    private static String graph(Random r) {
        if (r.nextInt(1000) == 0) {
            return chain(r);
        }
        int nodes = 1 + r.nextInt(40);
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < nodes; i++) {
            json.append(i == 0 ? "" : ",").append('"').append(id(r, nodes)).append("\":{\"class_type\":\"")
                    .append(CLASS_TYPES[r.nextInt(CLASS_TYPES.length)]).append("\",\"inputs\":{");
            int inputs = r.nextInt(8);
            for (int k = 0; k < inputs; k++) {
                json.append(k == 0 ? "" : ",").append('"').append(INPUTS[r.nextInt(INPUTS.length)]).append("\":")
                        .append(value(r, nodes, 0));
            }
            json.append("}}");
        }
        if (r.nextInt(5) == 0) {
            json.append(",\"extraMetadata\":").append(quote(r.nextBoolean() ? "{\"prompt\":\"p\",\"resources\":"
                    + "[{\"modelVersionId\":" + r.nextInt() + "}]}" : "{not json"));
        }
        return json.append('}').toString();
    }

    /**
     * A sampler whose conditioning passes through up to 6,000 nodes in a row (conditioning, string or model nodes),
     * the shape that once overflowed the stack: recursive walks must stay bounded.
     */
    private static String chain(Random r) {
        int length = 100 + r.nextInt(6000);
        String[][] links = {{"ConditioningSetArea", "conditioning"}, {"StringConcatenate", "string_a"},
            {"LoraLoader", "model"}};
        String[] link = links[r.nextInt(links.length)];
        StringBuilder json = new StringBuilder("{\"0\":{\"class_type\":\"CLIPTextEncode\",\"inputs\":{\"text\":\"p\"}}");
        for (int i = 1; i <= length; i++) {
            json.append(",\"").append(i).append("\":{\"class_type\":\"").append(link[0]).append("\",\"inputs\":{\"")
                    .append(link[1]).append("\":[\"").append(i - 1).append("\",0]}}");
        }
        String tail = "[\"" + length + "\",0]";
        return json.append(",\"s\":{\"class_type\":\"KSampler\",\"inputs\":{\"positive\":").append(tail)
                .append(",\"negative\":").append(tail).append(",\"model\":").append(tail)
                .append(",\"latent_image\":[\"x\",0]}},\"v\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":")
                .append("[\"s\",0]}}}").toString();
    }

    /** Node ids that mostly exist, sometimes do not, and are numbers or strings. */
    private static String id(Random r, int nodes) {
        return r.nextInt(10) == 0 ? "x" + r.nextInt(3) : Integer.toString(r.nextInt(nodes + 2));
    }

    private static String value(Random r, int nodes, int depth) {
        return switch (r.nextInt(depth > 2 ? 5 : 8)) {
            case 0, 1, 2 -> "[\"" + id(r, nodes) + "\"," + r.nextInt(3) + "]";
            case 3 -> quote(r.nextBoolean() ? "a castle, 1girl" : "");
            case 4 -> r.nextBoolean() ? Integer.toString(r.nextInt(2048) - 5) : "1e999";
            case 5 -> r.nextBoolean() ? "true" : "null";
            case 6 -> "[" + value(r, nodes, depth + 1) + "," + value(r, nodes, depth + 1) + "]";
            default -> "{\"content\":" + value(r, nodes, depth + 1) + "}";
        };
    }

    private static final String[] TEXT_PARTS = {"a castle", ", ", "\n", "Negative prompt: ", "Steps: ", "20",
        "Sampler: ", "Euler a", "CFG scale: ", "7.5", "Seed: ", "-1", "Size: ", "512x768", "Model: ", "\"",
        "{", "}", "[", "]", ":", "Hires upscale: 2", "Template: ", "\\", "BREAK", "9e99999", "\u3042", "\r\n",
        "Lora hashes: \"a: 1, b: 2\"", "NaN"};

    @Provide
    Arbitrary<String> parameterTexts() {
        return Arbitraries.of(TEXT_PARTS).list().ofMaxSize(60).map(parts -> String.join("", parts));
    }

    /** One to three of: bit flips, a hostile 32-bit value, truncation, a duplicated or deleted range, noise. */
    static byte[] mutate(byte[] original, Random r) {
        byte[] bytes = original.clone();
        int mutations = 1 + r.nextInt(3);
        for (int m = 0; m < mutations && bytes.length > 0; m++) {
            int at = r.nextInt(bytes.length);
            switch (r.nextInt(6)) {
                case 0 -> {
                    for (int f = 1 + r.nextInt(8); f > 0; f--) {
                        int bit = r.nextInt(bytes.length * 8);
                        bytes[bit / 8] ^= (byte) (1 << (bit % 8));
                    }
                }
                case 1 -> {
                    if (bytes.length < 4) {
                        continue;
                    }
                    int[] hostile = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1, 0xffff, 0x10000, 13, 8};
                    ByteBuffer.wrap(bytes).order(r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN)
                            .putInt(Math.min(at, Math.max(0, bytes.length - 4)), hostile[r.nextInt(hostile.length)]);
                }
                case 2 -> bytes = Arrays.copyOf(bytes, at);
                case 3 -> {
                    int length = Math.min(bytes.length - at, 1 + r.nextInt(512));
                    int into = r.nextInt(bytes.length);
                    bytes = concat(Arrays.copyOf(bytes, into), Arrays.copyOfRange(bytes, at, at + length),
                            Arrays.copyOfRange(bytes, into, bytes.length));
                }
                case 4 -> {
                    int length = Math.min(bytes.length - at, 1 + r.nextInt(256));
                    bytes = concat(Arrays.copyOf(bytes, at), Arrays.copyOfRange(bytes, at + length, bytes.length));
                }
                default -> {
                    byte[] noise = new byte[1 + r.nextInt(64)];
                    r.nextBytes(noise);
                    bytes = concat(Arrays.copyOf(bytes, at), noise, Arrays.copyOfRange(bytes, at, bytes.length));
                }
            }
        }
        return bytes;
    }

    /** Valid files of every container and major front-end, plus the small shared fixtures when present. */
    private static List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>();
        String comfy = ComfyGraphs.graph().basics("3").encoder("6", "a castle at night").encoder("7", "blurry")
                .ksampler("3", 42, 20, ComfyGraphs.link("6"), ComfyGraphs.link("7"), ComfyGraphs.link("2")).json();
        String a1111 = "a castle at night\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, "
                + "Seed: 42, Size: 512x768, Model: sdxl, Lora hashes: \"a: 1\"";
        seeds.add(TestImages.png().text("parameters", a1111).bytes());
        seeds.add(TestImages.png().text("prompt", comfy).text("workflow", "{\"nodes\": []}").bytes());
        seeds.add(TestImages.png().ztxt("parameters", a1111).itxt("prompt", comfy, true).afterImageData()
                .text("Comment", "x").bytes());
        seeds.add(TestImages.png().pixels(new BufferedImage(24, 16, BufferedImage.TYPE_INT_ARGB))
                .text("Software", "NovelAI").text("Description", "1girl")
                .text("Comment", "{\"uc\": \"lowres\", \"sampler\": \"k_euler\", \"steps\": 28}").bytes());
        seeds.add(TestImages.png().pixels(TestImages.stealthAlpha(64, 64, "stealth_pnginfo",
                a1111.getBytes(StandardCharsets.UTF_8))).bytes());
        byte[] exif = new TestImages.Exif(ByteOrder.BIG_ENDIAN)
                .userComment(TestImages.Exif.unicodeComment(a1111, ByteOrder.BIG_ENDIAN))
                .ifd0String(0x010f, "Workflow:{}").bytes();
        seeds.add(TestImages.jpeg(exif, "a comment"));
        seeds.add(TestImages.webp(exif));
        seeds.add(TestImages.animatedWebp(64, 48, 2, new TestImages.Exif(ByteOrder.LITTLE_ENDIAN)
                .ifd0String(0x0110, "prompt:" + comfy).bytes()));
        Path fixtures = MetadataFixtures.directoryOrNull();
        if (fixtures != null) {
            try (Stream<Path> files = Files.list(fixtures)) {
                for (Path f : files.filter(p -> p.toString().matches(".*\\.(png|jpe?g|webp)")).sorted().toList()) {
                    if (Files.size(f) > 0 && Files.size(f) <= 200_000) {
                        seeds.add(Files.readAllBytes(f));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return seeds;
    }

    // ---- plumbing ------------------------------------------------------------------------------------------------

    private static Path write(byte[] bytes) {
        return TestImages.write(DIR.resolve("fuzzed.bin"), bytes);
    }

    /** Runs {@code read} on a pool thread with an ordinary stack, failing the property on a hang or any Error. */
    private static <T> T within(Supplier<T> read) {
        Future<T> future = RUNNER.submit(read::get);
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("The read did not finish within " + TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            throw new AssertionError("The read failed with something other than the per-file exception: "
                    + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static byte[] concat(byte[]... parts) {
        return TestImages.concat(parts);
    }
}
