package dev.sdembed.onnx;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.io.JsonTrees;
import dev.sdembed.onnx.internal.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * CLIP's model input from a {@code tokenizer.json}: {@code <|startoftext|>} (49406), the text's tokens,
 * {@code <|endoftext|>} (49407), padded to the context length (77) with the model's pad id. Longer texts are cut
 * so that the end token stays last ({@link #inputIds}) or split into windows ({@link #windows}).
 *
 * <p>The pad id is, in order: the one given to {@link #open(Path, Long)}, the manifest's {@code pad_token_id}, the
 * tokenizer.json's {@code padding.pad_id}, {@code tokenizer_config.json}'s {@code pad_token}, else the end token.
 * OpenAI CLIP and Stable Diffusion 1.x pad with the end token, OpenCLIP ViT-H/14 and ViT-bigG/14 with 0. Only the
 * ids up to the end token reach the model's output, but the pad id is part of the exact model input.
 *
 * <p>Holds a native tokenizer: close it. Thread-safe.
 */
public final class ClipTokenizer implements AutoCloseable {
    public static final String START_OF_TEXT = "<|startoftext|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final int DEFAULT_CONTEXT_LENGTH = 77;

    /**
     * One model input of a text: {@code ids} ({@link #contextLength()} long) and the number of the text's own
     * tokens in it (at least 1, so an empty text still has a weight).
     */
    public record Window(long[] ids, int tokens) {
        public Window {
            ids = ids.clone();
        }

        @Override
        public long[] ids() {
            return ids.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Window w && w.tokens == tokens && Arrays.equals(w.ids, ids);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(ids) + tokens;
        }

        @Override
        public String toString() {
            return "Window[" + tokens + " tokens]";
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private final long startId;
    private final long endId;
    private final long padId;
    private final int contextLength;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ClipTokenizer(HuggingFaceTokenizer tokenizer, Path file, long startId, long endId, long padId,
                          int contextLength) {
        this.tokenizer = tokenizer;
        this.file = file;
        this.startId = startId;
        this.endId = endId;
        this.padId = padId;
        this.contextLength = contextLength;
    }

    /**
     * Loads {@code dir/tokenizer.json} with the directory's {@code sdembed.json} (pad id, {@code max_length}), if
     * any. The directory needs no {@code model.onnx}: the output of {@code sdembed models clip-tokenizer} will do.
     */
    public static ClipTokenizer open(Path dir) {
        return open(dir, null);
    }

    /** @param padTokenId overrides every other source of the pad id; null keeps them */
    public static ClipTokenizer open(Path dir, Long padTokenId) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ModelLoadException("Tokenizer directory " + dir + " does not exist");
        }
        Path path = dir.toAbsolutePath().normalize();
        return load(path, ModelDirectory.readManifest(path.resolve(ModelManifest.FILE_NAME)), padTokenId);
    }

    /** For encoders: the directory is already open and its manifest read. */
    static ClipTokenizer load(Path dir, ModelManifest manifest, Long padTokenId) {
        Path file = ModelDirectory.requireTokenizer(dir);
        JsonNode json = readJson(file);
        long start = specialTokenId(json, START_OF_TEXT, file);
        long end = specialTokenId(json, END_OF_TEXT, file);
        long pad = padTokenId != null ? padTokenId
                : manifest.padTokenId() != null ? manifest.padTokenId()
                : padIdFromTokenizer(json, dir).orElse(end);
        int context = manifest.maxLength() != null ? manifest.maxLength() : DEFAULT_CONTEXT_LENGTH;
        if (context < 3) {
            throw new ModelLoadException("Manifest " + dir.resolve(ModelManifest.FILE_NAME) + " has max_length "
                    + context + "; a CLIP context needs at least 3 tokens (start, one token, end)");
        }
        if (pad < 0) {
            throw new ModelLoadException("Pad token id " + pad + " for " + file + " is negative");
        }
        return new ClipTokenizer(Tokenizers.loadUntruncated(file), file, start, end, pad, context);
    }

    public long startId() {
        return startId;
    }

    public long endId() {
        return endId;
    }

    public long padId() {
        return padId;
    }

    /** Ids per model input, special tokens included (77 for every CLIP model). */
    public int contextLength() {
        return contextLength;
    }

    /** The most text tokens one input holds: the context length less the start and end tokens (75). */
    public int maxTextTokens() {
        return contextLength - 2;
    }

    /** The tokenizer.json this reads. */
    public Path file() {
        return file;
    }

    /** The text's token ids, without start, end or padding, never truncated. */
    public long[] textIds(String text) {
        requireOpen();
        if (text == null) {
            throw new InvalidInputException("Text is null");
        }
        return tokenizer.encode(text, false, false).getIds();
    }

    /** The model input under {@link LongPromptPolicy#TRUNCATE}: {@link #contextLength()} ids, end token kept. */
    public long[] inputIds(String text) {
        return windows(text, LongPromptPolicy.TRUNCATE).get(0).ids;
    }

    /**
     * The model inputs for {@code text}: one window under {@link LongPromptPolicy#TRUNCATE} (the first
     * {@link #maxTextTokens()} tokens), consecutive windows of up to that many tokens under
     * {@link LongPromptPolicy#CHUNKED}.
     */
    public List<Window> windows(String text, LongPromptPolicy policy) {
        return windows(textIds(text), policy);
    }

    /** {@link #windows(String, LongPromptPolicy)} for ids from {@link #textIds(String)}. */
    public List<Window> windows(long[] ids, LongPromptPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        int perWindow = maxTextTokens();
        if (policy == LongPromptPolicy.TRUNCATE || ids.length <= perWindow) {
            int n = Math.min(ids.length, perWindow);
            return List.of(new Window(frame(ids, 0, n), Math.max(1, n)));
        }
        List<Window> windows = new ArrayList<>();
        for (int from = 0; from < ids.length; from += perWindow) {
            int to = Math.min(ids.length, from + perWindow);
            windows.add(new Window(frame(ids, from, to), to - from));
        }
        return windows;
    }

    /** {@code [sot] ids[from, to) [eot]} padded to the context length. */
    private long[] frame(long[] ids, int from, int to) {
        long[] framed = new long[contextLength];
        Arrays.fill(framed, padId);
        framed[0] = startId;
        System.arraycopy(ids, from, framed, 1, to - from);
        framed[to - from + 1] = endId;
        return framed;
    }

    private static JsonNode readJson(Path file) {
        try {
            return JsonTrees.read(file);
        } catch (IOException e) {
            throw new ModelLoadException("Cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    private static long specialTokenId(JsonNode tokenizer, String token, Path file) {
        return tokenId(tokenizer, token).orElseThrow(() -> new ModelLoadException("Tokenizer " + file + " has no "
                + token + " token, so it is not a CLIP tokenizer. Use the CLIP model's tokenizer.json, or write one"
                + " from OpenAI's vocabulary with: sdembed models clip-tokenizer"));
    }

    private static Optional<Long> tokenId(JsonNode tokenizer, String token) {
        for (JsonNode added : tokenizer.path("added_tokens")) {
            if (token.equals(added.path("content").asText())) {
                return Optional.of(added.path("id").asLong());
            }
        }
        JsonNode vocabId = tokenizer.path("model").path("vocab").path(token);
        return vocabId.isNumber() ? Optional.of(vocabId.asLong()) : Optional.empty();
    }

    /** The pad id a tokenizer declares: tokenizer.json's padding, else tokenizer_config.json's pad_token. */
    private static Optional<Long> padIdFromTokenizer(JsonNode tokenizer, Path dir) {
        JsonNode padding = tokenizer.path("padding");
        if (padding.isObject() && padding.path("pad_id").isNumber()) {
            return Optional.of(padding.get("pad_id").asLong());
        }
        Path config = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonNode padToken = readJson(config).path("pad_token");
            String content = padToken.isObject() ? padToken.path("content").asText(null) : padToken.asText(null);
            if (content != null) {
                Optional<Long> id = tokenId(tokenizer, content);
                if (id.isEmpty()) {
                    throw new ModelLoadException("Tokenizer config " + config + " names pad_token '" + content
                            + "', which " + dir.resolve(ModelDirectory.TOKENIZER_FILE) + " does not contain");
                }
                return id;
            }
        }
        return Optional.empty();
    }

    static LongPromptPolicy parsePolicy(String value, Path manifest) {
        try {
            return LongPromptPolicy.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("Manifest " + manifest + " has long_prompts '" + value
                    + "'; expected truncate or chunked", e);
        }
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("Tokenizer " + file + " is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.getAndSet(true)) {
            tokenizer.close();
        }
    }

    @Override
    public String toString() {
        return "ClipTokenizer[" + file + ", context " + contextLength + ", pad id " + padId + "]";
    }
}
