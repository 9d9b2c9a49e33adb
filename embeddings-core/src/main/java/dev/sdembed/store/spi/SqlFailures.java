package dev.sdembed.store.spi;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The SQL failures inside a failure, for stores on JDBC. A failed rollback or commit after a lost connection or a
 * full disk can become the exception a store catches, with the real cause attached as suppressed; a store that
 * reports the first real cause looks through all of them.
 */
public final class SqlFailures {
    private SqlFailures() {
    }

    /**
     * The {@link SQLException}s in {@code t}, its causes and their suppressed exceptions (depth first, each once),
     * {@code t}'s own first.
     */
    public static List<SQLException> all(Throwable t) {
        List<SQLException> found = new ArrayList<>();
        collect(t, found, Collections.newSetFromMap(new IdentityHashMap<>()));
        return found;
    }

    private static void collect(Throwable t, List<SQLException> found, Set<Throwable> seen) {
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            if (c instanceof SQLException e) {
                found.add(e);
            }
            for (Throwable s : c.getSuppressed()) {
                collect(s, found, seen);
            }
        }
    }
}
