package dev.sdembed.bench.realistic;

import static dev.sdembed.testing.OnnxModelBuilder.FLOAT;
import static dev.sdembed.testing.OnnxModelBuilder.INT64;

import dev.sdembed.ModelLoadException;
import dev.sdembed.bench.realistic.RealisticArch.Activation;
import dev.sdembed.bench.realistic.RealisticArch.Modality;
import dev.sdembed.onnx.clip.ClipTokenizerJson;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.OnnxModelBuilder;
import dev.sdembed.testing.OnnxModelBuilder.Attr;
import dev.sdembed.testing.ProtoWriter;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random-weight ONNX graphs with the real sizes and operator mix of the CLIP towers in {@link RealisticArch}, written
 * as model directories the SDK's encoders load, so CPU benchmarks measure the real compute shape although the real
 * weights cannot be had here.
 *
 * <p>Vision: Conv patch embedding, class token (Shape/Slice/Concat/Expand, then Concat), position embedding Add,
 * pre-LayerNorm, N residual blocks, post-LayerNorm on the class token, projection MatMul. Text: token Gather,
 * position Add, N causal blocks, final LayerNorm, end-token row by ArgMax on the ids and GatherND, projection MatMul.
 * A block is LayerNorm → fused QKV MatMul + Add → Split/Reshape/Transpose into heads → scaled MatMul (+ causal mask)
 * → Softmax → MatMul → merge heads → out projection → residual; LayerNorm → MatMul + Add → QuickGELU
 * ({@code x·sigmoid(1.702x)}) or Erf GELU as the real export → MatMul + Add → residual. Inputs and outputs are those
 * of sdembed's export scripts ({@code pixel_values} → {@code image_embeds}, {@code input_ids} → {@code text_embeds}).
 *
 * <p>Weights are uniform around a centre (1 for LayerNorm scales, 0 elsewhere) with a scale of 1/√fan-in for
 * matrices, so activations stay O(1) through 48 blocks: no NaN, no denormals. They are seeded per tensor: the same
 * spec gives the same bytes. Models are written streaming (a 1 MiB buffer; a 2.8 GB model never sits in a Java array)
 * under {@code embeddings-bench/target/realistic-models/<name>/} (or {@code -Dsdembed.realisticModels=DIR}) and reused
 * while their {@code generator.version} file matches; weights go to {@code model.onnx_data} when the model would
 * exceed protobuf's 2 GB, as the export scripts do.
 */
public final class RealisticModels {
    /** Bump when the generated graphs change, so cached models are regenerated. */
    static final String GENERATOR_VERSION = "1";
    static final String VERSION_FILE = "generator.version";
    static final String EXTERNAL_DATA = "model.onnx_data";
    /** The export scripts' threshold: protobuf cannot hold 2 GB, and the graph needs some room. */
    static final long INLINE_LIMIT = 2L * 1024 * 1024 * 1024 - 64L * 1024 * 1024;
    private static final int EXTERNAL_ALIGNMENT = 4096;
    private static final long SEED = 20_240_801L;

    private RealisticModels() {
    }

    /** One weight tensor: values uniform in {@code [centre - scale, centre + scale)}. */
    public record Weight(String name, long[] dims, float centre, float scale) {
        public Weight {
            dims = dims.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }

