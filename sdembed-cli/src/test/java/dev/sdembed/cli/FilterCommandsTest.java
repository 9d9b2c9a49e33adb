package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestImageFiles;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The filters of search, similar and duplicates, the negative-prompt search and stats, on a library whose answer
 * to each filter is known: every file's generator, model, sampler, seed, steps, CFG, size, folder and modification
 * time is chosen here, with five images sharing one prompt, a byte-identical copy and two files without metadata.
 */
class FilterCommandsTest {
    private static final String MIKU = "hatsune miku, twintails, concert stage";
    private static Path library;
    private static Path config;
    private static Path storeDir;
    private static CliRun index;

    @BeforeAll
    static void indexTheLibrary() throws IOException {
        library = TestPaths.emptyDir(TestPaths.targetDir("filters-library"));
        for (int i = 1; i <= 5; i++) {
            a1111("a/miku-" + i + ".png", 64, 64, 100 + i, MIKU, "lowres, bad hands", "Steps: 20, Sampler: Euler a, "
                    + "CFG scale: 7, Seed: " + (100 + i) + ", Model: animagineXL", "2024-03-0" + i + "T12:00:00Z");
        }
        a1111("a/sub/castle.png", 64, 96, 1, "a castle on a hill at night", "watermark, text, signature",
                "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 5.5, Seed: 42, Model: sd_xl_base_1.0",
                "2024-04-10T12:00:00Z");
        a1111("ab/fox.png", 96, 64, 2, "a red fox in the snow", "blurry", "Steps: 40, Sampler: DPM++ 2M Karras, "
                + "CFG scale: 8, Seed: 42, Model: sd_xl_base_1.0", "2024-05-20T12:00:00Z");
        a1111("b/astronaut.png", 48, 48, 3, "portrait of an astronaut, oil painting", "lowres, bad hands",
                "Steps: 25, Sampler: Euler, CFG scale: 6.5, Seed: 7, Model: ponyDiffusion", "2024-06-01T12:00:00Z");
        Files.copy(library.resolve("a/sub/castle.png"), library.resolve("b/copy-of-castle.png"),
                StandardCopyOption.REPLACE_EXISTING);
        touch("b/copy-of-castle.png", "2024-06-02T12:00:00Z");
        Files.createDirectories(library.resolve("plain"));
        TestImageFiles.pattern(library.resolve("plain/no-metadata-1.png"), 32, 32, 4, "png");
        TestImageFiles.pattern(library.resolve("plain/no-metadata-2.png"), 32, 32, 5, "png");
        Files.createDirectories(library.resolve("comfy"));
        SdTestImages.comfy(library.resolve("comfy/comfy.png"), 48, 6, "a bowl of fruit, still life", "ugly");
        for (String f : new String[] {"plain/no-metadata-1.png", "plain/no-metadata-2.png", "comfy/comfy.png"}) {
            touch(f, "2024-01-01T12:00:00Z");
        }
        config = IndexFixtures.config("filters", null, null);
        storeDir = TestPaths.emptyDir(TestPaths.targetDir("filters-store"));
        index = CliRun.of("index", "--config", config.toString(), "--store", storeDir.toString(), library.toString());
        assertThat(index.exitCode()).as(index.err()).isZero();
    }

    private static void a1111(String name, int width, int height, long seed, String prompt, String negative,
                              String settings, String modified) throws IOException {
        Path file = library.resolve(name);
        Files.createDirectories(file.getParent());
        SdTestImages.withText(TestImageFiles.pattern(file, width, height, seed, "png"), "parameters",
                prompt + "\nNegative prompt: " + negative + "\n" + settings + ", Size: " + width + "x" + height);
        touch(name, modified);
    }

    private static void touch(String name, String modified) throws IOException {
        Files.setLastModifiedTime(library.resolve(name), FileTime.from(Instant.parse(modified)));
    }

