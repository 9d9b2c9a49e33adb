package dev.sdembed.cli.pull;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a pull reads from a repository and which model directories it writes: one {@link Tower} for a single model,
 * a text and a vision tower for a CLIP pair (written to {@code DIR/text} and {@code DIR/vision}).
 *
 * @param layout how the repository is organised ({@link RepoLayouts#HF_ONNX}, {@link RepoLayouts#IMMICH},
 *               {@link RepoLayouts#DIFFUSERS})
 * @param towers the model directories, text before vision
 */
public record PullPlan(String layout, List<Tower> towers) {

    public PullPlan {
        towers = List.copyOf(towers);
    }

    /** What kind of encoder a tower holds; {@link #DETECT} leaves it to the graph's signature. */
    public enum Role {
        BERT("bert"), CLIP_TEXT("clip-text"), CLIP_VISION("clip-vision"), DETECT(null);

        private final String kind;

        Role(String kind) {
            this.kind = kind;
        }

        /** The manifest's {@code kind}, or null for {@link #DETECT}. */
        public String kind() {
            return kind;
        }
    }

    /**
     * One model directory.
     *
     * @param dirName          {@code text} or {@code vision} inside a pair's directory, empty for a single model
     * @param name             the display name its manifest gets
     * @param role             what it holds
     * @param graph            the repository path of its {@code model.onnx}; external-data files beside it are found
     *                         in the graph itself
     * @param copies           files taken as they are: name in the directory to repository path
     * @param vocab            a slow tokenizer's {@code vocab.json} to convert into {@code tokenizer.json}, or null
     * @param merges           its {@code merges.txt}, or null
     * @param tokenizerConfig  the {@code tokenizer_config.json} naming the pad token of a conversion, or null
     * @param immichPreprocess Immich's {@code preprocess_cfg.json} to convert into {@code preprocessor_config.json},
     *                         or null
     * @param config           a {@code config.json} telling the embedding dimension ({@code embed_dim} of OpenCLIP,
     *                         {@code projection_dim} or {@code hidden_size} of transformers), or null
     */
    public record Tower(String dirName, String name, Role role, String graph, Map<String, String> copies,
                        String vocab, String merges, String tokenizerConfig, String immichPreprocess,
                        String config) {
        public Tower {
            copies = Map.copyOf(copies);
        }

        /** Every repository file this tower reads besides the graph's external data. */
        public Set<String> files() {
            Set<String> files = new LinkedHashSet<>();
            files.add(graph);
            files.addAll(copies.values());
            for (String f : new String[] {vocab, merges, tokenizerConfig, immichPreprocess, config}) {
                if (f != null) {
                    files.add(f);
                }
            }
            return files;
        }

        /** The repository folder of the graph, with a trailing slash, or empty at the root. */
        public String graphFolder() {
            int slash = graph.lastIndexOf('/');
            return slash < 0 ? "" : graph.substring(0, slash + 1);
        }
    }

    /** A pair writes {@code DIR/text} and {@code DIR/vision}. */
    public boolean pair() {
        return towers.size() > 1;
    }

    /** Every repository file the towers read besides the graphs' external data. */
    public Set<String> files() {
        Set<String> files = new LinkedHashSet<>();
        towers.forEach(t -> files.addAll(t.files()));
        return files;
    }
}
