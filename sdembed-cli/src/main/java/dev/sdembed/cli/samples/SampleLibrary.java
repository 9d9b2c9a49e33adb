package dev.sdembed.cli.samples;

import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.cli.samples.internal.Canvas;
import dev.sdembed.cli.samples.internal.GenerationTexts;
import dev.sdembed.cli.samples.internal.GenerationTexts.Settings;
import dev.sdembed.cli.samples.internal.PngFile;
import dev.sdembed.cli.samples.internal.Pictures;
import dev.sdembed.metadata.Generator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small, deterministic library of synthetic Stable Diffusion images for the quick start, the examples and tests:
 * procedurally drawn pictures of eight subjects (a castle at night, a fox in the snow, an astronaut portrait, ...),
 * each a PNG with the generation metadata AUTOMATIC1111 or ComfyUI would have written, prompts drawn from a small
 * vocabulary so several images share a prompt. The library also holds near-duplicates (a picture redrawn slightly
 * brighter and warmer, as an image-to-image retouch would leave it) and exact byte copies in {@code copies/}, so
 * deduplication and duplicate search have something to find.
 *
 * <p>Everything follows from the image's index: generating into a folder again rewrites the same bytes.
 *
 * <pre>{@code
 * List<SampleLibrary.Sample> samples = SampleLibrary.generate(Path.of("samples"));   // 48 PNGs, about 1 MB
 * }</pre>
 */
public final class SampleLibrary {
    /** Images written by {@link #generate(Path)}: six of each subject, every kind of sample included. */
    public static final int DEFAULT_COUNT = 48;
    /** The most images {@link #generate(Path, int)} writes. */
    public static final int MAX_COUNT = 1000;
    /** The folder, inside the library, holding the exact copies. */
    public static final String COPIES_FOLDER = "copies";

    private static final String[] NEGATIVES = {
        "lowres, bad anatomy, blurry, watermark, text",
        "worst quality, low quality, jpeg artifacts, signature",
        "(deformed:1.2), ugly, blurry, oversaturated",
    };
    private static final String[][] CHECKPOINTS = {
        {"sd_xl_base_1.0", "31e35c80fc"}, {"dreamshaper_8", "879db523c3"}, {"realisticVisionV51_v51VAE", "15012c538f"},
    };
    private static final String[][] SAMPLERS = {{"DPM++ 2M", "Karras"}, {"Euler a", "Automatic"}, {"DPM++ SDE", "Karras"}};

    private static final List<Subject> SUBJECTS = List.of(
            new Subject("castle", 256, 256,
                    "a medieval castle on a hill at night, full moon, starry sky, highly detailed, fantasy art",
                    "a castle at night under the stars, moonlight, dark fantasy, matte painting",
                    "ancient stone castle silhouette at midnight, glowing windows, dramatic sky"),
            new Subject("fox", 256, 256,
                    "a red fox in the snow, winter forest, wildlife photography, soft light",
                    "cute red fox standing in fresh snow, shallow depth of field, 85mm",
                    "fox walking through a snowy field at dawn, national geographic"),
            new Subject("astronaut", 192, 256,
                    "portrait of an astronaut, oil painting, dramatic lighting",
                    "astronaut helmet close-up portrait, reflective visor, cinematic, 8k",
                    "retro astronaut portrait, vintage sci-fi poster"),
            new Subject("fruit", 256, 256,
                    "a bowl of fruit on a wooden table, still life, oil on canvas",
                    "still life with apples and oranges in a ceramic bowl, soft window light",
                    "fruit bowl, classical still life painting, chiaroscuro"),
            new Subject("lighthouse", 256, 256,
                    "a lighthouse on a rocky coast at sunset, ocean, golden hour",
                    "red and white lighthouse by the sea, orange sky, seascape painting",
                    "lonely lighthouse at dusk, calm sea, warm colors"),
            new Subject("blossoms", 256, 256,
                    "cherry blossom trees in spring, pink petals falling, blue sky, anime style",
                    "sakura trees in full bloom, japanese park, soft pastel colors",
                    "1girl standing under cherry blossoms, spring, detailed background, anime"),
            new Subject("city", 192, 256,
                    "cyberpunk city street at night, neon lights, rain, reflections",
                    "futuristic neon city in the rain, blade runner style, cinematic",
                    "rainy night in a cyberpunk downtown, glowing signs, wet asphalt"),
            new Subject("mountains", 256, 192,
                    "snowy mountains above a calm alpine lake, landscape photography, clear sky",
                    "mountain lake reflection at sunrise, majestic peaks, hdr",
                    "alpine landscape, turquoise lake, snow capped mountains, 4k wallpaper"));

