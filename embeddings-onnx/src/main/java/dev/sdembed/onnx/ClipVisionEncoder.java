package dev.sdembed.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.EncodingException;
import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.Modality;
import dev.sdembed.image.ClipPreprocessConfig;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.ImagePreprocessingPool;
import dev.sdembed.image.PixelHash;
import dev.sdembed.image.PixelTensor;
import dev.sdembed.image.PreprocessedImage;
import dev.sdembed.onnx.internal.EncoderInputs;
import dev.sdembed.onnx.internal.OnnxSession;
import dev.sdembed.onnx.internal.ShapeBuckets;
import dev.sdembed.onnx.internal.OnnxSession.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CLIP or OpenCLIP vision tower with projection (OpenCLIP ViT-H/14, CLIP ViT-L/14, 336-pixel variants): image
 * files become L2-normalised embeddings in the joint text-image space.
 *
 * <p>Supported exports: Hugging Face {@code CLIPVisionModelWithProjection} ({@code pixel_values} →
 * {@code image_embeds}) and OpenCLIP image exports (one float {@code [batch, 3, S, S]} input → one
 * {@code [batch, D]} output, e.g. Immich's {@code image} → {@code image_embedding} or {@code embedding}); the
 * manifest's {@code inputs.pixel_values} and {@code output} name others. A graph taking uint8 {@code [batch, S, S, 3]}
 * (Immich's opset 23 exports, which scale and normalise inside the graph) is fed the resized and centre-cropped RGB
 * bytes, without the rescale and mean/std steps; a graph whose batch axis is fixed gets batches of exactly that size;
 * float16 outputs are read as float32. A bare {@code CLIPVisionModel} ({@code pooler_output} only) is refused unless
 * the manifest sets {@code allow_unprojected}. The input size S comes from the graph, else the manifest's
 * {@code image_size}, else {@code preprocessor_config.json}, else {@code config.json}, else 224; sources that
 * disagree are an error.
 *
 * <p>Files are decoded and preprocessed exactly as Hugging Face's {@code CLIPImageProcessor} with Pillow does
 * ({@code preprocessor_config.json}, CLIP's defaults without one) on an {@link ImagePreprocessingPool}: while one
 * batch runs through the model, the next is being decoded. Results come in input order. Thread-safe; close it to
 * free the native session and the worker threads.
 */
public final class ClipVisionEncoder implements ImageEncoder {
    private static final Logger LOG = LoggerFactory.getLogger(ClipVisionEncoder.class);

    public static final String PIXEL_VALUES = "pixel_values";
    public static final String IMAGE_EMBEDS = "image_embeds";

    /** How the graph takes its pixels. */
    private enum PixelInput {
        /** float32 {@code [batch, 3, S, S]}, rescaled and normalised by the preprocessing. */
        FLOAT_NCHW,
        /** uint8 {@code [batch, S, S, 3]}: the resized and cropped bytes; the graph scales and normalises them. */
        UINT8_NHWC
    }

    private final OnnxSession session;
    private final ImagePreprocessingPool pool;
    private final EncoderInfo info;
    private final int batchSize;
    private final String inputName;
    private final PixelInput pixelInput;
    private final String outputName;
    private final int imageSize;
    private final boolean normalize;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ShapeBuckets batchBuckets;

    private ClipVisionEncoder(Builder b, ModelDirectory dir) {
        ModelManifest manifest = dir.manifest();
        Path preprocessorFile = dir.path().resolve(ModelDirectory.PREPROCESSOR_CONFIG_FILE);
        // Configuration files first: a bad one is reported before a multi-gigabyte graph is loaded.
        ClipPreprocessConfig fromFile = Files.isRegularFile(preprocessorFile)
                ? ClipPreprocessConfig.fromPreprocessorConfig(preprocessorFile) : null;
        Integer configJsonSize = dir.config().map(ClipVisionEncoder::imageSizeOf).orElse(null);
        this.normalize = manifest.normalizeOrDefault();
        String name = b.name != null ? b.name : dir.name();
        this.session = OnnxSession.open(name, dir.modelFile(b.options.precision()), b.options);
        ImagePreprocessingPool createdPool = null;
        try {
            requireVisionModel(dir, manifest);
            TensorSpec input = chooseInput(dir, manifest);
            this.inputName = input.name();
            this.pixelInput = input.type() == OnnxJavaType.UINT8 ? PixelInput.UINT8_NHWC : PixelInput.FLOAT_NCHW;
            // A graph that fixes its batch axis takes batches of exactly that size.
            this.batchBuckets = ShapeBuckets.forBatchAxis(input.shape()[0], b.options.batchBuckets(),
                    b.options.maxBatchSize());
            this.batchSize = batchBuckets.largest(b.options.maxBatchSize());
            TensorSpec output = EmbeddingOutputs.choose(session.outputs(), dir, IMAGE_EMBEDS, "CLIPVisionModel",
                    "text");
            this.outputName = output.name();
            this.imageSize = resolveImageSize(dir, input, manifest, fromFile, configJsonSize);
            ClipPreprocessConfig preprocessing = fromFile != null ? fromFile
                    : ClipPreprocessConfig.clipDefaults(imageSize);
            if (!preprocessing.hasFixedOutputSize() || preprocessing.outputHeight() != imageSize
                    || preprocessing.outputWidth() != imageSize) {
                throw new ModelLoadException("Preprocessor config " + preprocessorFile + " does not produce "
                        + imageSize + " x " + imageSize + " images (" + preprocessing + "); the model takes "
                        + input.shapeText() + ". Set size and crop_size to " + imageSize + ".");
            }
            if (pixelInput == PixelInput.UINT8_NHWC) {
                // The graph scales and normalises: it takes the bytes the resize and crop give.
                preprocessing = preprocessing.toBuilder().doRescale(false).doNormalize(false).build();
            }
            ImagePreprocessingPool.Builder poolBuilder = ImagePreprocessingPool.builder().config(preprocessing)
                    .decoder(ImageDecoder.builder().maxPixels(b.maxPixels).build());
            if (b.executor != null) {
                poolBuilder.executor(b.executor);
            } else {
                poolBuilder.threads(b.preprocessThreads);
            }
            createdPool = poolBuilder.build();
            this.pool = createdPool;
            int dimension = (int) output.lastDimension();
            if (dimension <= 0) {
                dimension = run(List.of(blank())).get(0).length;
            }
            EmbeddingOutputs.requireManifestDimension(dir, output, dimension);
            this.info = new EncoderInfo(name, Modality.IMAGE, dimension, 0, imageSize,
                    dir.fingerprint(b.options.precision(), b.options.modelCache()),
                    manifest.embeddingSpace());
        } catch (RuntimeException e) {
            if (createdPool != null) {
                createdPool.close();
            }
            session.close();
            throw e;
        }
        LOG.info("Loaded CLIP vision encoder '{}' ({}-d, {} px, {} preprocessing threads) on {}", info.name(),
                info.dimension(), imageSize, pool.threads() < 0 ? "supplied" : pool.threads(), session.device());
    }

    public static ClipVisionEncoder open(Path modelDir) {
        return builder(modelDir).build();
    }

    public static Builder builder(Path modelDir) {
        return new Builder(modelDir);
    }

    @Override
    public EncoderInfo info() {
        return info;
    }

    /** The device the encoder actually runs on (the CPU after a fallback). */
    @Override
    public Device device() {
        return session.device();
    }

    /**
     * How files become model inputs (from the model's {@code preprocessor_config.json}, else CLIP's defaults); for a
     * graph taking uint8 pixels without the rescale and normalisation, which the graph does itself.
     */
    public ClipPreprocessConfig preprocessing() {
        return pool.config();
    }

    /**
     * Embeds every file; the first file (in input order) that cannot be decoded raises its
     * {@link dev.sdembed.ImageDecodeException}. For bulk work use {@link #embedEach(List)}.
     */
    @Override
    public List<Embedding> embedFiles(List<Path> images) {
        List<ImageEmbeddingResult> results = embed(images, true);
        List<Embedding> embeddings = new ArrayList<>(results.size());
        for (ImageEmbeddingResult r : results) {
            embeddings.add(r.embeddingOrThrow());
        }
        return List.copyOf(embeddings);
    }

    /** Embeds every file that can be decoded; a file that cannot fails only its own result. */
    @Override
    public List<ImageEmbeddingResult> embedEach(List<Path> images) {
        return embed(images, false);
    }

    /**
     * Embeds model inputs prepared elsewhere, each {@code [3, S, S]} as {@link #preprocessing()} makes them (for a
     * uint8 graph: the byte values 0 to 255, which this converts to the graph's layout); in input order.
     */
    public List<Embedding> embedPixels(List<PixelTensor> pixels) {
        Objects.requireNonNull(pixels, "pixels");
        requireOpen();
        for (int i = 0; i < pixels.size(); i++) {
            requireModelShape(pixels.get(i), "Pixel tensor at index " + i + " of " + pixels.size());
        }
        List<Embedding> out = new ArrayList<>(pixels.size());
        for (int from = 0; from < pixels.size(); from += batchSize) {
            for (float[] v : run(pixels.subList(from, Math.min(pixels.size(), from + batchSize)))) {
                out.add(toEmbedding(v));
            }
        }
        return List.copyOf(out);
    }

    private List<ImageEmbeddingResult> embed(List<Path> images, boolean failFast) {
        Objects.requireNonNull(images, "images");
        requireOpen();
        for (int i = 0; i < images.size(); i++) {
            if (images.get(i) == null) {
                throw new InvalidInputException("Image at index " + i + " of " + images.size() + " is null");
            }
        }
        ImageEmbeddingResult[] results = new ImageEmbeddingResult[images.size()];
        List<CompletableFuture<PreprocessedImage>> next = submit(images, 0);
        try {
            for (int from = 0; from < images.size(); from += batchSize) {
                List<CompletableFuture<PreprocessedImage>> current = next;
                // The next batch decodes on the workers while this one runs through the model.
                next = submit(images, from + batchSize);
                List<PixelTensor> batch = new ArrayList<>(current.size());
                List<Integer> indices = new ArrayList<>(current.size());
                List<PixelHash> pixelHashes = new ArrayList<>(current.size());
                for (int j = 0; j < current.size(); j++) {
                    PreprocessedImage prepared = current.get(j).join();
                    if (prepared.succeeded()) {
                        batch.add(prepared.pixels());
                        indices.add(from + j);
                        pixelHashes.add(prepared.pixelHash());
                    } else if (failFast) {
                        throw prepared.error();
                    } else {
                        results[from + j] = ImageEmbeddingResult.failure(prepared.file(), prepared.error());
                    }
                }
                if (!batch.isEmpty()) {
                    List<float[]> vectors = run(batch);
                    for (int k = 0; k < vectors.size(); k++) {
                        int index = indices.get(k);
                        results[index] = ImageEmbeddingResult.success(images.get(index), toEmbedding(vectors.get(k)),
                                pixelHashes.get(k));
                    }
                }
            }
        } catch (RuntimeException e) {
            // Work not yet started is dropped; tasks already running finish on their own.
            next.forEach(f -> f.cancel(false));
            throw e;
        }
        return List.of(results);
    }

    private List<CompletableFuture<PreprocessedImage>> submit(List<Path> images, int from) {
        if (from >= images.size()) {
            return List.of();
        }
        return pool.submitAll(images.subList(from, Math.min(images.size(), from + batchSize)));
    }

    private Embedding toEmbedding(float[] v) {
        return new Embedding(normalize ? EncoderInputs.l2Normalize(v) : v);
    }

    /** One inference over {@code pixels}, padded to its batch bucket by repeating the first image. */
    private List<float[]> run(List<PixelTensor> pixels) {
        int images = pixels.size();
        int rows = batchBuckets.roundUp(images);
        long[] shape = pixelInput == PixelInput.UINT8_NHWC ? new long[] {rows, imageSize, imageSize, 3}
                : new long[] {rows, 3, imageSize, imageSize};
        try (OnnxTensor tensor = pixelInput == PixelInput.UINT8_NHWC ? bytesNhwc(pixels, rows, shape)
                : floatsNchw(pixels, rows, shape);
             OrtSession.Result result = session.run(Map.of(inputName, tensor), Set.of(outputName))) {
            return EmbeddingOutputs.rows((OnnxTensor) result.get(outputName).orElseThrow(), rows, session)
                    .subList(0, images);
        } catch (OrtException e) {
            throw new EncodingException("Cannot create the input tensor for encoder '" + session.encoderName()
                    + "' (batch " + Arrays.toString(shape) + "): " + e.getMessage(), e);
        }
    }

    private OnnxTensor floatsNchw(List<PixelTensor> pixels, int rows, long[] shape) throws OrtException {
        int perImage = 3 * imageSize * imageSize;
        // A direct buffer in native order is handed to ONNX Runtime without another copy.
        FloatBuffer buffer = ByteBuffer.allocateDirect(Math.multiplyExact(rows, perImage) * Float.BYTES)
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int r = 0; r < rows; r++) {
            pixels.get(r < pixels.size() ? r : 0).copyTo(buffer);
        }
        buffer.rewind();
        return OnnxTensor.createTensor(session.environment(), buffer, shape);
    }

    /** The byte values of channel-first tensors (0 to 255, no rescale or normalisation) as uint8 channel-last rows. */
    private OnnxTensor bytesNhwc(List<PixelTensor> pixels, int rows, long[] shape) throws OrtException {
        int plane = imageSize * imageSize;
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.multiplyExact(rows, 3 * plane));
        for (int r = 0; r < rows; r++) {
            float[] chw = pixels.get(r < pixels.size() ? r : 0).data();
            for (int i = 0; i < plane; i++) {
                for (int c = 0; c < 3; c++) {
                    float v = chw[c * plane + i];
                    if (!(v >= 0 && v <= 255)) {
                        throw new InvalidInputException("Pixel value " + v + " of image " + r + " is not a byte;"
                                + " encoder '" + session.encoderName() + "' takes the 0-255 values of its"
                                + " preprocessing()");
                    }
                    buffer.put((byte) Math.round(v));
                }
            }
        }
        buffer.rewind();
        return OnnxTensor.createTensor(session.environment(), buffer, shape, OnnxJavaType.UINT8);
    }

    private PixelTensor blank() {
        return PixelTensor.of(3, imageSize, imageSize, new float[3 * imageSize * imageSize]);
    }

    private void requireModelShape(PixelTensor p, String what) {
        if (p == null) {
            throw new InvalidInputException(what + " is null");
        }
        if (p.channels() != 3 || p.height() != imageSize || p.width() != imageSize) {
            throw new InvalidInputException(what + " has shape " + Arrays.toString(p.shape()) + "; encoder '"
                    + info.name() + "' takes [3, " + imageSize + ", " + imageSize + "]");
        }
    }

    private void requireVisionModel(ModelDirectory dir, ModelManifest manifest) {
        ModelKind kind = manifest.kind() != null ? ModelKind.fromId(manifest.kind())
                : ModelInspection.detectKind(session.inputs(), session.outputs());
        if (kind != ModelKind.CLIP_VISION) {
            throw new ModelLoadException("Model directory " + dir.path() + " does not hold an image encoder"
                    + " (" + (manifest.kind() != null ? "declared" : "detected") + " kind: " + kind.id()
                    + "; inputs: " + EmbeddingOutputs.describe(session.inputs())
                    + ", outputs: " + EmbeddingOutputs.describe(session.outputs()) + "). A CLIP vision tower takes"
                    + " float pixel_values [batch, 3, S, S] or uint8 pixels [batch, S, S, 3]; set \"kind\":"
                    + " \"clip-vision\" in " + ModelManifest.FILE_NAME + " if this is one.");
        }
    }

    private TensorSpec chooseInput(ModelDirectory dir, ModelManifest manifest) {
        Map<String, TensorSpec> inputs = session.inputs();
        String requested = manifest.inputs().get(PIXEL_VALUES);
        String name = requested != null ? requested
                : inputs.containsKey(PIXEL_VALUES) ? PIXEL_VALUES
                : inputs.size() == 1 ? inputs.keySet().iterator().next() : null;
        if (name == null || !inputs.containsKey(name)) {
            throw new ModelLoadException("Model " + dir.modelFile() + " has no pixel input "
                    + (name == null ? "'" + PIXEL_VALUES + "'" : "'" + name + "'") + " (inputs: "
                    + EmbeddingOutputs.describe(inputs) + "). Name it in " + ModelManifest.FILE_NAME
                    + " as inputs.pixel_values.");
        }
        if (inputs.size() > 1) {
            throw new ModelLoadException("Model " + dir.modelFile() + " has inputs " + inputs.keySet()
                    + "; a CLIP vision encoder feeds only the pixels ('" + name + "')");
        }
        TensorSpec spec = inputs.get(name);
        long[] shape = spec.shape();
        boolean nchw = spec.type() == OnnxJavaType.FLOAT && spec.rank() == 4 && (shape[1] <= 0 || shape[1] == 3);
        boolean nhwc = spec.type() == OnnxJavaType.UINT8 && spec.rank() == 4 && (shape[3] <= 0 || shape[3] == 3);
        if (!nchw && !nhwc) {
            throw new ModelLoadException("Model " + dir.modelFile() + " input '" + name + "' is " + spec.type()
                    + " " + spec.shapeText() + "; a CLIP vision tower takes float32 pixels [batch, 3, S, S] or uint8"
                    + " pixels [batch, S, S, 3]"
                    + (spec.type() == OnnxJavaType.FLOAT16 ? " (export it in float32)" : ""));
        }
        long height = nchw ? shape[2] : shape[1];
        long width = nchw ? shape[3] : shape[2];
        if (height > 0 && width > 0 && height != width) {
            throw new ModelLoadException("Model " + dir.modelFile() + " input '" + name + "' is "
                    + spec.shapeText() + "; CLIP preprocessing makes square images");
        }
        return spec;
    }

    /** The side a pixel input fixes, or -1 when symbolic. */
    private static long graphImageSize(TensorSpec input) {
        long[] shape = input.shape();
        boolean nhwc = input.type() == OnnxJavaType.UINT8;
        long height = nhwc ? shape[1] : shape[2];
        long width = nhwc ? shape[2] : shape[3];
        return height > 0 ? height : width;
    }

    /**
     * The one input size every source agrees on. The graph's fixed size comes first: nothing else can change what
     * the model accepts.
     */
    private static int resolveImageSize(ModelDirectory dir, TensorSpec input, ModelManifest manifest,
                                        ClipPreprocessConfig preprocessing, Integer configJsonSize) {
        List<String> sources = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        long graph = graphImageSize(input);
        if (graph > 0) {
            sources.add("model input '" + input.name() + "' " + input.shapeText());
            sizes.add((int) graph);
        }
        if (manifest.imageSize() != null) {
            if (manifest.imageSize() < 1) {
                throw new ModelLoadException("Manifest " + dir.path().resolve(ModelManifest.FILE_NAME)
                        + " has image_size " + manifest.imageSize() + "; expected a positive number of pixels");
            }
            sources.add(ModelManifest.FILE_NAME + " image_size");
            sizes.add(manifest.imageSize());
        }
        if (preprocessing != null && preprocessing.hasFixedOutputSize()) {
            sources.add(ModelDirectory.PREPROCESSOR_CONFIG_FILE + " crop_size");
            sizes.add(preprocessing.outputHeight());
        }
        if (configJsonSize != null) {
            sources.add(ModelDirectory.CONFIG_FILE + " image_size");
            sizes.add(configJsonSize);
        }
        for (int i = 1; i < sizes.size(); i++) {
            if (!sizes.get(i).equals(sizes.get(0))) {
                throw new ModelLoadException("Model directory " + dir.path() + " disagrees on the image size: "
                        + sources.get(0) + " says " + sizes.get(0) + ", " + sources.get(i) + " says " + sizes.get(i)
                        + ". Make them agree.");
            }
        }
        return sizes.isEmpty() ? ClipPreprocessConfig.CLIP_SIZE : sizes.get(0);
    }

    /** {@code image_size} of a CLIPVisionConfig, or of the vision_config inside a CLIPConfig. */
    private static Integer imageSizeOf(JsonNode config) {
        JsonNode size = config.path("vision_config").path("image_size");
        if (!size.isInt()) {
            size = config.path("image_size");
        }
        return size.isInt() ? size.asInt() : null;
    }

    /** The distinct input shapes the session has run (see {@link OnnxSession#inputShapes()}). */
    java.util.Set<String> inputShapes() {
        return session.inputShapes();
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("Encoder '" + info.name() + "' is closed");
        }
    }

    /** Frees the session and shuts the owned worker pool down; a supplied executor is left alone. Idempotent. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            pool.close();
        } finally {
            session.close();
        }
    }

    @Override
    public String toString() {
        return "ClipVisionEncoder[" + info.name() + ", " + info.dimension() + "-d, " + imageSize + " px, "
                + session.device() + "]";
    }

    /** Configures a {@link ClipVisionEncoder}; {@link #build()} loads the model. */
    public static final class Builder {
        private final Path modelDir;
        private OnnxOptions options = OnnxOptions.defaults();
        private String name;
        private int preprocessThreads = Math.min(Runtime.getRuntime().availableProcessors(), Checks.MAX_THREADS);
        private Executor executor;
        private long maxPixels = ImageDecoder.DEFAULT_MAX_PIXELS;

        private Builder(Path modelDir) {
            this.modelDir = modelDir;
        }

        /** Device, fallback, threads; {@link OnnxOptions#maxBatchSize()} images per inference. Default defaults. */
        public Builder options(OnnxOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Display name. Default: the manifest's name, else the directory name. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Decode + preprocess worker threads the encoder owns, 1 to {@link Checks#MAX_THREADS}. Default: the number
         * of available processors.
         */
        public Builder preprocessThreads(int threads) {
            this.preprocessThreads = Checks.inRange("preprocessThreads", threads, 1, Checks.MAX_THREADS);
            this.executor = null;
            return this;
        }

        /**
         * Decode and preprocess on this executor instead of threads of the encoder's own; the caller keeps owning
         * it. Default none.
         */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Images whose header declares more pixels are refused before decoding (a failed result naming the file).
         * Default {@link ImageDecoder#DEFAULT_MAX_PIXELS} (100 megapixels); at most
         * {@link ImageDecoder#MAX_PIXELS_CAP}.
         */
        public Builder maxPixels(long maxPixels) {
            this.maxPixels = Checks.inRange("maxPixels", maxPixels, 1, ImageDecoder.MAX_PIXELS_CAP);
            return this;
        }

        public ClipVisionEncoder build() {
            return new ClipVisionEncoder(this, ModelDirectory.open(modelDir));
        }
    }
}
