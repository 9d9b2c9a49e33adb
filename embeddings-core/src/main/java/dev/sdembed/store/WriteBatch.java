package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.hash.ContentHash;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one transaction writes: new contents, their embeddings, image records to insert or update (by path),
 * records to move to another path and paths to delete. A store applies a batch entirely or not at all; writing the
 * same batch twice leaves the same state as writing it once, so a failed batch can simply be retried. A batch that
 * {@linkplain Builder#removeUnreferenced() removes unreferenced contents} also deletes, in the same transaction, the
 * contents (and their embeddings) whose last reference it released.
 *
 * <p>The builder merges repeated contents (the same prompt used by many images of the batch is added once; an image
 * content given with and without its pixel hash keeps the hash) and rejects contradictions: two different vectors for
 * one content and slot, a path written twice or both written and deleted, a path moved twice or moved and written.
 */
public final class WriteBatch {
    private final List<TextContent> texts;
    private final List<ImageContent> images;
    private final List<ContentEmbedding> embeddings;
    private final List<ImageRecord> records;
    private final List<String> deletions;
    private final List<Move> moves;
    private final boolean removeUnreferenced;

    private WriteBatch(Builder b) {
        this.texts = List.copyOf(b.texts.values());
        this.images = List.copyOf(b.images.values());
        this.embeddings = List.copyOf(b.embeddings.values());
        this.records = List.copyOf(b.records.values());
        this.deletions = List.copyOf(b.deletions);
        this.moves = List.copyOf(b.moves.values());
        this.removeUnreferenced = b.removeUnreferenced;
    }

    /**
     * The record stored at {@code from} taking {@code record}'s path and values, keeping its id (a file moved or
     * renamed: the same image at a new path).
     */
    public record Move(String from, ImageRecord record) {
        public Move {
            if (from == null || record == null) {
                throw new InvalidInputException("A move needs the path it comes from and the record it becomes");
            }
        }
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

    /** Records moved to another path, each source and target once; a store applies them after the deletions. */
    public List<Move> moves() {
        return moves;
    }

    /**
     * Whether the store deletes, in this batch's transaction, the text and image contents (and their embeddings in
     * every slot) that lost their last reference through this batch's deletions, moves and rewritten records.
     * Contents that were unreferenced before are left to {@link EmbeddingStore#removeUnreferenced()}.
     */
    public boolean removesUnreferenced() {
        return removeUnreferenced;
    }

    /** The paths whose stored records this batch may change or drop: rewritten, deleted, moved from or moved onto. */
    public List<String> touchedPaths() {
        List<String> paths = new ArrayList<>(deletions);
        records.forEach(r -> paths.add(r.path()));
        moves.forEach(m -> {
            paths.add(m.from());
            paths.add(m.record().path());
        });
        return paths;
    }

    public boolean isEmpty() {
        return texts.isEmpty() && images.isEmpty() && embeddings.isEmpty() && records.isEmpty()
                && deletions.isEmpty() && moves.isEmpty();
    }

    @Override
    public String toString() {
        return "WriteBatch[texts=" + texts.size() + ", images=" + images.size() + ", embeddings=" + embeddings.size()
                + ", records=" + records.size() + ", deletions=" + deletions.size()
                + (moves.isEmpty() ? "" : ", moves=" + moves.size())
                + (removeUnreferenced ? ", removing unreferenced" : "") + "]";
    }

    /** Collects a batch. Not thread-safe. */
    public static final class Builder {
        private final Map<ContentHash, TextContent> texts = new LinkedHashMap<>();
        private final Map<ContentHash, ImageContent> images = new LinkedHashMap<>();
        private final Map<List<Object>, ContentEmbedding> embeddings = new LinkedHashMap<>();
        private final Map<String, ImageRecord> records = new LinkedHashMap<>();
        private final Set<String> deletions = new LinkedHashSet<>();
        /** By the path moved from. */
        private final Map<String, Move> moves = new LinkedHashMap<>();
        /** The paths moves go to. */
        private final Set<String> moveTargets = new HashSet<>();
        private boolean removeUnreferenced;

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
                if (!known.sameFileAs(image)) {
                    throw new InvalidInputException("Image content " + image.hash().shortHex()
                            + " is in the batch twice with different attributes: " + known + " and " + image);
                }
                if (known.pixelHash() == null) {
                    images.put(image.hash(), image);
                }
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
            if (moves.containsKey(record.path()) || moveTargets.contains(record.path())) {
                throw new InvalidInputException("Image '" + record.path() + "' is both written and moved in one batch");
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
                if (moves.containsKey(path) || moveTargets.contains(path)) {
                    throw new InvalidInputException("Image '" + path + "' is both moved and deleted in one batch");
                }
                deletions.add(path);
            }
            return this;
        }

        /**
         * Moves the record stored at {@code from} to {@code record.path()}: it takes the path and every value of
         * {@code record} (a moved file's size and time are its own) and keeps its id, so links to the image stay
         * valid; its contents' reference counts follow as for any rewritten record. A record already stored at the new
         * path is replaced. When nothing is stored at {@code from}, {@code record} is written as
         * {@link #record(ImageRecord)} would. A path is moved at most once, and a move's target is not another
         * move's source: moves within a batch do not chain.
         */
        public Builder move(String from, ImageRecord record) {
            Move move = new Move(from, record);
            String to = record.path();
            if (from.equals(to)) {
                throw new InvalidInputException("Image '" + from + "' is moved onto its own path; write the record"
                        + " instead");
            }
            for (String path : List.of(from, to)) {
                if (records.containsKey(path) || deletions.contains(path)) {
                    throw new InvalidInputException("Image '" + path + "' is both moved and "
                            + (records.containsKey(path) ? "written" : "deleted") + " in one batch");
                }
                if (moves.containsKey(path) || moveTargets.contains(path)) {
                    throw new InvalidInputException("Image '" + path + "' takes part in two moves of one batch;"
                            + " moves within a batch do not chain");
                }
            }
            moves.put(from, move);
            moveTargets.add(to);
            return this;
        }

        /**
         * Deletes, in the same transaction, the contents and embeddings this batch leaves without any reference
         * (see {@link WriteBatch#removesUnreferenced()}).
         */
        public Builder removeUnreferenced() {
            this.removeUnreferenced = true;
            return this;
        }

        public WriteBatch build() {
            return new WriteBatch(this);
        }
    }
}
