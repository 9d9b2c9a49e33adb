package dev.sdembed.onnx;

import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Modality;
import java.util.Locale;

/** What an ONNX model directory holds, as detected from its graph signature or declared in its manifest. */
public enum ModelKind {
    /** BERT-style sentence encoder (BGE): token ids + attention mask → hidden states to pool. */
    BERT("bert", Modality.TEXT),
    /** CLIP/OpenCLIP text tower with projection: token ids → joint-space embedding. */
    CLIP_TEXT("clip-text", Modality.TEXT),
    /** A bare CLIPTextModel export: its pooled output is not in the joint space. */
    CLIP_TEXT_UNPROJECTED("clip-text-unprojected", Modality.TEXT),
    /** CLIP/OpenCLIP vision tower with projection: pixels → joint-space embedding. */
    CLIP_VISION("clip-vision", Modality.IMAGE),
    /** Nothing sdembed recognises. */
    UNKNOWN("unknown", null);

    private final String id;
    private final Modality modality;

    ModelKind(String id, Modality modality) {
        this.id = id;
        this.modality = modality;
    }

    /** The manifest / JSON spelling, e.g. {@code clip-text}. */
    public String id() {
        return id;
    }

    /** TEXT or IMAGE; null for {@link #UNKNOWN}. */
    public Modality modality() {
        return modality;
    }

    public static ModelKind fromId(String id) {
        String s = id.trim().toLowerCase(Locale.ROOT);
        for (ModelKind k : values()) {
            if (k.id.equals(s)) {
                return k;
            }
        }
        throw new ModelLoadException("Unknown model kind '" + id + "'; expected bert, clip-text or clip-vision");
    }
}
