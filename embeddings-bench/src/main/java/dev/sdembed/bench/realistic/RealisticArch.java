package dev.sdembed.bench.realistic;

import java.util.Arrays;
import java.util.Locale;

/**
 * The real CLIP towers sdembed runs, by the sizes that decide their compute: width, depth, heads, MLP width, output
 * dimension, tokens. Sizes are those of the released configurations (open_clip {@code model_configs/ViT-B-32.json},
 * {@code ViT-L-14.json}, {@code ViT-H-14.json}, {@code ViT-bigG-14.json}; Hugging Face
 * {@code openai/clip-vit-large-patch14} {@code config.json}). The published parameter and GFLOP figures are those of
 * open_clip's {@code docs/model_profile.csv} (columns image_/text_mparams and image_/text_gflops, torch
 * {@code FlopCounterMode}, which counts a multiply-add as 2 FLOPs), kept here to check the generator against.
 */
public enum RealisticArch {
    /** OpenAI ViT-B/32 image tower (QuickGELU). Published: 87.85 M parameters, 8.82 GFLOPs. */
    VIT_B_32("vit-b-32", Modality.VISION, 768, 12, 12, 3072, 512, 32, Activation.QUICK_GELU, 87.85, 8.82),
    /** OpenAI ViT-L/14 image tower (QuickGELU). Published: 303.97 M parameters, 162.03 GFLOPs. */
    VIT_L_14("vit-l-14", Modality.VISION, 1024, 24, 16, 4096, 768, 14, Activation.QUICK_GELU, 303.97, 162.03),
    /** OpenCLIP ViT-H/14 image tower (GELU), sdembed's image encoder. Published: 632.08 M, 334.59 GFLOPs. */
    VIT_H_14("vit-h-14", Modality.VISION, 1280, 32, 16, 5120, 1024, 14, Activation.GELU, 632.08, 334.59),
    /** OpenAI ViT-L/14 text tower with projection (QuickGELU, causal mask). Published: 123.65 M, 13.3 GFLOPs. */
    CLIP_L_TEXT("clip-l-text", Modality.TEXT, 768, 12, 12, 3072, 768, 0, Activation.QUICK_GELU, 123.65, 13.3),
    /** OpenCLIP ViT-bigG/14 text tower with projection (GELU, causal mask). Published: 694.66 M, 97.86 GFLOPs. */
    BIGG_TEXT("bigg-text", Modality.TEXT, 1280, 32, 20, 5120, 1280, 0, Activation.GELU, 694.66, 97.86);

    public enum Modality { VISION, TEXT }

    /** OpenAI CLIP uses QuickGELU ({@code x * sigmoid(1.702 x)}); OpenCLIP H/14 and bigG the exact (Erf) GELU. */
    public enum Activation { QUICK_GELU, GELU }

    public static final int IMAGE_SIZE = 224;
    public static final int CONTEXT = 77;
    public static final int VOCAB = 49_408;

    private final String id;
    private final Modality modality;
    private final int width;
    private final int layers;
    private final int heads;
    private final int mlpWidth;
    private final int dimension;
    private final int patch;
    private final Activation activation;
    private final double publishedMillionParams;
    private final double publishedGflops;

    RealisticArch(String id, Modality modality, int width, int layers, int heads, int mlpWidth, int dimension,
                  int patch, Activation activation, double publishedMillionParams, double publishedGflops) {
        this.id = id;
        this.modality = modality;
        this.width = width;
        this.layers = layers;
        this.heads = heads;
        this.mlpWidth = mlpWidth;
        this.dimension = dimension;
        this.patch = patch;
        this.activation = activation;
        this.publishedMillionParams = publishedMillionParams;
        this.publishedGflops = publishedGflops;
    }

    /** The arch for an id such as {@code vit-h-14}, listing the known ids when there is none. */
    public static RealisticArch fromId(String id) {
        for (RealisticArch a : values()) {
            if (a.id.equals(id.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("Unknown realistic model '" + id + "'; known: "
                + Arrays.stream(values()).map(RealisticArch::id).toList());
    }

    public String id() {
        return id;
    }

    public Modality modality() {
        return modality;
    }

    public int width() {
        return width;
    }

    public int layers() {
        return layers;
    }

    public int heads() {
        return heads;
    }

    public int mlpWidth() {
        return mlpWidth;
    }

    public int dimension() {
        return dimension;
    }

    /** Patch size (vision only; 0 for text). */
    public int patch() {
        return patch;
    }

    public Activation activation() {
        return activation;
    }

    public double publishedMillionParams() {
        return publishedMillionParams;
    }

    public double publishedGflops() {
        return publishedGflops;
    }

    /** Sequence length through the transformer: patches + class token for vision, 77 for text. */
    public int tokens() {
        if (modality == Modality.TEXT) {
            return CONTEXT;
        }
        int side = IMAGE_SIZE / patch;
        return side * side + 1;
    }

    /**
     * FLOPs for one image or one 77-token text, as 2 × multiply-accumulates of the Conv and MatMul work: patch
     * embedding, per block the fused QKV projection, attention scores (Q·Kᵀ) and context (A·V) over all tokens and
     * heads, output projection and both MLP matrices, then the final projection of the pooled row. Not counted (under
     * 1 % here): LayerNorm, Softmax, activations, bias and residual adds, the token lookup. The causal mask is
     * applied to a full T×T product, as the exports compute it, so text attention counts in full.
     */
    public double flopsPerItem() {
        double flops = transformerFlops(tokens(), width, layers, mlpWidth) + 2.0 * width * dimension;
        if (modality == Modality.VISION) {
            flops += 2.0 * (tokens() - 1) * width * 3 * patch * patch;
        }
        return flops;
    }

    /**
     * FLOPs of {@code layers} pre-norm transformer blocks over {@code tokens} tokens (2 × MACs of QKV, Q·Kᵀ, A·V,
     * output projection and the two MLP matrices): the part of {@link #flopsPerItem} every tower shares, also usable
     * for towers not generated here (BGE-large).
     */
    public static double transformerFlops(int tokens, int width, int layers, int mlpWidth) {
        double t = tokens;
        double w = width;
        return 2.0 * layers * (t * w * 3 * w + 2 * t * t * w + t * w * w + 2 * t * w * mlpWidth);
    }

    public double gflopsPerItem() {
        return flopsPerItem() / 1e9;
    }
}
