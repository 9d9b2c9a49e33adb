package dev.sdembed.onnx.internal;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.sdembed.ModelLoadException;
import java.io.IOException;
import java.nio.file.Path;

/** Loads DJL's Hugging Face tokenizer the way sdembed needs it: offline, CPU flavour, no implicit padding. */
public final class Tokenizers {

    static {
        forceOfflineCpuFlavour();
    }

    private Tokenizers() {
    }

    /**
     * DJL picks a CUDA build of its tokenizer library where it detects CUDA and downloads it; sdembed must never
     * download anything at run time, and tokenisation gains nothing from a GPU. Users may still override both.
     */
    static void forceOfflineCpuFlavour() {
        if (System.getProperty("RUST_FLAVOR") == null && System.getenv("RUST_FLAVOR") == null) {
            System.setProperty("RUST_FLAVOR", "cpu");
        }
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    /** A tokenizer that neither truncates nor pads: the caller frames and cuts the ids itself (CLIP). */
    public static HuggingFaceTokenizer loadUntruncated(Path tokenizerJson) {
        try {
            return HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("Cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw NativePreload.addFailure(e);
        }
    }

    /**
     * @param truncateTo longest sequence, special tokens included; longer inputs are truncated
     */
    public static HuggingFaceTokenizer load(Path tokenizerJson, int truncateTo) {
        try {
            return HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(truncateTo)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("Cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw NativePreload.addFailure(e);
        }
    }
}
