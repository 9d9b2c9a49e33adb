package dev.sdembed.onnx;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * The optional {@code sdembed.json} of a model directory: overrides for what sdembed otherwise detects from the
 * graph and the Hugging Face config files. Every field may be absent ({@code null}); unknown keys are errors.
 *
 * @param kind              {@code bert} (BGE and other BERT-style encoders), {@code clip-text} or {@code clip-vision}
 * @param name              display name; default: the directory name
 * @param dimension         the embedding dimension the model must produce; loading fails when the graph disagrees
 * @param pooling           BERT-style models: {@code cls} (BGE) or {@code mean}
 * @param normalize         L2-normalise outputs; default true
 * @param maxLength         longest token sequence including special tokens (BERT default 512, CLIP 77)
 * @param queryInstruction  prefix applied to search queries only (BGE's retrieval instruction)
 * @param inputs            graph input names by role ({@code input_ids}, {@code attention_mask},
 *                          {@code token_type_ids}, {@code pixel_values})
 * @param output            name of the graph output holding the embedding (or hidden states to pool)
 * @param padTokenId        CLIP text: padding id (49407 for OpenAI CLIP, 0 for OpenCLIP)
 * @param allowUnprojected  CLIP text: accept a bare CLIPTextModel whose pooled output is not in the joint space
 * @param imageSize         CLIP vision: input side in pixels
 * @param embeddingSpace    name of the joint embedding space (e.g. {@code openclip-vit-h-14}) that text and image
 *                          encoders must share for text-to-image search
 * @param longPrompts       CLIP text: {@code truncate} or {@code chunked}
 * @param source            where the files came from, written by {@code sdembed models pull}; informational, loading
 *                          does not read it
 */
public record ModelManifest(
        @JsonProperty("kind") String kind,
        @JsonProperty("name") String name,
        @JsonProperty("dimension") Integer dimension,
        @JsonProperty("pooling") String pooling,
        @JsonProperty("normalize") Boolean normalize,
        @JsonProperty("max_length") Integer maxLength,
        @JsonProperty("query_instruction") String queryInstruction,
        @JsonProperty("inputs") Map<String, String> inputs,
        @JsonProperty("output") String output,
        @JsonProperty("pad_token_id") Integer padTokenId,
        @JsonProperty("allow_unprojected") Boolean allowUnprojected,
        @JsonProperty("image_size") Integer imageSize,
        @JsonProperty("embedding_space") String embeddingSpace,
        @JsonProperty("long_prompts") String longPrompts,
        @JsonProperty("source") Source source) {

    public static final String FILE_NAME = "sdembed.json";

    public static final ModelManifest EMPTY =
            new ModelManifest(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    public ModelManifest {
        inputs = inputs == null ? Map.of() : Map.copyOf(inputs);
    }

    /**
     * The provenance of a pulled model directory: which repository and commit its files came from and each file's
     * SHA-256, so that a directory can be traced back and checked.
     *
     * @param repository the Hugging Face repository, e.g. {@code immich-app/ViT-H-14__laion2b-s32b-b79k}
     * @param revision   the revision asked for (a branch, tag or commit)
     * @param commit     the commit it resolved to; every file is from it
     * @param layout     how the repository was read ({@code hf-onnx}, {@code immich-openclip},
     *                   {@code diffusers-text-encoder})
     * @param pulledAt   when, ISO-8601 UTC
     * @param files      per file of this directory: the repository path it came from (or what it was converted from),
     *                   its SHA-256 and size
     */
    public record Source(
            @JsonProperty("repository") String repository,
            @JsonProperty("revision") String revision,
            @JsonProperty("commit") String commit,
            @JsonProperty("layout") String layout,
            @JsonProperty("pulled_at") String pulledAt,
            @JsonProperty("files") Map<String, SourceFile> files) {
        public Source {
            files = files == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(files));
        }
    }

    /**
     * One file of a pulled directory.
     *
     * @param from   the repository path, or for a file sdembed wrote, what it was made from (e.g.
     *               {@code converted from tokenizer_2/vocab.json + tokenizer_2/merges.txt})
     * @param sha256 the SHA-256 of the file as it is in the directory
     * @param size   its size in bytes
     */
    public record SourceFile(
            @JsonProperty("from") String from,
            @JsonProperty("sha256") String sha256,
            @JsonProperty("size") long size) {
    }

    /** The graph input name for {@code role}, or {@code role} itself when not overridden. */
    public String inputName(String role) {
        return inputs.getOrDefault(role, role);
    }

    public boolean normalizeOrDefault() {
        return normalize == null || normalize;
    }
}
