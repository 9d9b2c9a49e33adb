package dev.sdembed.store.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.StoreException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.SlotSpec;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The store implementors' toolkit on its own, without a store. */
class StoreSpiTest {

    @Test
    void duplicateGroupsAreTransitiveWithTheirWeakestLink() {
        ContentHash a = ContentHash.ofText("a");
        ContentHash b = ContentHash.ofText("b");
        ContentHash c = ContentHash.ofText("c");
        ContentHash d = ContentHash.ofText("d");
        ContentHash e = ContentHash.ofText("e");
        DuplicateGrouper grouper = new DuplicateGrouper();
        grouper.link(a, b, 0.99);
        grouper.link(c, b, 0.96);
        grouper.link(d, d, 1.0);
        List<DuplicateGroup> groups = grouper.groups(List.of(
                new DuplicateGroup.Member(1, "/3.png", c), new DuplicateGroup.Member(2, "/1.png", a),
                new DuplicateGroup.Member(3, "/2.png", b), new DuplicateGroup.Member(4, "/4.png", e),
                new DuplicateGroup.Member(5, "/5.png", e), new DuplicateGroup.Member(6, "/6.png", d)));
        assertThat(groups).hasSize(2);
        assertThat(groups.get(0).members()).extracting(DuplicateGroup.Member::path)
                .containsExactly("/1.png", "/2.png", "/3.png");
        assertThat(groups.get(0).lowestLink()).isEqualTo(0.96);
        assertThat(groups.get(1).members()).extracting(DuplicateGroup.Member::path).containsExactly("/4.png", "/5.png");
        assertThat(groups.get(1).lowestLink()).isEqualTo(1.0);
        assertThat(grouper.isLinked(a)).isTrue();
        assertThat(grouper.isLinked(e)).isFalse();
    }

    @Test
    void aReadOnlyOpenRefusesASlotTheStoreLacksAndWritesNothingForAnother() {
        SlotSpec slot = new SlotSpec("image_clip", Modality.IMAGE, 768, "clip-vision", "0123456789abcdef", "clip-l");
        String where = "embedded store /data/sdembed.db";
        assertThatThrownBy(() -> SlotReconciliation.decideForReading(slot, null, null, List.of("prompt_bge"), where))
                .isInstanceOf(StoreException.class)
                .hasMessage("Slot 'image_clip' is not in embedded store /data/sdembed.db, which has slots "
                        + "[prompt_bge]; index with this configuration first (that adds the slot), or read with a "
                        + "configuration of the store's slots");
        SlotReconciliation.StoredSlot same = new SlotReconciliation.StoredSlot(Modality.IMAGE, 768, null,
                "clip-vision", "0123456789abcdef", "clip-l");
        assertThat(SlotReconciliation.decideForReading(slot, null, same, List.of("image_clip"), where))
                .isEqualTo(SlotReconciliation.KEEP);
        SlotReconciliation.StoredSlot otherModel = new SlotReconciliation.StoredSlot(Modality.IMAGE, 768, null,
                "clip-vision", "fedcba", "clip-l");
        assertThat(SlotReconciliation.decideForReading(slot, null, otherModel, List.of("image_clip"), where))
                .isEqualTo(SlotReconciliation.UPDATE);
        SlotReconciliation.StoredSlot text = new SlotReconciliation.StoredSlot(Modality.TEXT, 768, null, "clip-text",
                "0123456789abcdef", "clip-l");
        assertThatThrownBy(() -> SlotReconciliation.decideForReading(slot, null, text, List.of("image_clip"), where))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("Slot 'image_clip' in embedded store /data/sdembed.db holds text 768-d");
    }

    @Test
    void theSqlFailuresInsideAFailureComeOwnFirstThenCausesAndSuppressedOnce() {
        SQLException full = new SQLException("database or disk is full");
        SQLException rollback = new SQLException("cannot rollback - no transaction is active");
        full.addSuppressed(rollback);
        SQLException commit = new SQLException("cannot commit - no transaction is active");
        commit.addSuppressed(full);
        commit.addSuppressed(full);
        RuntimeException wrapper = new RuntimeException("writing a batch", commit);

        assertThat(SqlFailures.all(wrapper)).containsExactly(commit, full, rollback);
        assertThat(SqlFailures.all(new RuntimeException("no SQL"))).isEmpty();
    }

