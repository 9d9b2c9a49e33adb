package dev.sdembed.store.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.DuplicateGroup;
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
    void parametersAreWrittenAsJsonStrings() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("prompt \"x\"", "a\\b\nc\td\u0001");
        p.put("seed", "42");
        assertThat(ParametersJson.write(p)).isEqualTo("{\"prompt \\\"x\\\"\":\"a\\\\b\\nc\\td\\u0001\",\"seed\":\"42\"}");
        assertThat(ParametersJson.write(Map.of())).isEqualTo("{}");
    }
}