        public long count() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Weight w && name.equals(w.name) && java.util.Arrays.equals(dims, w.dims)
                    && centre == w.centre && scale == w.scale;
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + java.util.Arrays.hashCode(dims);
        }
    }

    /** A model to generate: a real architecture, optionally with fewer blocks (fast tests). */
    public record Spec(RealisticArch arch, int layers) {
        public Spec {
            if (layers < 1 || layers > arch.layers()) {
                throw new IllegalArgumentException("layers for " + arch.id() + " must be 1.." + arch.layers()
                        + ", got " + layers);
            }
        }

        public static Spec of(RealisticArch arch) {
            return new Spec(arch, arch.layers());
        }

        public Spec withLayers(int n) {
            return new Spec(arch, n);
        }

        /** Folder name: the arch id, with the block count when it is not the real one. */
        public String name() {
            return layers == arch.layers() ? arch.id() : arch.id() + "-" + layers + "l";
        }

        /** Every weight the generator writes, in order. */
        public List<Weight> weights() {
            return graph(this).weights;
        }

        /** Sum of the generated initializers' sizes (masks and shape constants are not parameters). */
        public long parameterCount() {
            return weights().stream().mapToLong(Weight::count).sum();
        }

        String versionLine() {
            return GENERATOR_VERSION + " " + name() + " width=" + arch.width() + " layers=" + layers + " heads="
                    + arch.heads() + " mlp=" + arch.mlpWidth() + " dim=" + arch.dimension() + " patch=" + arch.patch()
                    + " act=" + arch.activation() + "\n";
        }
    }

    /** {@code embeddings-bench/target/realistic-models}, or the folder named by {@code -Dsdembed.realisticModels}. */
    public static Path root() {
        String configured = System.getProperty("sdembed.realisticModels");
        return configured != null ? Path.of(configured)
                : TestPaths.repoRoot().resolve("embeddings-bench").resolve("target").resolve("realistic-models");
    }

    /**
     * The model directory for {@code spec}, generated when absent or made by another generator version.
     *
     * @param bpe OpenAI's {@code bpe_simple_vocab_16e6.txt.gz}, for a text model's tokenizer.json (unused for vision)
     */
    public static Path directory(Spec spec, Path bpe) {
        return directory(spec, bpe, root(), INLINE_LIMIT);
    }

    /** As {@link #directory(Spec, Path)} under {@code root}, with weights external beyond {@code inlineLimit} bytes. */
    static synchronized Path directory(Spec spec, Path bpe, Path root, long inlineLimit) {
        Path dir = root.resolve(spec.name());
        try {
            Path version = dir.resolve(VERSION_FILE);
            if (Files.isRegularFile(version) && Files.readString(version).equals(spec.versionLine())) {
                return dir;
            }
            if (spec.arch().modality() == Modality.TEXT && (bpe == null || !Files.isRegularFile(bpe))) {
                throw new ModelLoadException("Cannot generate text model " + spec.name() + ": the CLIP BPE file "
                        + bpe + " is missing (it comes from ../shared/fixtures/clip, or -Dsdembed.fixtures=DIR)");
            }
            clear(dir);
            writeModel(spec, dir, inlineLimit);
            writeSideFiles(spec, dir, bpe);
            // Written last: a generation that died half-way is redone next time.
            Files.writeString(version, spec.versionLine());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write realistic model " + spec.name() + " under " + dir, e);
        }
    }

    private static void clear(Path dir) throws IOException {
        TestPaths.deleteTree(dir);
        Files.createDirectories(dir);
    }

    private static void writeSideFiles(Spec spec, Path dir, Path bpe) throws IOException {
        RealisticArch a = spec.arch();
        String space = "random-" + a.id();
        if (a.modality() == Modality.TEXT) {
            // OpenAI CLIP pads with the end token, OpenCLIP (bigG) with id 0, as the export scripts configure.
            boolean padZero = a.activation() == Activation.GELU;
            ClipTokenizerJson.write(bpe, dir, padZero ? ClipModelDirectories.PAD_ZERO
                    : ClipModelDirectories.PAD_END_TOKEN);
            ClipModelDirectories.manifest(dir, "{\"kind\": \"clip-text\", \"name\": \"" + spec.name()
                    + "\", \"dimension\": " + a.dimension() + ", \"embedding_space\": \"" + space
                    + "\", \"pad_token_id\": " + (padZero ? 0 : 49_407) + ", \"max_length\": 77}\n");
        } else {
            ClipModelDirectories.writeOrDelete(dir.resolve("preprocessor_config.json"), "{\"crop_size\": 224,"
                    + " \"size\": {\"shortest_edge\": 224}, \"do_resize\": true, \"do_center_crop\": true,"
                    + " \"do_normalize\": true, \"resample\": 3,"
                    + " \"image_mean\": [0.48145466, 0.4578275, 0.40821073],"
                    + " \"image_std\": [0.26862954, 0.26130258, 0.27577711]}\n");
            ClipModelDirectories.manifest(dir, "{\"kind\": \"clip-vision\", \"name\": \"" + spec.name()
                    + "\", \"dimension\": " + a.dimension() + ", \"embedding_space\": \"" + space
                    + "\", \"image_size\": 224}\n");
        }
    }

    // ---- graph -------------------------------------------------------------------------------------------------

    /** The graph without its weights (nodes, inputs, outputs, shape constants) plus the weights to stream. */
    private record Graph(OnnxModelBuilder skeleton, List<Weight> weights) {
    }

    private static Graph graph(Spec spec) {
        GraphBuilder g = new GraphBuilder(spec);
        if (spec.arch().modality() == Modality.VISION) {
            g.vision();
        } else {
            g.text();
        }
        return new Graph(g.b, g.weights);
    }

    /** Builds nodes in {@link OnnxModelBuilder} and records weights, which are written later, streaming. */
    private static final class GraphBuilder {
        final RealisticArch a;
        final int layers;
        final OnnxModelBuilder b;
        final List<Weight> weights = new ArrayList<>();
        final int w;
        final int t;

        GraphBuilder(Spec spec) {
            this.a = spec.arch();
            this.layers = spec.layers();
            this.w = a.width();
            this.t = a.tokens();
            this.b = new OnnxModelBuilder(a.modality() == Modality.VISION ? "clip_vision_with_projection"
                    : "clip_text_with_projection");
        }

        void weight(String name, float centre, float scale, long... dims) {
            weights.add(new Weight(name, dims, centre, scale));
        }

        void matrix(String name, long in, long out) {
            weight(name, 0f, (float) (1 / Math.sqrt(in)), in, out);
        }

        void vision() {
            int p = a.patch();
            b.input("pixel_values", FLOAT, "batch", 3, RealisticArch.IMAGE_SIZE, RealisticArch.IMAGE_SIZE);
            weight("conv1.weight", 0f, (float) (1 / Math.sqrt(3.0 * p * p)), w, 3, p, p);
            b.node("Conv", List.of("pixel_values", "conv1.weight"), List.of("patch_grid"),
                    Attr.ints("kernel_shape", p, p), Attr.ints("strides", p, p));
            b.int64Initializer("grid_to_sequence", new long[] {0, w, -1}, 3);
            b.node("Reshape", List.of("patch_grid", "grid_to_sequence"), List.of("patch_channels"));
            b.node("Transpose", List.of("patch_channels"), List.of("patch_tokens"), Attr.ints("perm", 0, 2, 1));
            // The class token broadcast to the batch, as torch.onnx exports `class_embedding + zeros(batch, 1, W)`.
            weight("class_embedding", 0f, 0.02f, 1, 1, w);
            b.node("Shape", List.of("patch_tokens"), List.of("token_shape"));
            b.int64Initializer("zero_1d", new long[] {0}, 1);
            b.int64Initializer("one_1d", new long[] {1}, 1);
            b.node("Slice", List.of("token_shape", "zero_1d", "one_1d", "zero_1d"), List.of("batch_size"));
            b.int64Initializer("class_tail", new long[] {1, w}, 2);
            b.node("Concat", List.of("batch_size", "class_tail"), List.of("class_shape"), Attr.i("axis", 0));
            b.node("Expand", List.of("class_embedding", "class_shape"), List.of("class_tokens"));
            b.node("Concat", List.of("class_tokens", "patch_tokens"), List.of("tokens"), Attr.i("axis", 1));
            weight("positional_embedding", 0f, 0.02f, t, w);
            b.node("Add", List.of("tokens", "positional_embedding"), List.of("embedded"));
            String x = layerNorm("embedded", "ln_pre");
            x = blocks(x, null);
            b.int64Initializer("class_index", new long[] {0});
            b.node("Gather", List.of(x, "class_index"), List.of("class_out"), Attr.i("axis", 1));
            String pooled = layerNorm("class_out", "ln_post");
            matrix("proj", w, a.dimension());
            b.node("MatMul", List.of(pooled, "proj"), List.of("image_embeds"));
            b.output("image_embeds", FLOAT, "batch", a.dimension());
        }

        void text() {
            b.input("input_ids", INT64, "batch", RealisticArch.CONTEXT);
            weight("token_embedding.weight", 0f, 0.02f, RealisticArch.VOCAB, w);
            b.node("Gather", List.of("token_embedding.weight", "input_ids"), List.of("tokens"), Attr.i("axis", 0));
            weight("positional_embedding", 0f, 0.01f, t, w);
            b.node("Add", List.of("tokens", "positional_embedding"), List.of("embedded"));
            // CLIP's causal mask: a token sees itself and what precedes it. A large negative, not -inf, as
            // Hugging Face uses the dtype's minimum: no NaN from the Softmax.
            float[] mask = new float[t * t];
            for (int i = 0; i < t; i++) {
                for (int j = i + 1; j < t; j++) {
                    mask[i * t + j] = -1e9f;
                }
            }
            b.floatInitializer("causal_mask", mask, t, t);
            String x = blocks("embedded", "causal_mask");
            String hidden = layerNorm(x, "ln_final");
            // The end token has the largest id, so argmax(ids) is its position (the first one: padding with it
            // is harmless), as CLIP pools.
            b.node("ArgMax", List.of("input_ids"), List.of("eot_position"), Attr.i("axis", 1),
                    Attr.i("keepdims", 1));
            b.node("GatherND", List.of(hidden, "eot_position"), List.of("pooled"), Attr.i("batch_dims", 1));
            matrix("text_projection", w, a.dimension());
            b.node("MatMul", List.of("pooled", "text_projection"), List.of("text_embeds"));
            b.output("text_embeds", FLOAT, "batch", a.dimension());
        }

        String blocks(String input, String mask) {
            int heads = a.heads();
            int headWidth = w / heads;
            b.int64Initializer("qkv_split", new long[] {w, w, w}, 3);
            b.int64Initializer("to_heads", new long[] {0, 0, heads, headWidth}, 4);
            b.int64Initializer("from_heads", new long[] {0, 0, w}, 3);
            b.floatInitializer("attention_scale", new float[] {(float) (1 / Math.sqrt(headWidth))});
            if (a.activation() == Activation.QUICK_GELU) {
                b.floatInitializer("quick_gelu_factor", new float[] {1.702f});
            } else {
                b.floatInitializer("sqrt_two", new float[] {(float) Math.sqrt(2)});
                b.floatInitializer("one", new float[] {1f});
                b.floatInitializer("half", new float[] {0.5f});
            }
            String x = input;
            for (int i = 0; i < layers; i++) {
                x = block(x, "resblocks." + i + ".", mask);
            }
            return x;
        }

        String block(String x, String p, String mask) {
            String h = layerNorm(x, p + "ln_1");
            String qkv = linear(h, p + "attn.in_proj", w, 3 * w);
            b.node("Split", List.of(qkv, "qkv_split"), List.of(p + "q_flat", p + "k_flat", p + "v_flat"),
                    Attr.i("axis", -1));
            String q = heads(p + "q_flat", p + "q", 0, 2, 1, 3);
            String kT = heads(p + "k_flat", p + "k_t", 0, 2, 3, 1);
            String v = heads(p + "v_flat", p + "v", 0, 2, 1, 3);
            b.node("Mul", List.of(q, "attention_scale"), List.of(p + "q_scaled"));
            b.node("MatMul", List.of(p + "q_scaled", kT), List.of(p + "scores"));
            String scores = p + "scores";
            if (mask != null) {
                b.node("Add", List.of(scores, mask), List.of(p + "scores_masked"));
                scores = p + "scores_masked";
            }
            b.node("Softmax", List.of(scores), List.of(p + "attention"), Attr.i("axis", -1));
            b.node("MatMul", List.of(p + "attention", v), List.of(p + "context_heads"));
            b.node("Transpose", List.of(p + "context_heads"), List.of(p + "context_tokens"),
                    Attr.ints("perm", 0, 2, 1, 3));
            b.node("Reshape", List.of(p + "context_tokens", "from_heads"), List.of(p + "context"));
            String attended = linear(p + "context", p + "attn.out_proj", w, w);
            b.node("Add", List.of(x, attended), List.of(p + "after_attention"));
            String h2 = layerNorm(p + "after_attention", p + "ln_2");
            String fc = linear(h2, p + "mlp.c_fc", w, a.mlpWidth());
            String act = activation(fc, p);
            String proj = linear(act, p + "mlp.c_proj", a.mlpWidth(), w);
            b.node("Add", List.of(p + "after_attention", proj), List.of(p + "out"));
            return p + "out";
        }

        String heads(String flat, String out, long... perm) {
            b.node("Reshape", List.of(flat, "to_heads"), List.of(out + "_split"));
            b.node("Transpose", List.of(out + "_split"), List.of(out), Attr.ints("perm", perm));
            return out;
        }

        String activation(String x, String p) {
            if (a.activation() == Activation.QUICK_GELU) {
                b.node("Mul", List.of(x, "quick_gelu_factor"), List.of(p + "qg_scaled"));
                b.node("Sigmoid", List.of(p + "qg_scaled"), List.of(p + "qg_gate"));
                b.node("Mul", List.of(x, p + "qg_gate"), List.of(p + "gelu"));
            } else {
                b.node("Div", List.of(x, "sqrt_two"), List.of(p + "gelu_scaled"));
                b.node("Erf", List.of(p + "gelu_scaled"), List.of(p + "gelu_erf"));
                b.node("Add", List.of(p + "gelu_erf", "one"), List.of(p + "gelu_shifted"));
                b.node("Mul", List.of(x, p + "gelu_shifted"), List.of(p + "gelu_double"));
                b.node("Mul", List.of(p + "gelu_double", "half"), List.of(p + "gelu"));
            }
            return p + "gelu";
        }

        String linear(String x, String name, int in, int out) {
            matrix(name + ".weight", in, out);
            weight(name + ".bias", 0f, 0.02f, out);
            b.node("MatMul", List.of(x, name + ".weight"), List.of(name + "_mm"));
            b.node("Add", List.of(name + "_mm", name + ".bias"), List.of(name + "_out"));
            return name + "_out";
        }

        String layerNorm(String x, String name) {
            weight(name + ".weight", 1f, 0.1f, w);
            weight(name + ".bias", 0f, 0.02f, w);
            b.node("LayerNormalization", List.of(x, name + ".weight", name + ".bias"), List.of(name + "_out"),
                    Attr.i("axis", -1), Attr.f("epsilon", 1e-5f));
            return name + "_out";
        }
    }

    // ---- streaming writer --------------------------------------------------------------------------------------

    /**
     * Writes the skeleton's ModelProto, then a second {@code graph} field holding only the weight initializers.
     * Protobuf merges repeated occurrences of an embedded message field (the initializers are appended to the
     * graph's), which lets {@link OnnxModelBuilder} build the structure while the weights are streamed from a
     * generator: their sizes, hence every length prefix, are known before a byte of them is made.
     */
    private static void writeModel(Spec spec, Path dir, long inlineLimit) throws IOException {
        Graph g = graph(spec);
        byte[] skeleton = g.skeleton().toBytes();
        long weightBytes = g.weights().stream().mapToLong(x -> x.count() * 4).sum();
        boolean external = skeleton.length + weightBytes > inlineLimit;
        List<byte[]> headers = new ArrayList<>();
        long offset = 0;
        for (Weight x : g.weights()) {
            long length = x.count() * 4;
            ProtoWriter tensor = new ProtoWriter().packedVarints(1, x.dims).varint(2, FLOAT).string(8, x.name());
            if (external) {
                offset = align(offset);
                tensor.message(13, entry("location", EXTERNAL_DATA)).message(13, entry("offset", Long.toString(offset)))
                        .message(13, entry("length", Long.toString(length))).varint(14, 1);
                offset += length;
            } else {
                tensor.tag(9, 2).rawVarint(length);
            }
            headers.add(tensor.toByteArray());
        }
        long fragment = 0;
        for (int i = 0; i < headers.size(); i++) {
            long tensorLength = headers.get(i).length + (external ? 0 : g.weights().get(i).count() * 4);
            fragment += ProtoWriter.varintSize(5L << 3 | 2) + ProtoWriter.varintSize(tensorLength) + tensorLength;
        }
        Path model = dir.resolve("model.onnx");
        try (FileChannel out = FileChannel.open(model, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             FileChannel data = external ? FileChannel.open(dir.resolve(EXTERNAL_DATA), StandardOpenOption.CREATE,
                     StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING) : null) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            writeAll(out, ByteBuffer.wrap(skeleton));
            writeAll(out, ByteBuffer.wrap(new ProtoWriter().tag(7, 2).rawVarint(fragment).toByteArray()));
            for (int i = 0; i < headers.size(); i++) {
                Weight x = g.weights().get(i);
                long tensorLength = headers.get(i).length + (external ? 0 : x.count() * 4);
                writeAll(out, ByteBuffer.wrap(new ProtoWriter().tag(5, 2).rawVarint(tensorLength).toByteArray()));
                writeAll(out, ByteBuffer.wrap(headers.get(i)));
                if (external) {
                    long padding = align(data.position()) - data.position();
                    writeAll(data, ByteBuffer.allocate((int) padding));
                    stream(x, new SplittableRandom(SEED * 31 + i), data, buffer);
                } else {
                    stream(x, new SplittableRandom(SEED * 31 + i), out, buffer);
                }
            }
        }
    }

    /** A StringStringEntryProto (key 1, value 2), as ONNX's external-data fields hold them. */
    private static ProtoWriter entry(String key, String value) {
        return new ProtoWriter().string(1, key).string(2, value);
    }

    private static long align(long offset) {
        return (offset + EXTERNAL_ALIGNMENT - 1) / EXTERNAL_ALIGNMENT * EXTERNAL_ALIGNMENT;
    }

    private static void stream(Weight x, SplittableRandom random, FileChannel out, ByteBuffer buffer)
            throws IOException {
        long remaining = x.count();
        float centre = x.centre();
        float twiceScale = 2 * x.scale();
        while (remaining > 0) {
            buffer.clear();
            int n = (int) Math.min(remaining, buffer.capacity() / 4);
            for (int k = 0; k < n; k++) {
                // 24 random bits → [0, 1): exact in a float, so values are never denormal.
                float u = (random.nextInt() >>> 8) * 0x1.0p-24f;
                buffer.putFloat(centre + (u - 0.5f) * twiceScale);
            }
            buffer.flip();
            writeAll(out, buffer);
            remaining -= n;
        }
    }

    private static void writeAll(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }
}
