package dev.sdembed.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Stable-Diffusion-style prompts for tests and benchmarks: hand-picked edge cases and a seeded generator. */
public final class SdPrompts {

    /** Prompts covering what real libraries hold: tags, weights, LoRA tags, unicode, emoji, empty. */
    public static final List<String> EDGE_CASES = List.of(
            "a cat",
            "",
            " ",
            "masterpiece, best quality, 1girl, solo, long hair, looking at viewer, smile, outdoors, cherry blossoms",
            "(masterpiece:1.2), (best quality:1.1), ultra-detailed, 8k, photorealistic portrait of an old fisherman",
            "((worst quality, low quality:1.4)), (bad anatomy), extra fingers, blurry, watermark, signature",
            "<lora:add_detail:0.6>, <lora:epiNoiseoffset_v2:1>, cinematic lighting, dramatic shadows, city at night",
            "[cyberpunk:steampunk:0.5] city street, neon signs, rain, reflections, volumetric fog",
            "a photo of an astronaut riding a horse on mars, highly detailed, artstation, concept art",
            "landscape, mountains, lake, sunrise, golden hour, by Greg Rutkowski and Alphonse Mucha",
            "score_9, score_8_up, score_7_up, source_anime, rating_safe, 1boy, armor, sword, fantasy",
            "embedding:EasyNegative, embedding:badhandv4, (nsfw:1.5), lowres, jpeg artifacts",
            "portrait of a woman, Negative prompt inside weights (Negative prompt:0.5), soft light",
            "multi\nline\nprompt with\ttabs and   spaces",
            "日本庭園、桜、着物の女性、傑作、高品質",
            "Ein Schloss im Nebel, Ölgemälde, dramatisches Licht, Größe",
            "красивый пейзаж, горы, озеро, закат",
            "🐱 cute kitten 🌸 pastel colors ✨ kawaii 💖",
            "emoji only 🎨🖌️🖼️",
            "a   lot    of     whitespace      between      words",
            "UPPERCASE PROMPT WITH SHOUTING, MASTERPIECE, BEST QUALITY",
            "BREAK, 1girl, red dress BREAK background, city, night BREAK lighting, neon",
            "(((very important subject))), [[[less important]]], {novelai braces}, {{more}}",
            "a painting of a fox in the style of Starry Night, oil on canvas, impasto",
            "isometric 3d render of a tiny cozy room, blender, octane render, soft shadows",
            "macro photography of a dew drop on a leaf, bokeh, 100mm lens, f/2.8",
            "pixel art, 16-bit, retro game sprite sheet, knight character, transparent background",
            "anime screencap, studio ghibli style, girl on a bicycle, summer, clouds",
            "steps: 20, sampler: euler a, cfg scale: 7 — text that looks like parameters",
            "line art, monochrome, sketch, greyscale, no colour, minimalistic",
            "hyperrealistic food photography, ramen bowl, steam, chopsticks, dark background",
            "architecture, brutalist concrete building, overcast sky, wide angle, 24mm");

    private static final String[] SUBJECTS = {"1girl", "1boy", "a cat", "a dragon", "an old castle", "a spaceship",
            "a robot", "a forest spirit", "a samurai", "a lighthouse", "a city skyline", "a bowl of fruit"};
    private static final String[] DETAILS = {"long hair", "red eyes", "smile", "looking at viewer", "holding sword",
            "wings", "armor", "school uniform", "hat", "glowing eyes", "rain", "snow", "cherry blossoms", "neon lights",
            "sunset", "night sky", "fog", "reflections", "flowers", "ruins"};
    private static final String[] STYLES = {"masterpiece", "best quality", "ultra-detailed", "photorealistic",
            "anime style", "oil painting", "watercolor", "cinematic lighting", "8k", "concept art", "digital art",
            "by Greg Rutkowski", "octane render", "depth of field", "sharp focus"};
    private static final String[] LORAS = {"<lora:add_detail:0.5>", "<lora:epiNoiseoffset:0.8>",
            "<lora:lcm-lora-sdxl:1>", "<lora:detail_slider:1.2>"};

    private SdPrompts() {
    }

    /** {@code count} varied prompts (3 to ~60 tokens), the same for the same seed. */
    public static List<String> generated(int count, long seed) {
        Random random = new Random(seed);
        List<String> prompts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            List<String> parts = new ArrayList<>();
            int styleCount = random.nextInt(5);
            for (int s = 0; s < styleCount; s++) {
                parts.add(maybeWeighted(random, STYLES[random.nextInt(STYLES.length)]));
            }
            parts.add(SUBJECTS[random.nextInt(SUBJECTS.length)]);
            int detailCount = random.nextInt(12);
            for (int d = 0; d < detailCount; d++) {
                parts.add(maybeWeighted(random, DETAILS[random.nextInt(DETAILS.length)]));
            }
            if (random.nextInt(4) == 0) {
                parts.add(LORAS[random.nextInt(LORAS.length)]);
            }
            prompts.add(String.join(", ", parts));
        }
        return prompts;
    }

    /** A prompt of well over {@code minTokens} BERT/CLIP tokens. */
    public static String veryLong(int minTokens) {
        StringBuilder sb = new StringBuilder();
        Random random = new Random(7);
        while (sb.length() < minTokens * 6) {
            sb.append(DETAILS[random.nextInt(DETAILS.length)]).append(", ");
        }
        return sb.append("the end").toString();
    }

    private static String maybeWeighted(Random random, String tag) {
        return switch (random.nextInt(6)) {
            case 0 -> "(" + tag + ":" + (1.0 + random.nextInt(5) / 10.0) + ")";
            case 1 -> "((" + tag + "))";
            default -> tag;
        };
    }
}
