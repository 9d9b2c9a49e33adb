package dev.sdembed.store.postgres.internal;

import dev.sdembed.encoder.Modality;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.TextRole;

/**
 * The SQL names and types of one slot's embedding table. Slot names are validated identifiers
 * ({@code [a-z][a-z0-9_]{0,47}}), so they are safe in SQL text; every value still goes through bound parameters.
 *
 * @param spec       the configured slot
 * @param vectorType {@code vector} or {@code halfvec}
 */
public record SlotTable(SlotSpec spec, String vectorType) {

    /** HNSW on {@code vector} indexes at most 2,000 dimensions, on {@code halfvec} 4,000. */
    public static final int MAX_VECTOR_DIMENSIONS = 2000;
    public static final int MAX_HALFVEC_DIMENSIONS = 4000;

    public String table() {
        return "emb_" + spec.name();
    }

    public String stagingTable() {
        return "stage_emb_" + spec.name();
    }

    public String indexName() {
        return table() + "_hnsw";
    }

    public String contentTable() {
        return spec.modality() == Modality.TEXT ? "text_contents" : "image_contents";
    }

    public boolean half() {
        return vectorType.equals("halfvec");
    }

    /** The column type, e.g. {@code vector(384)}. */
    public String columnType() {
        return vectorType + "(" + spec.dimension() + ")";
    }

    /** Inner product: for L2-normalised vectors it ranks exactly as cosine, without computing norms. */
    public String operatorClass() {
        return vectorType + "_ip_ops";
    }

    /** The image column that references this slot's contents, for a text slot through {@code role}. */
    public String imageColumn(TextRole role) {
        if (spec.modality() == Modality.IMAGE) {
            return "image_hash";
        }
        return role == TextRole.NEGATIVE ? "negative_hash" : "prompt_hash";
    }

    /** A bound query vector (sent as {@code vector}) in this table's type. */
    public String queryVector(String parameter) {
        return half() ? "CAST(CAST(:" + parameter + " AS vector) AS halfvec)" : "CAST(:" + parameter + " AS vector)";
    }

    /** Bytes one stored vector takes: varlena header, dimension, unused, components. */
    public int bytesPerVector() {
        return 8 + spec.dimension() * (half() ? 2 : 4);
    }

    /**
     * No foreign key to the content table: its check is a query per row, 15 % of the server's time in a bulk COPY.
     * The writers check a batch's contents in one query instead ({@code BatchWriter}), only
     * {@code removeUnreferenced} deletes contents and it deletes their embeddings first, and the invariant check
     * reports any embedding left without its content.
     */
    public String createTableSql() {
        return "CREATE TABLE IF NOT EXISTS " + table() + " ("
                + "hash bytea PRIMARY KEY, "
                + "fingerprint text NOT NULL, "
                + "embedding " + columnType() + " NOT NULL, "
                + "updated_at timestamptz NOT NULL DEFAULT now())";
    }

    /**
     * What earlier versions created and this one drops: the per-row foreign key (see {@link #createTableSql()}) and
     * an index on the fingerprint, which no query can use (a slot's rows share one or two values, and stale rows are
     * found by {@code <>}) but every insert had to maintain.
     */
    public String retiredConstraint() {
        return table() + "_hash_fkey";
    }

    public String retiredIndex() {
        return table() + "_fingerprint";
    }

    public String createVectorIndexSql(int m, int efConstruction) {
        return "CREATE INDEX IF NOT EXISTS " + indexName() + " ON " + table() + " USING hnsw (embedding "
                + operatorClass() + ") WITH (m = " + m + ", ef_construction = " + efConstruction + ")";
    }

    /**
     * A session's staging table for this slot. Rows stay inline up to a page ({@code toast_tuple_target}): a
     * 1024-d vector would otherwise be moved to TOAST chunks on the way in, only to be read back at once.
     */
    public String createStagingSql() {
        return "CREATE TEMP TABLE IF NOT EXISTS " + stagingTable() + " (hash bytea NOT NULL, embedding "
                + columnType() + " NOT NULL) WITH (toast_tuple_target = 8160) ON COMMIT DELETE ROWS";
    }
}