    private static CliRun run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config.toString(), "--store", storeDir.toString()));
        return CliRun.of(all.toArray(String[]::new));
    }

    private static List<JsonNode> json(String... args) throws IOException {
        CliRun r = run(args);
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<JsonNode> out = new ArrayList<>();
        for (String l : r.outLines()) {
            out.add(Json.MAPPER.readTree(l));
        }
        return out;
    }

    /** The library-relative paths of a search's hits, in rank order. */
    private static List<String> paths(List<JsonNode> hits) {
        return hits.stream().map(h -> library.relativize(Path.of(h.get("path").asText())).toString()).toList();
    }

    private static List<String> search(String... filter) throws IOException {
        List<String> args = new ArrayList<>(List.of("search", "--text", "a picture", "-k", "50", "--json"));
        args.addAll(List.of(filter));
        return paths(json(args.toArray(String[]::new)));
    }

    @Test
    void eachFilterFindsExactlyTheImagesItDescribes() throws IOException {
        assertThat(search()).hasSize(10);
        assertThat(search("--steps", "20..30")).containsExactlyInAnyOrder("a/miku-1.png", "a/miku-2.png",
                "a/miku-3.png", "a/miku-4.png", "a/miku-5.png", "a/sub/castle.png", "b/copy-of-castle.png",
                "b/astronaut.png", "comfy/comfy.png");
        assertThat(search("--steps", "31..")).containsExactly("ab/fox.png");
        assertThat(search("--cfg", "5..6.5")).containsExactlyInAnyOrder("a/sub/castle.png", "b/copy-of-castle.png",
                "b/astronaut.png");
        assertThat(search("--sampler", "DPM++ 2M Karras")).containsExactlyInAnyOrder("a/sub/castle.png",
                "b/copy-of-castle.png", "ab/fox.png");
        assertThat(search("--seed", "42", "--model", "sd_xl_base_1.0")).containsExactlyInAnyOrder("a/sub/castle.png",
                "b/copy-of-castle.png", "ab/fox.png");
        assertThat(search("--model", "animagineXL")).hasSize(5).allMatch(p -> p.startsWith("a/miku-"));
        assertThat(search("--generator", "ComfyUI")).containsExactly("comfy/comfy.png");
        assertThat(search("--size", "64x96")).containsExactlyInAnyOrder("a/sub/castle.png", "b/copy-of-castle.png");
        assertThat(search("--width", "90..")).containsExactly("ab/fox.png");
        assertThat(search("--height", "..50")).containsExactlyInAnyOrder("b/astronaut.png", "comfy/comfy.png");
        assertThat(search("--since", "2024-04-01", "--until", "2024-05-31")).containsExactlyInAnyOrder(
                "a/sub/castle.png", "ab/fox.png");
        assertThat(search("--until", "2024-01-31")).containsExactly("comfy/comfy.png");
        // A folder is its files and subfolders: ab/ is another folder, not a part of a/.
        assertThat(search("--folder", library.resolve("a").toString())).hasSize(6).contains("a/sub/castle.png")
                .doesNotContain("ab/fox.png");
        assertThat(search("--folder", library.resolve("a/") + "/", "--steps", "30")).containsExactly("a/sub/castle.png");
        assertThat(search("--generator", "none")).as("no prompt to search them by").isEmpty();
    }

    @Test
    void distinctAndAMinimumScoreShapeTheHits() throws IOException {
        List<String> plain = paths(json("search", "--text", "hatsune miku", "-k", "5", "--json"));
        assertThat(plain).as("one prompt on five images fills the top 5").allMatch(p -> p.startsWith("a/miku-"));
        List<String> distinct = paths(json("search", "--text", "hatsune miku", "-k", "5", "--json", "--distinct",
                "prompt"));
        assertThat(distinct).hasSize(5).startsWith("a/miku-1.png");
        assertThat(distinct.subList(1, 5)).noneMatch(p -> p.startsWith("a/miku-"));

        List<String> castles = paths(json("search", "--text", "a castle on a hill at night", "-k", "2", "--json"));
        assertThat(castles).containsExactlyInAnyOrder("a/sub/castle.png", "b/copy-of-castle.png");
        List<String> files = paths(json("search", "--text", "a castle on a hill at night", "-k", "2", "--json",
                "--distinct", "file"));
        assertThat(files).hasSize(2).contains("a/sub/castle.png").doesNotContain("b/copy-of-castle.png");

        List<JsonNode> all = json("search", "--text", "a red fox in the snow", "-k", "50", "--json");
        // Scores print with 6 decimals: just below the third's, so rounding cannot leave it out.
        double third = all.get(2).get("score").asDouble() - 2e-6;
        List<JsonNode> above = json("search", "--text", "a red fox in the snow", "-k", "50", "--json", "--min-score",
                String.valueOf(third));
        assertThat(above).hasSizeBetween(3, all.size()).allSatisfy(h -> assertThat(h.get("score").asDouble())
                .isGreaterThanOrEqualTo(third));
        assertThat(paths(above)).isEqualTo(paths(all.subList(0, above.size())));
    }

    @Test
    void negativeModeSearchesTheNegativePrompts() throws IOException {
        List<JsonNode> hits = json("search", "--mode", "negative", "--text", "watermark, text, signature", "-k", "3",
                "--json");
        assertThat(paths(hits.subList(0, 2))).containsExactlyInAnyOrder("a/sub/castle.png", "b/copy-of-castle.png");
        assertThat(hits.get(0).get("negativePrompt").asText()).isEqualTo("watermark, text, signature");
        assertThat(hits.get(0).get("prompt").asText()).isEqualTo("a castle on a hill at night");
        CliRun readable = run("search", "--mode", "negative", "--text", "watermark", "-k", "2", "--distinct", "file");
        assertThat(readable.exitCode()).as(readable.err()).isZero();
        assertThat(readable.outLines().get(0)).startsWith("Top 2 for \"watermark\" by negative prompt, slot prompt_bge")
                .endsWith("; only distinct file:");
        assertThat(readable.outLines().get(1)).contains("castle.png").endsWith("negative: watermark, text, signature");
        assertThat(json("search", "--mode", "negative", "--text", "lowres, bad hands", "-k", "20", "--json",
                "--folder", library.resolve("b").toString())).extracting(h -> h.get("negativePrompt").asText())
                .first().isEqualTo("lowres, bad hands");
    }

    @Test
    void similarKeepsToTheFilter() throws IOException {
        List<String> hits = paths(json("similar", library.resolve("a/sub/castle.png").toString(), "-k", "10", "--json",
                "--folder", library.resolve("b").toString()));
        assertThat(hits).containsExactly("b/copy-of-castle.png", "b/astronaut.png");
    }

    @Test
    void duplicatesTakeTheFiltersAndDistinct() throws IOException {
        List<JsonNode> groups = json("duplicates", "--by", "prompt", "--threshold", "0.999", "--json");
        assertThat(groups).extracting(g -> g.get("size").asInt()).containsExactly(5, 2);
        List<JsonNode> files = json("duplicates", "--by", "prompt", "--threshold", "0.999", "--json", "--distinct", "file");
        assertThat(files).as("the copy counts once: its group drops out").hasSize(1);
        assertThat(files.get(0).get("size").asInt()).isEqualTo(5);
        assertThat(json("duplicates", "--by", "prompt", "--threshold", "0.999", "--json", "--distinct", "prompt")).isEmpty();
        assertThat(json("duplicates", "--by", "prompt", "--threshold", "0.999", "--json", "--folder", library.resolve("b").toString()))
                .isEmpty();
        assertThat(json("duplicates", "--by", "prompt", "--threshold", "0.5", "--json", "--min-score", "0.999"))
                .extracting(g -> g.get("size").asInt()).containsExactly(5, 2);
        CliRun readable = run("duplicates", "--by", "prompt", "--threshold", "0.9", "--min-score", "0.999", "--generator", "a1111");
        assertThat(readable.outLines().get(0)).startsWith("2 groups of similar prompts (prompt embeddings at least 0.999 similar, slot prompt_bge")
                .endsWith("; only generator a1111, min score 0.999");
    }

    @Test
    void badFilterValuesAreRefusedNamingTheOptionAndTheFormExpected() {
        String[][] cases = {
            {"--steps", "20..x", "--steps is '20..x'; expected N or MIN..MAX"},
            {"--steps", "30..20", "--steps is '30..20'; expected MIN <= MAX"},
            {"--cfg", "seven", "--cfg is 'seven'; expected N or MIN..MAX, e.g. 7 or 5.5..7.5"},
            {"--size", "512", "--size is '512'; expected WxH, e.g. 832x1216"},
            {"--width", "0..100", "--width is '0..100'; expected values of 1 or more"},
            {"--seed", "random", "--seed is 'random'; expected a whole number"},
            {"--since", "last week", "--since is 'last week'; expected a date (2024-05-01) or a date and time"},
            {"--min-score", "2", "--min-score is '2'; expected a similarity from -1 to 1"},
            {"--distinct", "pixels", "--distinct is 'pixels'; expected prompt (one hit per identical prompt) or file"},
            {"--generator", "comfy", "--generator is 'comfy'; expected one of a1111, "},
            {"--model", " ", "--model is empty; leave it out to not filter on it"},
        };
        for (String[] c : cases) {
            CliRun r = run("search", "--text", "x", c[0], c[1]);
            assertThat(r.exitCode()).as(c[0] + " " + c[1]).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).as(c[0] + " " + c[1]).startsWith("sdembed: " + c[2]);
        }
        CliRun both = run("similar", library.resolve("ab/fox.png").toString(), "--size", "64x64", "--width", "64");
        assertThat(both.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(both.err()).startsWith("sdembed: --size 64x64 and --width 64 both give the size; use --size WxH for"
                + " an exact size or --width/--height for ranges");
        CliRun backwards = run("duplicates", "--since", "2024-06-01", "--until", "2024-05-01");
        assertThat(backwards.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(backwards.err()).startsWith("sdembed: --since 2024-06-01 is after --until 2024-05-01; no file can be"
                + " modified in between");
    }

    @Test
    void indexAndStatsCountTheFilesWithoutMetadata() throws IOException {
        String line = "2 of the 12 indexed images have no generation metadata (generator none), so they cannot be"
                + " searched: no prompt to match, and no image slot configured to compare pixels";
        assertThat(index.outLines().get(0)).startsWith("Indexed 12 of 12 files (0 skipped, 0 failed)");
        assertThat(index.outLines()).last().isEqualTo(line);

        CliRun stats = run("stats");
        assertThat(stats.exitCode()).as(stats.err()).isZero();
        assertThat(stats.outLines()).startsWith("Images: 12 (12 indexed, 0 failed)", "  " + line,
                "Generators: a1111 9, none 2, comfyui 1",
                "Models: animagineXL 5, sd_xl_base_1.0 3, (none named) 2, comfy.safetensors 1, ponyDiffusion 1",
                "Contents: 9 distinct texts, 11 distinct image files", "Slots:");
        assertThat(stats.outLines().get(6)).startsWith("  prompt_bge (text, 384-d, bge-small-en-v1.5): 9 embeddings"
                + " (0 stale), 20 references, ");
        assertThat(stats.outLines().get(7)).startsWith("Vectors stored: ");

        JsonNode j = json("stats", "--json").get(0);
        assertThat(j.get("images").asLong()).isEqualTo(12);
        assertThat(j.get("okImages").asLong()).isEqualTo(12);
        assertThat(j.get("imagesWithoutMetadata").asLong()).isEqualTo(2);
        assertThat(j.get("generators").get(0).get("generator").asText()).isEqualTo("a1111");
        assertThat(j.get("generators").get(0).get("images").asLong()).isEqualTo(9);
        assertThat(j.get("models").get(2).get("model").isNull()).isTrue();
        assertThat(j.get("slots").get(0).get("references").asLong()).isEqualTo(20);

        CliRun again = CliRun.of("index", "--config", config.toString(), "--store", storeDir.toString(),
                "--json-summary", library.toString());
        JsonNode summary = Json.MAPPER.readTree(again.outLines().get(again.outLines().size() - 1));
        assertThat(summary.get("skipped").asLong()).isEqualTo(12);
        assertThat(summary.get("store").get("indexedImages").asLong()).isEqualTo(12);
        assertThat(summary.get("store").get("imagesWithoutMetadata").asLong()).isEqualTo(2);
        try (Stream<Path> files = Files.list(storeDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).contains("sdembed.db");
        }
    }
}
