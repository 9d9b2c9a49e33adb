package dev.sdembed.runtime;

import dev.sdembed.InvalidInputException;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import dev.sdembed.store.postgres.PostgresEmbeddingStore;
import dev.sdembed.store.postgres.PostgresUrl;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which store a {@code --store} value (or {@code store.url}) names: {@code postgresql://…} or
 * {@code jdbc:postgresql://…} is a PostgreSQL store; a folder path or a {@code file:} URL is the embedded store;
 * nothing at all is the embedded store in {@value #DEFAULT_FOLDER} in the working folder.
 *
 * @param postgresUrl       the PostgreSQL URL, or null
 * @param embeddedDirectory the embedded store's folder (absolute), or null
 */
public record StoreLocation(String postgresUrl, Path embeddedDirectory) {

    /** The embedded store's folder when no store is given, relative to the working folder. */
    public static final String DEFAULT_FOLDER = "sdembed-data";

    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):(//.*|.*)$");

    /** The location {@code value} names (a URL, a folder or {@code file:} URL), or the default one for null. */
    public static StoreLocation parse(String value) {
        if (value == null) {
            return new StoreLocation(null, Path.of("").toAbsolutePath().resolve(DEFAULT_FOLDER));
        }
        if (value.isBlank()) {
            throw new InvalidInputException("Store is blank; expected postgresql://user@host:port/db, "
                    + "jdbc:postgresql://host:port/db, a folder path or file:FOLDER");
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (lower.startsWith("postgresql://") || lower.startsWith("postgres://") || lower.startsWith("jdbc:postgresql:")) {
            PostgresUrl.parse(value); // a malformed URL is reported now, before any model is loaded
            return new StoreLocation(value, null);
        }
        if (lower.startsWith("file:")) {
            return new StoreLocation(null, fileUrl(value));
        }
        var m = SCHEME.matcher(value);
        // One letter before ':' is a Windows drive (C:\data), not a scheme.
        if (m.matches() && m.group(1).length() > 1) {
            throw new InvalidInputException("Store '" + value + "' has the unsupported scheme '" + m.group(1)
                    + "'; expected postgresql://user@host:port/db, jdbc:postgresql://host:port/db, a folder path or "
                    + "file:FOLDER for the embedded store");
        }
        try {
            return new StoreLocation(null, Path.of(value).toAbsolutePath().normalize());
        } catch (InvalidPathException e) {
            throw new InvalidInputException("Store '" + value + "' is not a valid folder path: " + e.getReason(), e);
        }
    }

    /** {@code file:/abs}, {@code file:///abs} (URLs) and {@code file:relative} (a path after the prefix). */
    private static Path fileUrl(String value) {
        String rest = value.substring("file:".length());
        try {
            if (rest.startsWith("/")) {
                return Path.of(URI.create(value)).toAbsolutePath().normalize();
            }
            return Path.of(rest).toAbsolutePath().normalize();
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("Store '" + value + "' is not a valid file: URL (" + e.getMessage()
                    + "); expected e.g. file:///home/me/sdembed-data or file:sdembed-data", e);
        }
    }

    public boolean isEmbedded() {
        return embeddedDirectory != null;
    }

    /**
     * Opens the store here with {@code slots}.
     *
     * @param schema   the PostgreSQL schema, or null for the store's default; an error for the embedded store
     * @param password the PostgreSQL password when the URL has none, or null
     * @param readOnly open an existing store for reading only: nothing is created or changed, and where there is no
     *                 store the error names where it looked (the stores' {@code readOnly(true)}); else open it for
     *                 writing, created if missing
     */
    public EmbeddingStore open(List<SlotSpec> slots, String schema, String password, boolean readOnly) {
        if (isEmbedded()) {
            return EmbeddedEmbeddingStore.builder().directory(embeddedDirectory).slots(slots).readOnly(readOnly)
                    .build();
        }
        PostgresEmbeddingStore.Builder b = PostgresEmbeddingStore.builder().url(postgresUrl).slots(slots)
                .readOnly(readOnly);
        if (schema != null) {
            b.schema(schema);
        }
        if (password != null && !password.isEmpty()) {
            b.password(password);
        }
        return b.build();
    }

    /**
     * For a read-only open: fails at once, before any model loads, when the embedded store's folder holds no store
     * ("No sdembed store at ..."). A PostgreSQL store is checked when it is opened.
     */
    void requireExistingStore() {
        if (isEmbedded()) {
            EmbeddedEmbeddingStore.requireStoreAt(embeddedDirectory);
        }
    }

    /** Refuses a schema for the embedded store, which has none, naming where it is. */
    void checkSchema(String schema) {
        if (isEmbedded() && schema != null) {
            throw new InvalidInputException("A schema (--schema, store.schema) applies to PostgreSQL stores only; the"
                    + " embedded store in "
                    + embeddedDirectory + " has no schemas");
        }
    }

    @Override
    public String toString() {
        // Never the PostgreSQL URL: it may carry a password.
        return isEmbedded() ? embeddedDirectory.toString() : "PostgreSQL store";
    }
}
