package dev.sdembed.store.postgres;

import java.util.List;

/**
 * What {@link PostgresEmbeddingStore.Builder#init()} found on a PostgreSQL server and did there for a store, and,
 * when the role it connected as may not do everything, the SQL a superuser must run for it.
 *
 * @param where             the server, database and role, password masked ({@code postgresql://me:***@host:5432/db})
 * @param schema            the store's schema
 * @param steps             what was found and done, in order, one sentence each
 * @param superuserSql      statements a superuser must run once, in order, each ending in {@code ;}; empty when none
 * @param superuserDatabase the database to run them in (the store's, or {@code postgres} to create it), or null
 * @param problem           what no SQL of a superuser fixes (no server answers, pgvector missing on the server, a
 *                          wrong password, ...), or null
 */
public record PostgresStoreInit(String where, String schema, List<String> steps, List<String> superuserSql,
                                String superuserDatabase, String problem) {

    public PostgresStoreInit {
        steps = List.copyOf(steps);
        superuserSql = List.copyOf(superuserSql);
    }

    /** Whether the store is ready for this role: its schema migrated, nothing left for a superuser or to fix. */
    public boolean ready() {
        return problem == null && superuserSql.isEmpty();
    }
}
