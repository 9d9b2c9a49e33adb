package dev.sdembed.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SPI's values on their own: what they accept, merge, reject and default to. */
class StoreValuesTest {
    private static final SlotSpec PROMPT = StoreTestData.textSlot("prompt", 4);

    @Test
    void batchesMergeRepeatedContentsAndRejectContradictions() {
        WriteBatch.Builder b = WriteBatch.builder();
        ContentHash first = b.addText("same prompt");
        ContentHash again = b.addText("same prompt");
        assertThat(again).isEqualTo(first);
        float[] v = {0.5f, 0.5f, 0.5f, 0.5f};
        b.embedding(PROMPT.name(), first, v).embedding(PROMPT.name(), first, v.clone());
        ImageContent image = StoreTestData.imageContent("x");
        b.image(image).image(image);
        WriteBatch batch = b.build();
        assertThat(batch.texts()).hasSize(1);
        assertThat(batch.embeddings()).hasSize(1);
        assertThat(batch.images()).hasSize(1);
        assertThat(batch).hasToString("WriteBatch[texts=1, images=1, embeddings=1, records=0, deletions=0]");
        assertThat(WriteBatch.builder().build().isEmpty()).isTrue();

        assertThatThrownBy(() -> b.embedding(PROMPT.name(), first, new float[] {1, 0, 0, 0}))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Content " + first.hex().substring(0, 12) + " has two different embeddings for slot "
                        + "'prompt' in one batch");
        assertThatThrownBy(() -> b.image(new ImageContent(image.hash(), 1, 1, "png", 5)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("Image content " + image.hash().hex().substring(0, 12)
                        + " is in the batch twice with different attributes");
        b.record(StoreTestData.record("/a.png", image, first, null));
        assertThatThrownBy(() -> b.delete("/a.png")).isInstanceOf(InvalidInputException.class)
                .hasMessage("Image '/a.png' is both written and deleted in one batch");
        b.delete("/b.png");
        assertThatThrownBy(() -> b.record(StoreTestData.record("/b.png", image, first, null)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Image '/b.png' is both written and deleted in one batch");
    }

    @Test
    void slotsNameTheirTablesSafelyAndCompareOnlyWithinASpace() {
        assertThatThrownBy(() -> new SlotSpec("Prompt-BGE", Modality.TEXT, 4, "e", "f", null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Slot name 'Prompt-BGE' is invalid; expected a lower-case identifier matching "
                        + "[a-z][a-z0-9_]{0,47}, e.g. prompt_bge");
        assertThatThrownBy(() -> new SlotSpec("p", Modality.TEXT, 0, "e", "f", null))
                .isInstanceOf(InvalidInputException.class).hasMessage("Slot 'p' has dimension 0; expected > 0");
        SlotSpec clipText = new SlotSpec("prompt_clip_h", Modality.TEXT, 1024, "t", "f1", "clip-h");
        SlotSpec clipImage = new SlotSpec("image_clip_h", Modality.IMAGE, 1024, "v", "f2", "clip-h");
        SlotSpec bge = new SlotSpec("prompt_bge", Modality.TEXT, 1024, "bge", "f3", null);
        assertThat(clipText.comparableWith(clipImage)).isTrue();
        assertThat(clipText.comparableWith(bge)).isFalse();
        assertThat(bge.comparableWith(bge)).isTrue();
        assertThat(new SlotSpec("x", Modality.TEXT, 768, "t", "f", "clip-h").comparableWith(clipImage)).isFalse();
    }

    @Test
    void aSlotAcceptsOnlyItsOwnEncoderAndSaysWhichFixApplies() {
        SlotSpec slot = new SlotSpec("prompt_bge", Modality.TEXT, 384, "bge-small-en-v1.5", "0123456789abcdef", null);
        slot.requireEncoder(new EncoderInfo("bge-small-en-v1.5", Modality.TEXT, 384, 512, 0, "0123456789abcdef"));
        assertThatThrownBy(() -> slot.requireEncoder(new EncoderInfo("bge-small-en-v1.5-retrained", Modality.TEXT,
                384, 512, 0, "fedcba9876543210")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Encoder 'bge-small-en-v1.5-retrained' (text, 384 dimensions, fingerprint "
                        + "fedcba987654) is not the encoder of slot 'prompt_bge' ('bge-small-en-v1.5', text, 384 "
                        + "dimensions, fingerprint 0123456789ab); embed with the slot's encoder, or open the store "
                        + "with SlotSpec.of(\"prompt_bge\", encoder.info()) to fill the slot with this model (the "
                        + "other model's embeddings then become stale)");
        assertThatThrownBy(() -> slot.requireEncoder(new EncoderInfo("clip-vit-h-vision", Modality.IMAGE, 1024, 0,
                224, "0123456789abcdef")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Encoder 'clip-vit-h-vision' (image, 1024 dimensions, fingerprint 0123456789ab) is not the "
                        + "encoder of slot 'prompt_bge' ('bge-small-en-v1.5', text, 384 dimensions, fingerprint "
                        + "0123456789ab); embed with the slot's encoder, or configure a new slot for this encoder");
    }

    @Test
    void writeResultsAreBuiltByNamedCountsThatDefaultToZero() {
        WriteResult none = WriteResult.builder().build();
        assertThat(List.of(none.imagesInserted(), none.imagesUpdated(), none.imagesUnchanged(), none.imagesDeleted(),
                none.textsAdded(), none.imageContentsAdded())).containsOnly(0);
        assertThat(none.embeddingsWritten()).isEmpty();
        assertThat(none.embeddingsWritten("prompt")).isZero();
        WriteResult r = WriteResult.builder().imagesInserted(1).imagesUpdated(2).imagesUnchanged(3).imagesDeleted(4)
                .textsAdded(5).imageContentsAdded(6).embeddingsWritten("prompt", 7).embeddingsWritten("image", 8)
                .build();
        assertThat(List.of(r.imagesInserted(), r.imagesUpdated(), r.imagesUnchanged(), r.imagesDeleted(),
                r.textsAdded(), r.imageContentsAdded())).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(r.embeddingsWritten()).isEqualTo(Map.of("prompt", 7, "image", 8));
        assertThatThrownBy(() -> WriteResult.builder().imagesDeleted(-1)).isInstanceOf(InvalidInputException.class)
                .hasMessage("WriteResult imagesDeleted is -1; expected a count >= 0");
        assertThatThrownBy(() -> WriteResult.builder().embeddingsWritten("prompt", -2))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("WriteResult embeddingsWritten of slot 'prompt' is -2; expected a count >= 0");
    }

    @Test
    void recordsKeepMicrosecondsAndDemandAReasonForFailures() {
        ImageRecord r = ImageRecord.builder("/x.png").imageHash(ContentHash.ofText("x")).fileSize(3)
                .modifiedAt(Instant.parse("2024-01-01T00:00:00.123456789Z")).build();
        assertThat(r.modifiedAt()).isEqualTo(Instant.parse("2024-01-01T00:00:00.123456Z"));
        assertThat(r.toBuilder().build()).isEqualTo(r);
        assertThatThrownBy(() -> ImageRecord.builder("/x.png").fileSize(3).modifiedAt(Instant.EPOCH).failed(" ").build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Image '/x.png' has status FAILED but no error text saying why");
        assertThatThrownBy(() -> r.toBuilder().modifiedAt(Instant.MAX).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("expected a time between years 1 and 9999");
        Map<String, String> params = new LinkedHashMap<>();
        params.put("seed", null);
        assertThatThrownBy(() -> r.toBuilder().parameters(params).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Image '/x.png' has a generation parameter with a null value for 'seed'");
    }

    @Test
    void requestsHaveDefaultsAndRanges() {
        SearchRequest r = SearchRequest.of(SearchQuery.vector("prompt", new Embedding(new float[] {1, 0, 0, 0})));
        assertThat(r.k()).isEqualTo(10);
        assertThat(r.targetSlot()).isEqualTo("prompt");
        assertThat(r.role()).isEqualTo(TextRole.PROMPT);
        assertThat(r.filter()).isEqualTo(SearchFilter.NONE);
        NearDuplicateRequest d = NearDuplicateRequest.of("image");
        assertThat(d.threshold()).isEqualTo(0.95);
        assertThat(d.neighbours()).isEqualTo(10);
        assertThatThrownBy(() -> d.withThreshold(1.5)).isInstanceOf(InvalidInputException.class)
                .hasMessage("Near-duplicate threshold is 1.5; expected a similarity in (0, 1]");
        assertThatThrownBy(() -> d.withNeighbours(0)).isInstanceOf(InvalidInputException.class)
                .hasMessage("Near-duplicate neighbours is 0; expected 1 to 100");
        assertThatThrownBy(() -> SearchQuery.text("prompt", " ", null)).isInstanceOf(InvalidInputException.class)
                .hasMessage("Query text for slot 'prompt' is blank");
    }

    @Test
    void generationSettingsAreReadOnceFromTheParameters() {
        assertThat(GenerationSettings.of(Map.of("sampler", " DPM++ 2M Karras ", "seed", "3000000000", "steps", " 28",
                "cfg", "7")))
                .isEqualTo(new GenerationSettings("DPM++ 2M Karras", 3_000_000_000L, 28, 7.0));
        assertThat(GenerationSettings.of(Map.of("sampler", " ", "seed", "random", "steps", "99999999999", "cfg", "NaN")))
                .isEqualTo(GenerationSettings.NONE);
        assertThat(GenerationSettings.of(Map.of("cfg", "Infinity"))).isEqualTo(GenerationSettings.NONE);
        assertThat(GenerationSettings.of(Map.of("cfg", "-0.0")).cfg()).isEqualTo(0.0);
        assertThat(GenerationSettings.of(null)).isEqualTo(GenerationSettings.NONE);
        assertThat(SearchFilter.NO_GENERATOR).isEqualTo(dev.sdembed.metadata.Generator.NONE.id());
    }

    @Test
    void filtersMatchRecordsByEachCondition() {
        ImageRecord r = ImageRecord.builder("/lib/a/sub/x.png").imageHash(ContentHash.ofText("x")).generator("a1111")
                .modelName("sd_xl_base_1.0").parameters(Map.of("sampler", "Euler a", "seed", "42", "steps", "20",
                        "cfg", "7.5")).size(832, 1216).fileSize(1).modifiedAt(Instant.parse("2024-05-01T10:00:00Z"))
                .build();
        assertThat(SearchFilter.NONE.matches(r)).isTrue();
        assertThat(SearchFilter.NONE.isEmpty()).isTrue();
        assertThat(SearchFilter.builder().folder("/lib/a").build().matches(r)).isTrue();
        assertThat(SearchFilter.builder().folder("/lib/a/sub//").build().pathPrefix()).isEqualTo("/lib/a/sub/");
        assertThat(SearchFilter.builder().folder("/lib/a/s").build().matches(r)).isFalse();
        assertThat(SearchFilter.builder().folder("/").build().pathPrefix()).isEqualTo("/");
        assertThat(SearchFilter.pathPrefix("/lib/a/s").matches(r)).isTrue();
        assertThat(SearchFilter.generator("a1111").matches(r)).isTrue();
        assertThat(SearchFilter.generator("none").matches(r)).isFalse();
        assertThat(SearchFilter.generator("none").matches(r.toBuilder().generator(null).build())).isTrue();
        assertThat(SearchFilter.builder().sampler("Euler a").seed(42L).steps(20, 20).cfg(7.5, null).build().matches(r))
                .isTrue();
        assertThat(SearchFilter.builder().sampler("euler a").build().matches(r)).as("case-sensitive").isFalse();
        assertThat(SearchFilter.builder().steps(21, null).build().matches(r)).isFalse();
        assertThat(SearchFilter.builder().cfg(null, 7.4).build().matches(r)).isFalse();
        assertThat(SearchFilter.builder().size(832, 1216).build().matches(r)).isTrue();
        assertThat(SearchFilter.builder().width(null, 800).build().matches(r)).isFalse();
        assertThat(SearchFilter.builder().width(null, 800).build().matches(r.toBuilder().size(0, 0).build()))
                .as("an unknown size is never in a size range").isFalse();
        assertThat(SearchFilter.builder().steps(1, null).build().matches(r.toBuilder().parameters(Map.of()).build()))
                .isFalse();
        assertThat(SearchFilter.builder().modified(Instant.parse("2024-05-01T10:00:00Z"), null).build().matches(r))
                .isTrue();
        assertThat(SearchFilter.builder().modified(Instant.parse("2024-05-01T09:59:59.9999999Z"),
                Instant.parse("2024-05-01T10:00:00.0000009Z")).build().matches(r)).isTrue();
        SearchFilter hitsOnly = SearchFilter.builder().minScore(0.5).distinct(SearchFilter.Distinct.PROMPT).build();
        assertThat(hitsOnly.matches(r)).isTrue();
        assertThat(hitsOnly.isEmpty()).isFalse();
        assertThat(hitsOnly.restrictsImages()).isFalse();
        assertThat(hitsOnly.passesScore(0.5)).isTrue();
        assertThat(hitsOnly.passesScore(0.4999)).isFalse();
        assertThat(SearchFilter.generator("comfyui").withModelName("m").withPathPrefix("/x/"))
                .isEqualTo(SearchFilter.builder().generator("comfyui").modelName("m").pathPrefix("/x/").build());
        assertThat(SearchFilter.builder().generator("comfyui").steps(20, null).cfg(5.0, 7.0).size(512, 768)
                .distinct(SearchFilter.Distinct.FILE).build())
                .hasToString("SearchFilter[generator comfyui, steps 20.., cfg 5.0..7.0, width 512, height 768, "
                        + "distinct file]");
        assertThat(SearchFilter.NONE.describe()).isEqualTo("no filter");
    }

    @Test
    void filtersRefuseWhatCannotMatchAnything() {
        assertThatThrownBy(() -> SearchFilter.builder().steps(30, 20).build()).isInstanceOf(InvalidInputException.class)
                .hasMessage("Filter steps is 30..20; expected MIN <= MAX");
        assertThatThrownBy(() -> SearchFilter.builder().steps(-1, 20).build()).isInstanceOf(InvalidInputException.class)
                .hasMessage("Filter steps is -1..20; expected values of 0 or more");
        assertThatThrownBy(() -> SearchFilter.builder().width(0, null).build()).isInstanceOf(InvalidInputException.class)
                .hasMessage("Filter width is 0..; expected values of 1 or more");
        assertThatThrownBy(() -> SearchFilter.builder().cfg(Double.NaN, 7.0).build())
                .isInstanceOf(InvalidInputException.class).hasMessage("Filter cfg is NaN..7.0; expected finite numbers");
        assertThatThrownBy(() -> SearchFilter.builder().modified(Instant.parse("2024-02-01T00:00:00Z"),
                Instant.parse("2024-01-01T00:00:00Z")).build()).isInstanceOf(InvalidInputException.class)
                .hasMessage("Filter modified is 2024-02-01T00:00:00Z..2024-01-01T00:00:00Z; expected MIN <= MAX");
        assertThatThrownBy(() -> SearchFilter.builder().minScore(1.5).build()).isInstanceOf(InvalidInputException.class)
                .hasMessage("Filter minScore is 1.5; expected a similarity from -1 to 1");
        assertThatThrownBy(() -> SearchFilter.builder().generator(" ").build()).isInstanceOf(InvalidInputException.class)
                .hasMessage("Filter generator is blank; leave it null to not filter on it");
        assertThatThrownBy(() -> SearchFilter.builder().folder("").build()).isInstanceOf(InvalidInputException.class)
                .hasMessage("Filter folder is empty; expected a folder path");
        assertThatThrownBy(() -> SearchFilter.builder().sampler("a\0b").build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Filter sampler contains a NUL character (U+0000) at index 1; stores cannot hold it");
        assertThatThrownBy(() -> new SearchFilter.Range<Integer>(null, null)).isInstanceOf(InvalidInputException.class)
                .hasMessage("A range needs a MIN, a MAX or both; both are null");
        assertThat(SearchFilter.builder().steps(null, null).build()).isEqualTo(SearchFilter.NONE);
    }

    @Test
    void aFiltersMinimumScoreRaisesTheDuplicateThreshold() {
        NearDuplicateRequest d = NearDuplicateRequest.of("image");
        assertThat(d.linkThreshold()).isEqualTo(0.95);
        assertThat(d.withFilter(SearchFilter.builder().minScore(0.98).build()).linkThreshold()).isEqualTo(0.98);
        assertThat(d.withFilter(SearchFilter.builder().minScore(0.5).build()).linkThreshold()).isEqualTo(0.95);
    }
}
