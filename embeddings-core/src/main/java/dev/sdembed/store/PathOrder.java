package dev.sdembed.store;

import java.util.Comparator;

/**
 * The order in which {@link EmbeddingStore#listImages} returns records: by the paths' Unicode code points, which is
 * the byte order of their UTF-8 (PostgreSQL's {@code "C"} collation, SQLite's {@code BINARY}). It differs from
 * {@link String#compareTo}, which compares UTF-16 units, only for characters beyond U+FFFF against those from U+E000
 * to U+FFFF, but a merge of a sorted walk with a listing must agree with the store on every name.
 */
public final class PathOrder {
    /** Compares paths as the stores order them. */
    public static final Comparator<String> COMPARATOR = PathOrder::compare;

    private PathOrder() {
    }

    /** Negative, zero or positive as {@code a} sorts before, with or after {@code b} in the stores' path order. */
    public static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                // Surrogates (U+D800..U+DFFF, code points beyond U+FFFF) sort after every other UTF-16 unit.
                boolean sx = Character.isSurrogate(x);
                boolean sy = Character.isSurrogate(y);
                if (sx != sy) {
                    return sx ? 1 : -1;
                }
                return Character.compare(x, y);
            }
        }
        return Integer.compare(a.length(), b.length());
    }
}
