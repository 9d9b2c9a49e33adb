package dev.sdembed.store.postgres.internal;

import dev.sdembed.InvalidInputException;
import dev.sdembed.hash.ContentHash;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** SQL identifiers and advisory-lock keys derived from the store's schema name. */
public final class Identifiers {
    private static final Pattern SCHEMA = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private Identifiers() {
    }

    /** Checks a schema name; only plain identifiers are accepted, so quoting them is always safe. */
    public static String checkSchema(String schema) {
        if (schema == null || !SCHEMA.matcher(schema).matches()) {
            throw new InvalidInputException("Schema name '" + schema
                    + "' is invalid; expected letters, digits and underscores, at most 63, not starting with a digit");
        }
        return schema;
    }

    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** A stable 64-bit advisory-lock key for {@code purpose} in {@code schema}, the same in every process. */
    public static long lockKey(String purpose, String schema) {
        byte[] digest = ContentHash.sha256().digest(("sdembed:" + purpose + ":" + schema).getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest).getLong();
    }
}
