package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.hash.ContentHash;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one transaction writes: new contents, their embeddings, image records to insert or update (by path)
 * and paths to delete. A store applies a batch entirely or not at all; writing the same batch twice leaves the same
 * state as writing it once, so a failed batch can simply be retried.
 *
 * <p>The builder merges repeated contents (the same prompt used by many images of the batch is added once) and
 * rejects contradictions: two different vectors for one content and slot, a path written twice or both written and
 * deleted.
 */
public final class WriteBatch {
    private final List<TextContent> texts;
    private final List<ImageContent> images;
    private final List<ContentEmbedding> embeddings;
    private final List<ImageRecord> records;
    private final List<String> deletions;

    private WriteBatch(Builder b) {
        this.texts = List.copyOf(b.texts.values());
        this.images = List.copyOf(b.images.values());
        this.embeddings = List.copyOf(b.embeddings.values());
        this.records = List.copyOf(b.records.values());
        this.deletions = List.copyOf(b.deletions);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Text contents, each hash once. */
    public List<TextContent> texts() {
        return texts;
    }

    /** Image contents, each hash once. */
    public List<ImageContent> images() {
        return images;
    }

    /** Embeddings, each (slot, content) once. */
    public List<ContentEmbedding> embeddings() {
        return embeddings;
    }

    /** Image records to insert or update, each path once. */
    public List<ImageRecord> records() {
        return records;
    }

    /** Paths whose image records are deleted; unknown paths are ignored. */
    public List<String> deletions() {
        return deletions;
    }

    public boolean isEmpty() {
        return texts.isEmpty() && images.isEmpty() && embeddings.isEmpty() && records.isEmpty()
                && deletions.isEmpty();
    }

    @Override
    public String toString() {
        return "WriteBatch[texts=" + texts.size() + ", images=" + images.size() + ", embeddings=" + embeddings.size()
                + ", records=" + records.size() + ", deletions=" + deletions.size() + "]";
    }

    /** Collects a batch. Not thread-safe. */
    public static final class Builder {
        private final Map<ContentHash, TextContent> texts = new LinkedHashMap<>();
        private final Map<ContentHash, ImageContent> images = new LinkedHashMap<>();
        private final Map<List<Object>, ContentEmbedding> embeddings = new LinkedHashMap<>();
        private final Map<String, ImageRecord> records = new LinkedHashMap<>();
        private final Set<String> deletions = new LinkedHashSet<>();

        private Builder() {
        }

        public Builder text(TextContent text) {
            if (text == null) {
                throw new InvalidInputException("Text content is null");
            }
            texts.putIfAbsent(text.hash(), text);
            return this;
        }

        /** Adds the text content of {@code text} and returns its hash, for the image records that reference it. */
        public ContentHash addText(String text) {
            TextContent content = TextContent.of(text);
            text(content);
            return content.hash();
        }

        public Builder image(ImageContent image) {
            if (image == null) {
                throw new InvalidInputException("Image content is null");
            }
            ImageContent known = images.putIfAbsent(image.hash(), image);
            if (known != null && !known.equals(image)) {
                throw new InvalidInputException("Image content " + image.hash().shortHex()
                        + " is in the batch twice with different attributes: " + known + " and " + image);
            }
            return this;
        }

        public Builder embedding(ContentEmbedding embedding) {
            if (embedding == null) {
                throw new InvalidInputException("Embedding is null");
            }
            ContentEmbedding known = embeddings.putIfAbsent(List.of(embedding.slot(), embedding.content()), embedding);
            if (known != null && !known.embedding().equals(embedding.embedding())) {
                throw new InvalidInputException("Content " + embedding.content().shortHex()
                        + " has two different embeddings for slot '" + embedding.slot() + "' in one batch");
            }
            return this;
        }

        public Builder embedding(String slot, ContentHash content, float[] vector) {
            return embedding(ContentEmbedding.of(slot, content, vector));
        }

        public Builder embeddings(Collection<ContentEmbedding> all) {
            all.forEach(this::embedding);
            return this;
        }

        /** Inserts the record, or updates the one stored at its path. */
        public Builder record(ImageRecord record) {
            if (record == null) {
                throw new InvalidInputException("Image record is null");
            }
            if (deletions.contains(record.path())) {
                throw new InvalidInputException("Image '" + record.path() + "' is both written and deleted in one batch");
            }
            if (records.putIfAbsent(record.path(), record) != null) {
                throw new InvalidInputException("Image '" + record.path() + "' is written twice in one batch");
            }
            return this;
        }

        public Builder records(Collection<ImageRecord> all) {
            all.forEach(this::record);
            return this;
        }

        /** Deletes the records at {@code paths}, releasing their contents' references. */
        public Builder delete(String... paths) {
            return delete(Arrays.asList(paths));
        }

        public Builder delete(Collection<String> paths) {
            for (String path : new ArrayList<>(paths)) {
                if (path == null) {
                    throw new InvalidInputException("Path to delete is null");
                }
                if (records.containsKey(path)) {
                    throw new InvalidInputException("Image '" + path + "' is both written and deleted in one batch");
                }
                deletions.add(path);
            }
            return this;
        }

        public WriteBatch build() {
            return new WriteBatch(this);
        }
    }
}
