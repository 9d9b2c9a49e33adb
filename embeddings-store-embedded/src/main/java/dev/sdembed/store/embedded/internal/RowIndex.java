package dev.sdembed.store.embedded.internal;

import dev.sdembed.hash.ContentHash;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Content hashes of a slot's rows and the row of each, in flat arrays: 32 bytes per row for the hash (40 at most while
 * growing) plus an open-addressing table of at most 2.7 ints per row, where a {@code HashMap<ContentHash, Integer>} with the hash
 * objects costs about 150 bytes per row (as much as the int8 codes of a 150-d vector). Rows are added, never removed.
 * Not thread-safe.
 */
final class RowIndex {
    private static final int WORDS = ContentHash.LENGTH / Long.BYTES;

    private long[] hashes;
    /** Row + 1 per slot, 0 for free; a power of two long, at most three quarters full. */
    private int[] table;
    private int size;

    RowIndex(int capacity) {
        hashes = new long[Math.max(1, capacity) * WORDS];
        table = new int[tableLength(Math.max(1, capacity))];
    }

    int size() {
        return size;
    }

    /** The row of {@code hash}, or -1. */
    int row(ContentHash hash) {
        long[] words = words(hash);
        int mask = table.length - 1;
        for (int i = slot(words[0], mask); ; i = (i + 1) & mask) {
            int entry = table[i];
            if (entry == 0) {
                return -1;
            }
            if (equals(entry - 1, words)) {
                return entry - 1;
            }
        }
    }

    /** The row of {@code hash}, added as the next row when it has none. */
    int rowOrAdd(ContentHash hash) {
        long[] words = words(hash);
        int mask = table.length - 1;
        int i = slot(words[0], mask);
        for (; table[i] != 0; i = (i + 1) & mask) {
            if (equals(table[i] - 1, words)) {
                return table[i] - 1;
            }
        }
        int row = size++;
        if (row * WORDS == hashes.length) {
            // A quarter more, as the codes grow: a slack of at most 8 bytes per row.
            hashes = Arrays.copyOf(hashes, hashes.length + hashes.length / 4 / WORDS * WORDS + WORDS);
        }
        System.arraycopy(words, 0, hashes, row * WORDS, WORDS);
        if (size * 4L > table.length * 3L) {
            rehash(table.length * 2);
        } else {
            table[i] = row + 1;
        }
        return row;
    }

    ContentHash hash(int row) {
        ByteBuffer b = ByteBuffer.allocate(ContentHash.LENGTH);
        for (int w = 0; w < WORDS; w++) {
            b.putLong(hashes[row * WORDS + w]);
        }
        return ContentHash.of(b.array());
    }

    /** Bytes of heap the arrays take, headers included. */
    long heapBytes() {
        return 16 + 8L * hashes.length + 16 + 4L * table.length;
    }

    private void rehash(int length) {
        table = new int[length];
        int mask = length - 1;
        for (int row = 0; row < size; row++) {
            int i = slot(hashes[row * WORDS], mask);
            while (table[i] != 0) {
                i = (i + 1) & mask;
            }
            table[i] = row + 1;
        }
    }

    private boolean equals(int row, long[] words) {
        int at = row * WORDS;
        return hashes[at] == words[0] && hashes[at + 1] == words[1] && hashes[at + 2] == words[2]
                && hashes[at + 3] == words[3];
    }

    /** SHA-256 bits are uniform, so the first word's low bits spread rows evenly. */
    private static int slot(long firstWord, int mask) {
        return (int) (firstWord ^ (firstWord >>> 32)) & mask;
    }

    private static long[] words(ContentHash hash) {
        ByteBuffer b = ByteBuffer.wrap(hash.toBytes());
        long[] words = new long[WORDS];
        for (int w = 0; w < WORDS; w++) {
            words[w] = b.getLong();
        }
        return words;
    }

    /** The smallest power of two holding {@code rows} at most three quarters full. */
    private static int tableLength(int rows) {
        int length = 4;
        while (length * 3L < rows * 4L) {
            length *= 2;
        }
        return length;
    }
}
