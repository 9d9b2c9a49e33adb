package dev.sdembed.cli.pull;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The models {@code sdembed models pull NAME} knows by name: the mission's encoders and a small CLIP for CPU-only
 * machines, each from a repository that publishes it as ONNX. What the catalogue adds to what a repository says about
 * itself: the directory name, the embedding space both towers of a pair declare (the names the export scripts in
 * {@code models/export} use, so pulled and exported directories compare), and BGE's pooling and query instruction.
 */
public final class ModelCatalogue {

    /**
     * One named model.
     *
     * @param name           the catalogue name, also the default directory under {@code models/}
     * @param repo           the Hugging Face repository
     * @param subfolder      the folder of the repository holding the model, or null for the root
     * @param summary        what it is, for {@code --list}
     * @param download       the approximate download, for {@code --list} and the README
     * @param license        the license of the weights as their publishers state it
     * @param dimension      the embedding dimension
     * @param embeddingSpace the joint space of a CLIP model's towers, or null for a text-only encoder
     * @param bge            a BGE model: CLS pooling, 512 tokens, BAAI's query instruction
     */
    public record Entry(String name, String repo, String subfolder, String summary, String download, String license,
                        int dimension, String embeddingSpace, boolean bge) {

        /** The source as {@code hf:} syntax would name it. */
        public String source() {
            return repo + (subfolder == null ? "" : "/" + subfolder);
        }
    }

    /** BAAI's instruction for retrieval queries with the bge-*-en-v1.5 models (their model card). */
    public static final String BGE_QUERY_INSTRUCTION = "Represent this sentence for searching relevant passages: ";

    private static final String OPENCLIP_LAION_MIT = "MIT (OpenCLIP's LAION-2B weights); Immich's repository adds"
            + " no license of its own";

    private static final List<Entry> ENTRIES = List.of(
            new Entry("bge-large-en-v1.5", "BAAI/bge-large-en-v1.5", null,
                    "BGE-large English v1.5, 1024-d text (prompts)", "1.3 GB", "MIT", 1024, null, true),
            new Entry("bge-small-en-v1.5", "BAAI/bge-small-en-v1.5", null,
                    "BGE-small English v1.5, 384-d text (the quick start's model)", "130 MB", "MIT", 384, null, true),
            new Entry("clip-vit-l-14", "immich-app/ViT-L-14__openai", null,
                    "OpenAI CLIP ViT-L/14, 768-d text and vision towers (Immich's ONNX export)", "1.7 GB",
                    "MIT (OpenAI CLIP); Immich's repository adds no license of its own", 768, "openai-clip-vit-l-14",
                    false),
            new Entry("clip-vit-h-14", "immich-app/ViT-H-14__laion2b-s32b-b79k", null,
                    "OpenCLIP ViT-H/14 LAION-2B, 1024-d text and vision towers (Immich's ONNX export)", "3.9 GB",
                    OPENCLIP_LAION_MIT, 1024, "openclip-vit-h-14", false),
            new Entry("clip-vit-bigg-14-text", "stabilityai/stable-diffusion-xl-base-1.0", "text_encoder_2",
                    "OpenCLIP ViT-bigG/14, 1280-d text tower (SDXL's second text encoder, ONNX)", "2.8 GB",
                    "CreativeML Open RAIL++-M (Stable Diffusion XL)", 1280, "openclip-vit-bigg-14", false),
            new Entry("clip-vit-b-32", "immich-app/ViT-B-32__openai", null,
                    "OpenAI CLIP ViT-B/32, 512-d text and vision towers: a CPU-sized CLIP (Immich's ONNX export)",
                    "600 MB", "MIT (OpenAI CLIP); Immich's repository adds no license of its own", 512,
                    "openai-clip-vit-b-32", false));

    private ModelCatalogue() {
    }

    public static List<Entry> entries() {
        return ENTRIES;
    }

    /** The entry named {@code name} (any case). */
    public static Optional<Entry> find(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return ENTRIES.stream().filter(e -> e.name().equals(n)).findFirst();
    }

    /** The names, comma-separated, for messages. */
    public static String names() {
        return String.join(", ", ENTRIES.stream().map(Entry::name).toList());
    }
}