    private SampleLibrary() {
    }

    /** What a sample is in the library. */
    public enum Kind {
        /** A picture of its own. */
        ORIGINAL,
        /** {@link Sample#duplicateOf()} redrawn slightly brighter and warmer, with the same prompt and seed. */
        NEAR_DUPLICATE,
        /** A byte-for-byte copy of {@link Sample#duplicateOf()}. */
        COPY
    }

    /**
     * One image of the library and the metadata written into it, as {@link dev.sdembed.metadata.MetadataReaders}
     * reports it: {@code model} and {@code sampler} are spelled the way the generator writes them.
     *
     * @param file        the PNG
     * @param subject     what it shows: {@link #subjects()}
     * @param generator   {@link Generator#A1111} ({@code parameters} text) or {@link Generator#COMFYUI}
     *                    ({@code prompt} and {@code workflow} graphs)
     * @param kind        original, near-duplicate or copy
     * @param duplicateOf the original of a near-duplicate or copy, else null
     */
    public record Sample(Path file, String subject, Generator generator, Kind kind, Path duplicateOf, String prompt,
                         String negativePrompt, long seed, int steps, double cfg, String sampler, String model,
                         int width, int height) {
    }

    private record Subject(String id, int width, int height, String... prompts) {
    }

    /** A written sample with the settings it was made from, which its near-duplicate repeats. */
    private record Written(Sample sample, Settings settings) {
    }

    /** The subjects' ids, which start every sample's file name ({@code castle-01.png}). */
    public static List<String> subjects() {
        return SUBJECTS.stream().map(Subject::id).toList();
    }

    /** Writes the {@value #DEFAULT_COUNT} images of the default library into {@code dir}. */
    public static List<Sample> generate(Path dir) {
        return generate(dir, DEFAULT_COUNT);
    }

