package dev.sdembed.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.testing.TestVectors;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A library whose right answers are known, for filters: 240 image records with varied generators, models, samplers,
 * seeds, steps, CFG scales, sizes, modification times and folders (with look-alike folders such as {@code /lib/ab}
 * beside {@code /lib/a}), repeated prompts and negative prompts, byte-identical copies, near-identical pictures with
 * other prompts, files without metadata, unparseable parameter values and failed records. Every search is compared
 * with the brute-force answer: every stored record that {@link SearchFilter#matches} and has the content, scored
 * exactly, then collapsed by {@code distinct} and cut at {@code minScore}.
 */
public final class FilterLibrary {
    public static final Instant EPOCH = Instant.parse("2024-03-01T00:00:00Z");
    public static final String[] FOLDERS = {"/lib/a/", "/lib/a/sub/", "/lib/ab/", "/lib/b/", "/lib/ü/"};
    public static final String[] GENERATORS = {"a1111", "comfyui", "forge"};
    public static final String[] MODELS = {"sd_xl_base_1.0", "animagineXL", "ponyDiffusion"};
    public static final String[] SAMPLERS = {"Euler a", "DPM++ 2M Karras", "euler"};
    private static final String[] SEEDS = {"1", "42", "1234", "3000000000", "-5", "random", " 42 "};
    private static final String[] CFGS = {"5", "6.5", "7", "7.0", "7.5", "9", "NaN", "-0.0"};
    private static final int[] SIDES = {512, 768, 832, 1024, 1216};

    private final SlotSpec text;
    private final SlotSpec image;
    /** Every record written, OK and failed, by path. */
    public final Map<String, ImageRecord> records = new LinkedHashMap<>();
    /** Vectors by content, per slot. */
    public final Map<ContentHash, float[]> textVectors = new HashMap<>();
    public final Map<ContentHash, float[]> imageVectors = new HashMap<>();
    public final Map<ContentHash, String> texts = new HashMap<>();
    private Map<String, Long> ids;
    /** How many comparisons had a near tie between two contents and were compared with that tolerance. */
    public int nearTies;

    private FilterLibrary(SlotSpec text, SlotSpec image) {
        this.text = text;
        this.image = image;
    }

    /** Writes the library into {@code store} (which has {@code text} and {@code image} slots) in a few batches. */
    public static FilterLibrary write(EmbeddingStore store, SlotSpec text, SlotSpec image) {
        FilterLibrary lib = new FilterLibrary(text, image);
        Random random = new Random(18);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            prompts.add("prompt " + i + ": a " + (i % 2 == 0 ? "castle" : "fox") + " in style " + i);
        }
        List<String> negatives = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            negatives.add("negative " + i + ": blurry, lowres, " + i);
        }
        WriteBatch.Builder b = WriteBatch.builder();
        List<ImageRecord> originals = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            String path = FOLDERS[random.nextInt(FOLDERS.length)] + String.format("img-%03d.png", i);
            Instant modified = EPOCH.plus(random.nextInt(60 * 24 * 60), ChronoUnit.MINUTES)
                    .plusNanos(random.nextInt(1_000_000) * 1000L);
            ImageRecord r;
            if (i >= 200) {
                // A byte-identical copy of an earlier file: the same content and metadata at another path and time.
                ImageRecord original = originals.get(random.nextInt(originals.size()));
                r = ImageRecord.builder(path).imageHash(original.imageHash()).promptHash(original.promptHash())
                        .negativeHash(original.negativeHash()).generator(original.generator())
                        .modelName(original.modelName()).parameters(original.parameters())
                        .size(original.width(), original.height()).fileSize(original.fileSize()).modifiedAt(modified)
                        .build();
            } else {
                ImageContent content = StoreTestData.imageContent("filter-" + i);
                b.image(content);
                float[] vector = i % 25 == 1 && i > 1
                        ? TestVectors.near(lib.imageVectors.get(originals.get(i - 2).imageHash()), 0.01, random)
                        : TestVectors.unitVector(random, image.dimension());
                lib.imageVectors.put(content.hash(), vector);
                b.embedding(image.name(), content.hash(), vector);
                ImageRecord.Builder rb = ImageRecord.builder(path).imageHash(content.hash())
                        .size(SIDES[random.nextInt(SIDES.length)], SIDES[random.nextInt(SIDES.length)])
                        .fileSize(content.byteSize()).modifiedAt(modified);
                if (i % 7 != 3) {
                    // With generation metadata; every seventh file has none (no generator, prompt or parameters).
                    String prompt = prompts.get(random.nextInt(prompts.size()));
                    rb.promptHash(lib.text(b, prompt)).generator(GENERATORS[random.nextInt(GENERATORS.length)]);
                    if (random.nextInt(4) > 0) {
                        rb.negativeHash(lib.text(b, negatives.get(random.nextInt(negatives.size()))));
                    }
                    if (random.nextInt(5) > 0) {
                        rb.modelName(MODELS[random.nextInt(MODELS.length)]);
                    }
                    Map<String, String> parameters = new LinkedHashMap<>();
                    if (random.nextInt(6) > 0) {
                        parameters.put("seed", SEEDS[random.nextInt(SEEDS.length)]);
                    }
                    parameters.put("steps", random.nextInt(10) == 0 ? "many" : String.valueOf(10 + random.nextInt(41)));
                    parameters.put("cfg", CFGS[random.nextInt(CFGS.length)]);
                    if (random.nextInt(8) > 0) {
                        parameters.put("sampler", SAMPLERS[random.nextInt(SAMPLERS.length)]);
                    }
                    parameters.put("model_hash", Long.toHexString(random.nextLong()));
                    rb.parameters(parameters);
                }
                r = rb.build();
                originals.add(r);
            }
            lib.records.put(r.path(), r);
            b.record(r);
            if (i % 60 == 59) {
                store.write(b.build());
                b = WriteBatch.builder();
            }
        }
        for (int i = 0; i < 3; i++) {
            ImageRecord failed = ImageRecord.failed("/lib/a/broken-" + i + ".png", 10, EPOCH, "truncated PNG");
            lib.records.put(failed.path(), failed);
            b.record(failed);
        }
        store.write(b.build());
        lib.ids = new HashMap<>();
        store.findImages(lib.records.keySet()).forEach((path, stored) -> lib.ids.put(path, stored.id()));
        assertThat(lib.ids).hasSize(lib.records.size());
        return lib;
    }

    private ContentHash text(WriteBatch.Builder b, String text) {
        ContentHash h = ContentHash.ofText(text);
        if (texts.putIfAbsent(h, text) == null) {
            float[] v = TestVectors.unitVector(new Random(h.hashCode()), this.text.dimension());
            textVectors.put(h, v);
        }
        b.text(TextContent.of(text)).embedding(this.text.name(), h, textVectors.get(h));
        return h;
    }

    /** The filters each search is tried with: each condition alone, look-alike folders, and combinations. */
    public List<SearchFilter> filters() {
        List<SearchFilter> f = new ArrayList<>();
        f.add(SearchFilter.NONE);
        f.add(SearchFilter.generator("comfyui"));
        f.add(SearchFilter.generator(SearchFilter.NO_GENERATOR));
        f.add(SearchFilter.modelName("animagineXL"));
        f.add(SearchFilter.builder().sampler("DPM++ 2M Karras").build());
        f.add(SearchFilter.builder().seed(42L).build());
        f.add(SearchFilter.builder().seed(3_000_000_000L).build());
        f.add(SearchFilter.builder().steps(20, 30).build());
        f.add(SearchFilter.builder().steps(null, 15).build());
        f.add(SearchFilter.builder().steps(45, null).build());
        f.add(SearchFilter.builder().cfg(6.5, 7.5).build());
        f.add(SearchFilter.builder().cfg(7.0, 7.0).build());
        f.add(SearchFilter.builder().cfg(null, 0.0).build());
        f.add(SearchFilter.builder().width(1000, null).build());
        f.add(SearchFilter.builder().height(null, 800).build());
        f.add(SearchFilter.builder().size(832, 1216).build());
        Instant from = EPOCH.plus(10, ChronoUnit.DAYS);
        Instant to = EPOCH.plus(20, ChronoUnit.DAYS);
        f.add(SearchFilter.builder().modified(from, to).build());
        f.add(SearchFilter.builder().modified(to, null).build());
        f.add(SearchFilter.builder().modified(null, from.plusNanos(1500)).build());
        f.add(SearchFilter.builder().folder("/lib/a").build());
        f.add(SearchFilter.builder().folder("/lib/a/sub/").build());
        f.add(SearchFilter.pathPrefix("/lib/ü"));
        f.add(SearchFilter.pathPrefix("/lib/a"));
        f.add(SearchFilter.builder().minScore(0.1).build());
        f.add(SearchFilter.builder().distinct(SearchFilter.Distinct.PROMPT).build());
        f.add(SearchFilter.builder().distinct(SearchFilter.Distinct.FILE).build());
        f.add(SearchFilter.builder().generator("a1111").steps(20, 40).distinct(SearchFilter.Distinct.PROMPT)
                .minScore(0.0).build());
        f.add(SearchFilter.builder().folder("/lib/a").cfg(5.0, 7.0).width(800, 1300).modelName("sd_xl_base_1.0")
                .build());
        f.add(SearchFilter.builder().sampler("euler").distinct(SearchFilter.Distinct.FILE).build());
        f.add(SearchFilter.builder().folder("/lib/b").minScore(-0.05).distinct(SearchFilter.Distinct.PROMPT).build());
        f.add(SearchFilter.builder().generator("none").width(1000, null).build());
        return f;
    }

    /** The store's id of the record at {@code path}. */
    public long id(String path) {
        return ids.get(path);
    }

    /**
     * The exact answer: records that are OK, pass {@code filter} and have a {@code role} content in {@code slot}
     * (not {@code excludePath}), best score first (then lowest id), one per distinct key, cut at the minimum score,
     * at most {@code k}.
     */
    public List<Expected> bruteForce(SlotSpec slot, TextRole role, float[] query, SearchFilter filter, int k,
                                     String excludePath) {
        List<Expected> all = new ArrayList<>();
        for (ImageRecord r : records.values()) {
            if (r.status() != ImageStatus.OK || r.path().equals(excludePath) || !filter.matches(r)) {
                continue;
            }
            ContentHash content = slot.modality() == Modality.IMAGE ? r.imageHash() : r.textHash(role);
            if (content == null) {
                continue;
            }
            float[] v = (slot.modality() == Modality.IMAGE ? imageVectors : textVectors).get(content);
            all.add(new Expected(r.path(), ids.get(r.path()), TestVectors.dot(query, v), content, r));
        }
        all.sort(Comparator.comparingDouble((Expected e) -> -e.score()).thenComparingLong(Expected::id));
        List<Expected> out = new ArrayList<>();
        Set<Object> keys = new HashSet<>();
        for (Expected e : all) {
            if (!filter.passesScore(e.score())) {
                break;
            }
            if (filter.distinct() != null && !keys.add(distinctKey(filter.distinct(), e.record(), e.path()))) {
                continue;
            }
            out.add(e);
            if (out.size() == k) {
                break;
            }
        }
        return out;
    }

    /** What a hit collapses by: its prompt or its file; an image without a prompt is its own. */
    public static Object distinctKey(SearchFilter.Distinct distinct, ImageRecord r, String path) {
        ContentHash key = distinct == SearchFilter.Distinct.PROMPT ? r.promptHash() : r.imageHash();
        return key == null ? path : key;
    }

    /** One expected hit. */
    public record Expected(String path, long id, double score, ContentHash content, ImageRecord record) {
    }

    /**
     * Asserts that the store's {@code hits} are the brute-force answer: the same images in the same order with the
     * same scores; where two expected scores are closer than float arithmetic can tell apart (1e-5), either order
     * and, at the k-th place, either image is accepted.
     */
    public void assertSame(List<SearchHit> hits, List<Expected> expected, TextRole role, String what) {
        assertThat(hits).as(what + ": hit count").hasSize(expected.size());
        boolean nearTie = false;
        for (int i = 1; i < expected.size(); i++) {
            nearTie |= expected.get(i - 1).score() - expected.get(i).score() < 1e-5
                    && !expected.get(i - 1).content().equals(expected.get(i).content());
        }
        for (int i = 0; i < hits.size(); i++) {
            SearchHit h = hits.get(i);
            assertThat(h.score()).as(what + ": score at rank %d", i + 1)
                    .isCloseTo(expected.get(i).score(), org.assertj.core.data.Offset.offset(1e-4));
            ImageRecord r = records.get(h.path());
            assertThat(r).as(what + ": hit %s is a stored record", h.path()).isNotNull();
            assertThat(h.imageId()).as(what + ": id of %s", h.path()).isEqualTo(ids.get(h.path()));
            assertThat(h.generator()).isEqualTo(r.generator());
            assertThat(h.modelName()).isEqualTo(r.modelName());
            assertThat(h.prompt()).isEqualTo(r.promptHash() == null ? null : texts.get(r.promptHash()));
            assertThat(h.negativePrompt()).as(what + ": negative prompt of a hit")
                    .isEqualTo(role == TextRole.NEGATIVE ? texts.get(r.negativeHash()) : null);
        }
        if (nearTie) {
            nearTies++;
        } else {
            assertThat(hits).extracting(SearchHit::path).as(what)
                    .containsExactlyElementsOf(expected.stream().map(Expected::path).toList());
        }
    }

    /** A query vector in {@code slot}'s space. */
    public static Embedding query(SlotSpec slot, long seed) {
        return new Embedding(TestVectors.unitVector(seed, slot.dimension()));
    }
}
