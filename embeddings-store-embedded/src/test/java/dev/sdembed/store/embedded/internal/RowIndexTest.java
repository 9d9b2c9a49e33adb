package dev.sdembed.store.embedded.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.hash.ContentHash;
import org.junit.jupiter.api.Test;

class RowIndexTest {

    @Test
    void everyHashKeepsTheRowItWasAddedAtThroughRehashes() {
        RowIndex index = new RowIndex(1);
        int n = 50_000;
        for (int i = 0; i < n; i++) {
            assertThat(index.rowOrAdd(ContentHash.ofText("c" + i))).isEqualTo(i);
        }
        assertThat(index.rowOrAdd(ContentHash.ofText("c123"))).isEqualTo(123);
        assertThat(index.size()).isEqualTo(n);
        for (int i = 0; i < n; i += 997) {
            ContentHash hash = ContentHash.ofText("c" + i);
            assertThat(index.row(hash)).isEqualTo(i);
            assertThat(index.hash(i)).isEqualTo(hash);
        }
        assertThat(index.row(ContentHash.ofText("absent"))).isEqualTo(-1);
        // 32 bytes of hash per row, a quarter more at most while growing, and at most 8/3 ints of table.
        assertThat(index.heapBytes()).isLessThanOrEqualTo(n * (40L + 4 * 8 / 3) + 64);
    }
}
