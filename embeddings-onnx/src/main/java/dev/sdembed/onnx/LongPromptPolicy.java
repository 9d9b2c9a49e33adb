package dev.sdembed.onnx;

/** What a CLIP text encoder does with prompts longer than its 77-token context. */
public enum LongPromptPolicy {
    /** Keep the first 75 tokens between start and end token, as CLIP itself does. The default. */
    TRUNCATE,
    /**
     * A retrieval heuristic for Stable Diffusion prompts, which often run past 77 tokens: split the tokens into
     * 75-token windows as AUTOMATIC1111 does for conditioning, embed each window, average the normalised window
     * embeddings weighted by their token counts, and normalise again. Not what CLIP was trained on, but keeps the
     * tail of a long prompt searchable.
     */
    CHUNKED
}
