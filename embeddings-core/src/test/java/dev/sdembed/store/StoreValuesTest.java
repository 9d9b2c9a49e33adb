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
}