    @Test
    void parametersAreWrittenAsJsonStrings() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("prompt \"x\"", "a\\b\nc\td\u0001");
        p.put("seed", "42");
        assertThat(ParametersJson.write(p)).isEqualTo("{\"prompt \\\"x\\\"\":\"a\\\\b\\nc\\td\\u0001\",\"seed\":\"42\"}");
        assertThat(ParametersJson.write(Map.of())).isEqualTo("{}");
    }

    @Test
    void parametersReadBackInTheirOrderAndAnythingButAnObjectOfStringsIsRefused() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("seed", "42");
        p.put("prompt \"x\"", "a\\b\nc\td\u0001 \u00e9\ud83d\ude00");
        p.put("Steps", "");
        assertThat(ParametersJson.read(ParametersJson.write(p))).containsExactlyEntriesOf(p);
        assertThat(ParametersJson.read("{}")).isEmpty();
        assertThatThrownBy(() -> ParametersJson.read("{\"seed\": 42}")).isInstanceOf(java.io.IOException.class)
                .hasMessage("'seed' is NUMBER; expected a string");
        assertThatThrownBy(() -> ParametersJson.read("[\"a\"]")).hasMessage("expected a JSON object, found ARRAY");
        assertThatThrownBy(() -> ParametersJson.read("")).hasMessage("expected a JSON object, found MISSING");
        assertThatThrownBy(() -> ParametersJson.read("{\"a\": \"b\"")).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void aStoreKeepsCreatesOrUpdatesASlotAndRefusesAnotherShape() {
        SlotSpec slot = new SlotSpec("prompt_bge", Modality.TEXT, 384, "bge-small-en-v1.5", "0123456789abcdef", null);
        String where = "embedded store /data/sdembed.db";
        assertThat(SlotReconciliation.decide(slot, null, null, where)).isEqualTo(SlotReconciliation.CREATE);
        SlotReconciliation.StoredSlot same = SlotReconciliation.StoredSlot.of("text", 384, null, "bge-small-en-v1.5",
                "0123456789abcdef", null);
        assertThat(same.modality()).isEqualTo(Modality.TEXT);
        assertThat(SlotReconciliation.decide(slot, null, same, where)).isEqualTo(SlotReconciliation.KEEP);
        // A new model of the same shape, a renamed encoder or a declared space: the registry takes the configuration.
        for (SlotReconciliation.StoredSlot changed : List.of(
                new SlotReconciliation.StoredSlot(Modality.TEXT, 384, null, "bge-small-en-v1.5", "fedcba", null),
                new SlotReconciliation.StoredSlot(Modality.TEXT, 384, null, "bge-small", "0123456789abcdef", null),
                new SlotReconciliation.StoredSlot(Modality.TEXT, 384, null, "bge-small-en-v1.5", "0123456789abcdef",
                        "bge"))) {
            assertThat(SlotReconciliation.decide(slot, null, changed, where)).isEqualTo(SlotReconciliation.UPDATE);
        }

        SlotReconciliation.StoredSlot wider = new SlotReconciliation.StoredSlot(Modality.TEXT, 1024, null,
                "bge-large-en-v1.5", "f00d", null);
        assertThatThrownBy(() -> SlotReconciliation.decide(slot, null, wider, where))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Slot 'prompt_bge' in embedded store /data/sdembed.db holds text 1024-d embeddings "
                        + "(encoder 'bge-large-en-v1.5') but is configured as text 384-d (encoder "
                        + "'bge-small-en-v1.5'); configure a new slot name for a different encoder shape");
        SlotReconciliation.StoredSlot image = new SlotReconciliation.StoredSlot(Modality.IMAGE, 384, "vector",
                "clip-vision", "0123456789abcdef", null);
        assertThatThrownBy(() -> SlotReconciliation.decide(slot, "vector", image, "schema 'sdembed'"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("Slot 'prompt_bge' in schema 'sdembed' holds image 384-d vector embeddings "
                        + "(encoder 'clip-vision') but is configured as text 384-d vector");
        SlotReconciliation.StoredSlot full = SlotReconciliation.StoredSlot.of("text", 384, "vector",
                "bge-small-en-v1.5", "0123456789abcdef", null);
        assertThat(SlotReconciliation.decide(slot, "vector", full, "schema 'sdembed'"))
                .isEqualTo(SlotReconciliation.KEEP);
        assertThatThrownBy(() -> SlotReconciliation.decide(slot, "halfvec", full, "schema 'sdembed'"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("holds text 384-d vector embeddings (encoder 'bge-small-en-v1.5') but is "
                        + "configured as text 384-d halfvec (encoder 'bge-small-en-v1.5')");

        assertThatThrownBy(() -> SlotReconciliation.StoredSlot.of("audio", 384, null, "e", "f", null))
                .isInstanceOf(StoreException.class)
                .hasMessage("The slot registry holds modality 'audio'; expected one of [TEXT, IMAGE]. The store was "
                        + "changed by something other than sdembed");
    }
}
