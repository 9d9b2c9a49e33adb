package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.internal.NulChecks;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One image file as the store keeps it, keyed by its path. It references its image content and its prompt and
 * negative prompt texts by hash; stores keep the contents' reference counts exact whenever records are written,
 * re-pointed or deleted.
 *
 * @param path         the file's path as the caller names it (unique key); no NUL characters
 * @param imageHash    SHA-256 of the whole file; required when {@code status} is OK, optional for failed files
 * @param promptHash   the prompt text's hash, or null when the file has no prompt
 * @param negativeHash the negative prompt text's hash, or null
 * @param generator    the front-end that wrote the metadata ({@code a1111}, {@code comfyui}, ...), or null
 * @param modelName    the checkpoint named in the metadata, or null
 * @param parameters   further generation parameters (seed, steps, sampler, ...) as text; never null
 * @param width        pixel width from the metadata or the decoder; 0 when unknown
 * @param height       pixel height; 0 when unknown
 * @param fileSize     file size in bytes, with {@code modifiedAt} what tells a changed file
 * @param modifiedAt   the file's modification time, kept to the microsecond (what databases store), so a record
 *                     built again from an unchanged file equals the stored one
 * @param status       OK, or FAILED with {@code error} saying why
 * @param error        why the file failed; null when OK
 */
public record ImageRecord(String path, ContentHash imageHash, ContentHash promptHash, ContentHash negativeHash,
                          String generator, String modelName, Map<String, String> parameters, int width, int height,
                          long fileSize, Instant modifiedAt, ImageStatus status, String error) {

    /** Longest accepted path, in characters: longer ones are not real file paths. */
    public static final int MAX_PATH_LENGTH = 4096;
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    public ImageRecord {
        if (path == null || path.isBlank()) {
            throw new InvalidInputException("Image path is " + (path == null ? "null" : "blank"));
        }
        if (path.length() > MAX_PATH_LENGTH) {
            throw new InvalidInputException("Image path has " + path.length() + " characters; at most "
                    + MAX_PATH_LENGTH + " are accepted");
        }
        NulChecks.requireNoNul(path, "Image path");
        String what = "Image '" + path + "'";
        if (status == null) {
            throw new InvalidInputException(what + " has no status; expected OK or FAILED");
        }
        if (status == ImageStatus.OK && imageHash == null) {
            throw new InvalidInputException(what + " has status OK but a null image content hash");
        }
        if (status == ImageStatus.OK && error != null) {
            throw new InvalidInputException(what + " has status OK but an error text; use status FAILED");
        }
        if (status == ImageStatus.FAILED && (error == null || error.isBlank())) {
            throw new InvalidInputException(what + " has status FAILED but no error text saying why");
        }
        if (width < 0 || height < 0) {
            throw new InvalidInputException(what + " has size " + width + "x" + height + "; expected >= 0 (0 = unknown)");
        }
        if (fileSize < 0) {
            throw new InvalidInputException(what + " has file size " + fileSize + "; expected >= 0");
        }
        if (modifiedAt == null) {
            throw new InvalidInputException(what + " has no modification time");
        }
        if (modifiedAt.isBefore(EARLIEST) || modifiedAt.isAfter(LATEST)) {
            throw new InvalidInputException(what + " has modification time " + modifiedAt
                    + "; expected a time between years 1 and 9999");
        }
        modifiedAt = modifiedAt.truncatedTo(ChronoUnit.MICROS);
        NulChecks.requireNoNul(generator, what + " generator");
        NulChecks.requireNoNul(modelName, what + " model name");
        NulChecks.requireNoNul(error, what + " error");
        parameters = copyParameters(parameters, what);
    }

    private static Map<String, String> copyParameters(Map<String, String> parameters, String what) {
        if (parameters == null || parameters.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new InvalidInputException(what + " has a generation parameter with a null "
                        + (e.getKey() == null ? "name" : "value for '" + e.getKey() + "'"));
            }
            NulChecks.requireNoNul(e.getKey(), what + " parameter name");
            NulChecks.requireNoNul(e.getValue(), what + " parameter '" + e.getKey() + "'");
            copy.put(e.getKey(), e.getValue());
        }
        return Collections.unmodifiableMap(copy);
    }

    /** A builder for an indexed (OK) file; set {@link Builder#failed(String)} for a failed one. */
    public static Builder builder(String path) {
        return new Builder(path);
    }

    /** A failed file: its size, time and the reason, with no contents. */
    public static ImageRecord failed(String path, long fileSize, Instant modifiedAt, String error) {
        return builder(path).fileSize(fileSize).modifiedAt(modifiedAt).failed(error).build();
    }

    public Builder toBuilder() {
        Builder b = new Builder(path);
        b.imageHash = imageHash;
        b.promptHash = promptHash;
        b.negativeHash = negativeHash;
        b.generator = generator;
        b.modelName = modelName;
        b.parameters = parameters;
        b.width = width;
        b.height = height;
        b.fileSize = fileSize;
        b.modifiedAt = modifiedAt;
        b.status = status;
        b.error = error;
        return b;
    }

    /** The sampler, seed, steps and CFG scale its {@link #parameters()} state, as filters read them. */
    public GenerationSettings settings() {
        return GenerationSettings.of(parameters);
    }

    /** The content hash this record references for {@code role}: its prompt or its negative prompt. */
    public ContentHash textHash(TextRole role) {
        return role == TextRole.NEGATIVE ? negativeHash : promptHash;
    }

    /** Collects an {@link ImageRecord}; {@link #build()} validates. */
    public static final class Builder {
        private final String path;
        private ContentHash imageHash;
        private ContentHash promptHash;
        private ContentHash negativeHash;
        private String generator;
        private String modelName;
        private Map<String, String> parameters = Map.of();
        private int width;
        private int height;
        private long fileSize;
        private Instant modifiedAt;
        private ImageStatus status = ImageStatus.OK;
        private String error;

        private Builder(String path) {
            this.path = path;
        }

        public Builder imageHash(ContentHash imageHash) {
            this.imageHash = imageHash;
            return this;
        }

        public Builder promptHash(ContentHash promptHash) {
            this.promptHash = promptHash;
            return this;
        }

        public Builder negativeHash(ContentHash negativeHash) {
            this.negativeHash = negativeHash;
            return this;
        }

        public Builder generator(String generator) {
            this.generator = generator;
            return this;
        }

        public Builder modelName(String modelName) {
            this.modelName = modelName;
            return this;
        }

        public Builder parameters(Map<String, String> parameters) {
            this.parameters = parameters;
            return this;
        }

        public Builder size(int width, int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        public Builder fileSize(long fileSize) {
            this.fileSize = fileSize;
            return this;
        }

        public Builder modifiedAt(Instant modifiedAt) {
            this.modifiedAt = modifiedAt;
            return this;
        }

        /** Marks the file as failed with {@code error} as the reason. */
        public Builder failed(String error) {
            this.status = ImageStatus.FAILED;
            this.error = error;
            return this;
        }

        /** Marks the file as indexed, clearing any error. */
        public Builder ok() {
            this.status = ImageStatus.OK;
            this.error = null;
            return this;
        }

        public ImageRecord build() {
            return new ImageRecord(path, imageHash, promptHash, negativeHash, generator, modelName, parameters,
                    width, height, fileSize, modifiedAt, status, error);
        }
    }
}