    /**
     * Writes the first {@code count} images of the library into {@code dir} (created if missing; other files are
     * left alone) and returns them in writing order. Image i shows subject i mod 8; per subject, in order: three
     * originals (the first and third share their prompt), a near-duplicate of the first, a copy of the second, then
     * originals again. So every kind occurs from 40 images on.
     */
    public static List<Sample> generate(Path dir, int count) {
        Checks.inRange("Sample count", count, 1, MAX_COUNT);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new InvalidInputException("Sample folder " + dir + " exists and is not a folder");
        }
        List<Sample> samples = new ArrayList<>();
        Map<String, List<Written>> originals = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < count; i++) {
                Subject subject = SUBJECTS.get(i % SUBJECTS.size());
                int round = i / SUBJECTS.size();
                List<Written> own = originals.computeIfAbsent(subject.id(), k -> new ArrayList<>());
                Sample sample = switch (round) {
                    case 3 -> nearDuplicate(own.get(0), i).sample();
                    case 4 -> copy(dir, own.get(1).sample());
                    default -> {
                        Written original = original(dir, subject, i, round, own.size());
                        own.add(original);
                        yield original.sample();
                    }
                };
                samples.add(sample);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the sample library into " + dir + ": " + e.getMessage(), e);
        }
        return samples;
    }

    private static Written original(Path dir, Subject subject, int index, int round, int number) throws IOException {
        SplittableRandom random = new SplittableRandom(index * 7919L + 17);
        int variant = round == 2 ? 0 : round % subject.prompts().length;
        boolean comfy = (SUBJECTS.indexOf(subject) + round) % 2 == 1;
        String[] checkpoint = CHECKPOINTS[random.nextInt(CHECKPOINTS.length)];
        String[] sampler = SAMPLERS[random.nextInt(SAMPLERS.length)];
        Settings settings = new Settings(subject.prompts()[variant], NEGATIVES[random.nextInt(NEGATIVES.length)],
                random.nextLong(1L << 32), 20 + 5 * random.nextInt(5), 5 + 0.5 * random.nextInt(7), sampler[0],
                sampler[1], checkpoint[0], checkpoint[1], subject.width(), subject.height(), 1.0);
        Path file = dir.resolve(String.format("%s-%02d.png", subject.id(), number + 1));
        return write(file, subject.id(), comfy ? Generator.COMFYUI : Generator.A1111, Kind.ORIGINAL, null, settings, 0);
    }

    private static Written nearDuplicate(Written original, int index) throws IOException {
        Sample of = original.sample();
        Settings o = original.settings();
        Settings settings = new Settings(o.prompt(), o.negativePrompt(), o.seed(), o.steps(), o.cfg(), o.sampler(),
                o.scheduler(), o.checkpoint(), o.checkpointHash(), o.width(), o.height(), 0.35);
        String name = of.file().getFileName().toString().replace(".png", "-retouched.png");
        return write(of.file().resolveSibling(name), of.subject(), of.generator(), Kind.NEAR_DUPLICATE, of.file(),
                settings, 1 + index % 3);
    }

    private static Sample copy(Path dir, Sample of) throws IOException {
        Path file = dir.resolve(COPIES_FOLDER).resolve(of.file().getFileName());
        Files.createDirectories(file.getParent());
        writeIfChanged(file, Files.readAllBytes(of.file()));
        return new Sample(file, of.subject(), of.generator(), Kind.COPY, of.file(), of.prompt(), of.negativePrompt(),
                of.seed(), of.steps(), of.cfg(), of.sampler(), of.model(), of.width(), of.height());
    }

    private static Written write(Path file, String subject, Generator generator, Kind kind, Path duplicateOf,
                                Settings s, int retouch) throws IOException {
        Canvas canvas = new Canvas(s.width(), s.height());
        Pictures.paint(subject, canvas, s.seed());
        if (retouch > 0) {
            canvas.retouch(6 + 2 * retouch, 4);
        }
        Map<String, String> texts = new LinkedHashMap<>();
        if (generator == Generator.COMFYUI) {
            texts.put("prompt", GenerationTexts.comfyPrompt(s));
            texts.put("workflow", GenerationTexts.comfyWorkflow(s));
        } else {
            texts.put("parameters", GenerationTexts.a1111(s));
        }
        writeIfChanged(file, PngFile.encode(canvas, texts));
        boolean comfy = generator == Generator.COMFYUI;
        return new Written(new Sample(file, subject, generator, kind, duplicateOf, s.prompt(), s.negativePrompt(),
                s.seed(), s.steps(), s.cfg(), comfy ? GenerationTexts.comfySampler(s) : s.sampler(),
                comfy ? GenerationTexts.comfyCheckpoint(s) : s.checkpoint(), s.width(), s.height()), s);
    }

    /** Leaves an identical file untouched, so a second run keeps modification times and the index stays current. */
    private static void writeIfChanged(Path file, byte[] bytes) throws IOException {
        if (Files.isRegularFile(file) && Files.size(file) == bytes.length
                && Arrays.equals(Files.readAllBytes(file), bytes)) {
            return;
        }
        Files.write(file, bytes);
    }
}
