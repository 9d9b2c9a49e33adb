package dev.sdembed.onnx.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import dev.sdembed.DeviceUnavailableException;
import dev.sdembed.EncodingException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.onnx.OnnxNativeLibraries;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.onnx.internal.graph.FusedModelCache;
import dev.sdembed.onnx.internal.graph.FusedModels;
import dev.sdembed.onnx.internal.graph.Int8Quantization;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX Runtime session, created once per encoder on the device its options name (or the CPU, when the
 * fallback policy allows), and safe to run from many threads. Owns native memory: close it.
 */
public final class OnnxSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxSession.class);
    /** Folders of the model cache: fused graphs, and their int8 rewrites. */
    private static final String FUSED = "fused";
    private static final String INT8 = "int8";

    private final String encoderName;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final Device device;
    private final String fallbackReason;
    private final boolean attentionFused;
    private final boolean clsPruned;
    /** The mapping the session's weights lie in ({@link OnnxOptions#mappedWeights}), or null: kept reachable. */
    private final MappedByteBuffer mappedWeights;
    private final Path mappedFrom;
    private final Map<String, TensorSpec> inputs;
    private final Map<String, TensorSpec> outputs;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Distinct input shapes run so far (bounded): what shape-bucketing promises is checkable, and logged. */
    private final Set<String> inputShapes = ConcurrentHashMap.newKeySet();
    private static final int MAX_RECORDED_SHAPES = 1024;

    /** Name, element type and shape (-1 for symbolic axes) of a graph input or output. */
    public record TensorSpec(String name, OnnxJavaType type, long[] shape, String[] dimensionNames) {
        public int rank() {
            return shape.length;
        }

        /** The size of the last axis, or -1 when symbolic. */
        public long lastDimension() {
            return shape.length == 0 ? -1 : shape[shape.length - 1];
        }

        public String shapeText() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < shape.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                boolean named = dimensionNames != null && i < dimensionNames.length
                        && dimensionNames[i] != null && !dimensionNames[i].isEmpty();
                sb.append(shape[i] >= 0 ? Long.toString(shape[i]) : named ? dimensionNames[i] : "?");
            }
            return sb.append(']').toString();
        }
    }

    private OnnxSession(String encoderName, OrtEnvironment environment, OrtSession session, Device device,
                        String fallbackReason, Fusion fused, MappedByteBuffer mappedWeights, Path mappedFrom)
            throws OrtException {
        this.encoderName = encoderName;
        this.mappedWeights = mappedWeights;
        this.mappedFrom = mappedFrom;
        this.environment = environment;
        this.session = session;
        this.device = device;
        this.fallbackReason = fallbackReason;
        this.attentionFused = fused != null;
        this.clsPruned = fused != null && fused.clsPruned();
        this.inputs = specs(session.getInputInfo());
        this.outputs = specs(session.getOutputInfo());
    }

    /**
     * Opens {@code model} for the encoder named {@code encoderName}. A GPU device that cannot be used either fails
     * with {@link DeviceUnavailableException} or, under {@link DeviceFallback#CPU}, loads on the CPU after one WARN
     * line naming the encoder and the reason.
     */
    public static OnnxSession open(String encoderName, Path model, OnnxOptions options) {
        return open(encoderName, model, options, BertModel.NO);
    }

    /**
     * Whether a model is a BERT-family encoder whose graph may be {@link FusedModels#bertFused fused}, and which
     * output, if any, it CLS-pools.
     *
     * @param fusable         whether to try the attention fusion
     * @param clsPooledOutput the output whose first token alone is read, or null when every token is
     * @param calibration     for {@code Precision.INT8}: the token ids of the calibration prompts
     *                        ({@link Int8Quantization#calibrationPrompts()}), asked for only when the int8 graph is
     *                        made; null when the encoder cannot load at int8
     */
    public record BertModel(boolean fusable, String clsPooledOutput, Supplier<List<long[]>> calibration) {
        public static final BertModel NO = new BertModel(false, null, null);

        /** A model without calibration input: it cannot be loaded at {@code Precision.INT8}. */
        public BertModel(boolean fusable, String clsPooledOutput) {
            this(fusable, clsPooledOutput, null);
        }
    }

    /**
     * As {@link #open(String, Path, OnnxOptions)}; with a fusable {@code bert} model and
     * {@link OnnxOptions#attentionFusion()}, the session runs the {@link FusedModels#bertFused fused} graph when the
     * model's graph matches.
     */
    public static OnnxSession open(String encoderName, Path model, OnnxOptions options, BertModel bert) {
        // The rewrite merges float32 weights only: an fp16 file would be parsed in full just to be left as it is. A
        // fused graph kept from an earlier load is used even with the fusion off: it is already made.
        BertModel fuse = bert.fusable() && options.precision() == OnnxOptions.Precision.FP32
                && (options.attentionFusion() || options.modelCache() != null) ? bert : null;
        OrtEnvironment env;
        try {
            env = OrtEnvironment.getEnvironment();
        } catch (LinkageError e) {
            throw NativePreload.addFailure(e);
        }
        Device requested = options.device();
        if (options.precision() == OnnxOptions.Precision.INT8) {
            if (!bert.fusable() || bert.calibration() == null) {
                throw new ModelLoadException("Encoder '" + encoderName + "' cannot load at precision int8: it applies"
                        + " to BERT models (bge) only; use fp32 or fp16");
            }
            if (requested.isGpu()) {
                throw new ModelLoadException("Encoder '" + encoderName + "' cannot run at precision int8 on "
                        + requested + ": the int8 graph is for the CPU (its integer matrix products); on a GPU use"
                        + " fp16");
            }
            return createInt8(encoderName, env, model, bert, options, requested);
        }
        String fallbackReason = null;
        if (requested.isGpu()) {
            String reason = gpuUnavailableReason(requested);
            if (reason == null) {
                try {
                    return create(encoderName, env, model, fuse, options, requested, null);
                } catch (DeviceUnavailableException e) {
                    reason = e.getMessage();
                    if (options.fallback() == DeviceFallback.FAIL) {
                        throw e;
                    }
                }
            } else if (options.fallback() == DeviceFallback.FAIL) {
                throw new DeviceUnavailableException("Encoder '" + encoderName + "' cannot run on " + requested
                        + ": " + reason + ". Use device cpu, or allow the CPU fallback.");
            }
            fallbackReason = reason;
            LOG.warn("Encoder '{}' runs on cpu instead of {}: {}", encoderName, requested, reason);
        }
        return create(encoderName, env, model, fuse, options, requested.isGpu() ? Device.CPU : requested,
                fallbackReason);
    }

    private static OnnxSession create(String encoderName, OrtEnvironment env, Path model, BertModel fuse,
                                      OnnxOptions options, Device device, String fallbackReason) {
        long started = System.nanoTime();
        if (!device.isGpu() && options.mappedWeights() && options.modelCache() != null) {
            OnnxSession mapped = createMapped(encoderName, env, model, fuse, options, device, fallbackReason);
            if (mapped != null) {
                return mapped;
            }
        }
        try (OrtSession.SessionOptions so = sessionOptions(options)) {
            if (device.isGpu()) {
                addGpuProvider(encoderName, so, device, options);
            }
            Fusion fused = null;
            OrtSession session = null;
            if (fuse != null) {
                FusedSession f = createFused(encoderName, env, model, fuse, options, so);
                if (f != null) {
                    session = f.session();
                    fused = f.fusion();
                }
            }
            try {
                if (session == null) {
                    session = env.createSession(model.toString(), so);
                }
            } catch (OrtException e) {
                throw new ModelLoadException("Cannot load ONNX model " + model + " for encoder '" + encoderName
                        + "': " + e.getMessage(), e);
            }
            try {
                OnnxSession s = new OnnxSession(encoderName, env, session, device, fallbackReason, fused, null, null);
                LOG.debug("Encoder '{}' session created on {} ({} intra-op threads, {}) in {} ms", encoderName, device,
                        options.intraOpThreads(), fused == null ? "graph as exported" : "fused graph " + fused.from(),
                        (System.nanoTime() - started) / 1_000_000);
                return s;
            } catch (OrtException e) {
                closeQuietly(session);
                throw new ModelLoadException("Cannot inspect ONNX model " + model + ": " + e.getMessage(), e);
            }
        } catch (OrtException e) {
            throw new ModelLoadException("Cannot configure an ONNX Runtime session for encoder '" + encoderName
                    + "': " + e.getMessage(), e);
        }
    }

    /** Session options with the threads and optimisation level {@code options} name, for the CPU. */
    private static OrtSession.SessionOptions sessionOptions(OnnxOptions options) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setIntraOpNumThreads(options.intraOpThreads());
            so.setInterOpNumThreads(options.interOpThreads());
            so.addConfigEntry("session.intra_op.allow_spinning", options.intraOpSpinning() ? "1" : "0");
            so.setOptimizationLevel(switch (options.graphOptimization()) {
                case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
                case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
                case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
                case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            });
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    /**
     * A CPU session on the memory-mapped ONNX Runtime format copy ({@link OrtFormatCopies}) of the graph a load
     * would run (the kept fused graph when there is one, else the file as exported), made first when missing; null
     * when there is none to be had (then the caller loads as usual).
     */
    private static OnnxSession createMapped(String encoderName, OrtEnvironment env, Path model, BertModel fuse,
                                            OnnxOptions options, Device device, String fallbackReason) {
        Path source = model;
        Fusion fusion = null;
        if (fuse != null) {
            FusedModelCache.Entry kept = graphCache(options, FUSED).find(model, fuse.clsPooledOutput());
            if (kept != null) {
                source = kept.file();
                fusion = new Fusion(kept.clsPruned(), kept.file().toString());
            }
        }
        return createMappedFrom(encoderName, env, source, fusion, options, device, fallbackReason);
    }

    /** A session on the mapped copy of {@code source}, made first when missing; null when there is none to be had. */
    private static OnnxSession createMappedFrom(String encoderName, OrtEnvironment env, Path source, Fusion fusion,
                                                OnnxOptions options, Device device, String fallbackReason) {
        long started = System.nanoTime();
        OrtFormatCopies copies = new OrtFormatCopies(options.modelCache().resolve("ort"));
        Path copy = copies.find(env, source);
        if (copy == null && copies.refused(env, source)) {
            return null;
        }
        try {
            if (copy == null) {
                try (OrtSession.SessionOptions so = sessionOptions(options)) {
                    copy = copies.make(env, source, so);
                }
                if (copy == null) {
                    return null;
                }
            }
            MappedByteBuffer weights = OrtFormatCopies.map(copy);
            OrtSession session;
            try (OrtSession.SessionOptions so = sessionOptions(options)) {
                // Optimised when the copy was made; the weights used in the mapping as they are: nothing to copy,
                // and no pre-packing, which costs more at the start than a few inferences gain from it.
                so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
                so.addConfigEntry("session.load_model_format", "ORT");
                so.addConfigEntry("session.use_ort_model_bytes_directly", "1");
                so.addConfigEntry("session.use_ort_model_bytes_for_initializers", "1");
                // Not for int8: its integer products take another kernel path unpacked, whose results differ from the
                // packed one's by up to 3e-3, and a query must embed as the index did.
                if (fusion == null || !fusion.int8()) {
                    so.addConfigEntry("session.disable_prepacking", "1");
                }
                session = env.createSession(weights, so);
            }
            try {
                OnnxSession s = new OnnxSession(encoderName, env, session, device, fallbackReason, fusion, weights,
                        copy);
                LOG.debug("Encoder '{}' session created on {} ({} intra-op threads, {}) from the mapped copy {}"
                        + " in {} ms", encoderName, device, options.intraOpThreads(),
                        fusion == null ? "graph as exported" : "fused graph " + fusion.from(), copy,
                        (System.nanoTime() - started) / 1_000_000);
                return s;
            } catch (OrtException e) {
                closeQuietly(session);
                throw e;
            }
        } catch (IOException | OrtException e) {
            // A damaged copy (a full disk, an edit): made again by the next load that asks for it.
            LOG.warn("Encoder '{}': ONNX Runtime refused the copy {} of {} ({}); it is deleted and the model loads"
                    + " as usual", encoderName, copy, source, e.getMessage());
            if (copy != null) {
                OrtFormatCopies.evict(copy);
            }
            return null;
        }
    }

    /**
     * A CPU session on the int8 rewrite ({@link Int8Quantization}) of {@code model}'s fused graph: the one kept in the
     * model cache's {@code int8/} when there (memory-mapped with {@link OnnxOptions#mappedWeights}), else made from
     * the fused graph (itself kept or made) and the calibration prompts, and kept.
     */
    private static OnnxSession createInt8(String encoderName, OrtEnvironment env, Path model, BertModel bert,
                                          OnnxOptions options, Device device) {
        long started = System.nanoTime();
        String cls = bert.clsPooledOutput();
        FusedModelCache int8Cache = graphCache(options, INT8);
        FusedModelCache.Entry kept = int8Cache == null ? null : int8Cache.find(model, cls);
        byte[] bytes = null;
        boolean clsPruned;
        if (kept != null) {
            clsPruned = kept.clsPruned();
            Fusion fusion = new Fusion(clsPruned, kept.file().toString(), true);
            if (options.mappedWeights()) {
                OnnxSession mapped = createMappedFrom(encoderName, env, kept.file(), fusion, options, device, null);
                if (mapped != null) {
                    return mapped;
                }
            }
        } else {
            FusedModels.Fused fused = keptOrMadeFusion(encoderName, model, cls, options);
            if (fused == null) {
                throw new ModelLoadException("Encoder '" + encoderName + "' cannot load at precision int8: " + model
                        + " does not match the attention fusion the int8 rewrite starts from; use fp32");
            }
            clsPruned = fused.clsPruned();
            bytes = Int8Quantization.quantize(encoderName, fused.bytes(), bert.calibration().get());
            if (int8Cache != null) {
                kept = int8Cache.put(model, cls, new FusedModels.Fused(bytes, clsPruned));
            }
        }
        try (OrtSession.SessionOptions so = sessionOptions(options)) {
            OrtSession session = bytes != null ? env.createSession(bytes, so)
                    : env.createSession(kept.file().toString(), so);
            try {
                OnnxSession s = new OnnxSession(encoderName, env, session, device, null,
                        new Fusion(clsPruned, kept != null ? kept.file().toString() : "made at load", true), null,
                        null);
                LOG.debug("Encoder '{}' int8 session created on {} in {} ms", encoderName, device,
                        (System.nanoTime() - started) / 1_000_000);
                return s;
            } catch (OrtException e) {
                closeQuietly(session);
                throw e;
            }
        } catch (OrtException e) {
            if (kept != null && bytes == null) {
                int8Cache.evict(kept);
            }
            throw new ModelLoadException("ONNX Runtime refused the int8 graph of encoder '" + encoderName + "' ("
                    + e.getMessage() + ")" + (kept != null && bytes == null ? "; it is deleted, the next load makes it"
                    + " again" : ""), e);
        }
    }

    /** The fused graph of {@code model}: the kept one, read, else made (and kept); null when it does not match. */
    private static FusedModels.Fused keptOrMadeFusion(String encoderName, Path model, String cls,
                                                      OnnxOptions options) {
        FusedModelCache cache = graphCache(options, FUSED);
        FusedModelCache.Entry kept = cache == null ? null : cache.find(model, cls);
        if (kept != null) {
            try {
                return new FusedModels.Fused(Files.readAllBytes(kept.file()), kept.clsPruned());
            } catch (IOException e) {
                LOG.debug("Cannot read the kept fused graph {}: {}", kept.file(), e.toString());
            }
        }
        FusedModels.Fused fused = FusedModels.bertFused(encoderName, model, cls);
        if (fused != null && cache != null) {
            cache.put(model, cls, fused);
        }
        return fused;
    }

    /** The rewritten graphs kept in {@code folder} of the options' model cache; null without a model cache. */
    private static FusedModelCache graphCache(OnnxOptions options, String folder) {
        return options.modelCache() == null ? null : new FusedModelCache(options.modelCache().resolve(folder));
    }

    /** What a session runs of the attention fusion (and whether its int8 rewrite): only made when it does. */
    private record Fusion(boolean clsPruned, String from, boolean int8) {
        Fusion(boolean clsPruned, String from) {
            this(clsPruned, from, false);
        }
    }

    private record FusedSession(OrtSession session, Fusion fusion) {
    }

    /**
     * A session on the fused rewrite of {@code model}: the one kept in {@link OnnxOptions#modelCache()} when
     * there, else, with {@link OnnxOptions#attentionFusion()}, one made now (and kept); null when there is none, the
     * graph does not match, or ONNX Runtime refuses it (then the file loads as exported, after a WARN: the rewrite
     * is only an optimisation).
     */
    private static FusedSession createFused(String encoderName, OrtEnvironment env, Path model, BertModel bert,
                                            OnnxOptions options, OrtSession.SessionOptions so) {
        FusedModelCache cache = graphCache(options, FUSED);
        FusedModelCache.Entry kept = cache == null ? null : cache.find(model, bert.clsPooledOutput());
        if (kept != null) {
            try {
                return new FusedSession(env.createSession(kept.file().toString(), so),
                        new Fusion(kept.clsPruned(), kept.file().toString()));
            } catch (OrtException e) {
                // Damaged on disk (a full disk, an edit): made again below, when the fusion is on.
                LOG.warn("Encoder '{}': ONNX Runtime refused the fused graph kept in {} ({}); it is deleted",
                        encoderName, kept.file(), e.getMessage());
                cache.evict(kept);
            }
        }
        if (!options.attentionFusion()) {
            return null;
        }
        FusedModels.Fused fused = FusedModels.bertFused(encoderName, model, bert.clsPooledOutput());
        if (fused == null) {
            return null;
        }
        OrtSession session;
        try {
            session = env.createSession(fused.bytes(), so);
        } catch (OrtException e) {
            LOG.warn("Encoder '{}' runs {} unfused: ONNX Runtime refused the attention-fused graph ({})",
                    encoderName, model, e.getMessage());
            return null;
        }
        if (cache != null) {
            cache.put(model, bert.clsPooledOutput(), fused);
        }
        return new FusedSession(session, new Fusion(fused.clsPruned(), "rewritten at load"));
    }

    /**
     * Adds TensorRT (for {@code tensorrt:N}) and the CUDA provider with {@link OnnxOptions#cuda()} translated by
     * {@link dev.sdembed.onnx.CudaOptions#providerOptions(int)}. <b>Untested:</b> no GPU where sdembed is developed.
     */
    private static void addGpuProvider(String encoderName, OrtSession.SessionOptions so, Device device,
                                       OnnxOptions options) {
        try {
            // Loading from a folder of kept libraries (OnnxNativeLibraries), ONNX Runtime finds its providers there
            // only: they join it before they are asked for.
            if (device.kind() == Device.Kind.TENSORRT) {
                OnnxNativeLibraries.ensureProvider("onnxruntime_providers_tensorrt");
                so.addTensorrt(device.index());
            }
            OnnxNativeLibraries.ensureProvider("onnxruntime_providers_cuda");
            // addCUDA copies the options into the session options, so they can be closed right after.
            try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(device.index())) {
                for (Map.Entry<String, String> e : options.cuda().providerOptions(device.index()).entrySet()) {
                    cuda.add(e.getKey(), e.getValue());
                }
                so.addCUDA(cuda);
            }
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            throw new DeviceUnavailableException("Encoder '" + encoderName + "' cannot run on " + device
                    + ": ONNX Runtime could not start its " + device.kind() + " provider (" + e.getMessage()
                    + "). It needs " + GpuLibraryProbe.REQUIREMENT + ".", e);
        }
    }

    /**
     * Why {@code device} cannot be used, or null when nothing speaks against it. Cheap: looks at the providers
     * compiled into the runtime, library files and the driver's device list; loads nothing.
     */
    public static String gpuUnavailableReason(Device device) {
        EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
        OrtProvider provider = device.kind() == Device.Kind.TENSORRT ? OrtProvider.TENSOR_RT : OrtProvider.CUDA;
        if (!providers.contains(provider)) {
            return "this ONNX Runtime build has no " + provider + " provider (available: " + providers
                    + "); use the com.microsoft.onnxruntime:onnxruntime_gpu artifact";
        }
        if (!GpuLibraryProbe.supported()) {
            return null;
        }
        GpuLibraryProbe probe = GpuLibraryProbe.system();
        List<String> missing = probe.missingFor(device);
        if (!missing.isEmpty()) {
            return "missing " + String.join(", ", missing) + " (the " + provider + " provider needs "
                    + GpuLibraryProbe.REQUIREMENT + "; searched LD_LIBRARY_PATH, CUDA_PATH, /usr/local/cuda/lib64"
                    + " and the ldconfig cache)";
        }
        int gpus = probe.visibleGpuCount();
        if (gpus >= 0 && device.index() >= gpus) {
            return "the NVIDIA driver shows " + gpus + " GPU(s), so there is no GPU " + device.index();
        }
        return null;
    }

    public OrtEnvironment environment() {
        return environment;
    }

    /** The device the session actually runs on. */
    public Device device() {
        return device;
    }

    /** Why the session fell back to the CPU, or null when it runs where it was asked to. */
    public String fallbackReason() {
        return fallbackReason;
    }

    /** Whether the session runs the attention-fused rewrite of the model rather than the file as exported. */
    public boolean attentionFused() {
        return attentionFused;
    }

    /**
     * Whether the fused graph also runs the last layer after its attention on the first token only, so the pooled
     * output has a sequence axis of 1 (see {@link dev.sdembed.onnx.internal.graph.ClsTokenPruning}).
     */
    public boolean clsPruned() {
        return clsPruned;
    }

    /** The ONNX Runtime format copy the weights are mapped from ({@link OnnxOptions#mappedWeights}), or null. */
    public Path weightsMappedFrom() {
        return mappedFrom;
    }

    public Map<String, TensorSpec> inputs() {
        return inputs;
    }

    public Map<String, TensorSpec> outputs() {
        return outputs;
    }

    /**
     * The distinct input shapes this session has run, as {@code name[d0, d1, ...]} (at most the first 1,024 seen).
     * With batch and sequence buckets configured, only bucketed shapes appear here.
     */
    public Set<String> inputShapes() {
        return Set.copyOf(inputShapes);
    }

    public String encoderName() {
        return encoderName;
    }

    /** Runs the graph; the caller closes the result (try-with-resources). */
    public OrtSession.Result run(Map<String, ? extends ai.onnxruntime.OnnxTensorLike> feeds, java.util.Set<String> fetch) {
        if (closed.get()) {
            throw new IllegalStateException("Encoder '" + encoderName + "' is closed");
        }
        if (inputShapes.size() < MAX_RECORDED_SHAPES) {
            for (Map.Entry<String, ? extends ai.onnxruntime.OnnxTensorLike> feed : feeds.entrySet()) {
                if (inputShapes.add(feed.getKey() + Arrays.toString(feed.getValue().getInfo().getShape()))) {
                    LOG.trace("Encoder '{}' runs a new input shape {} {}", encoderName, feed.getKey(),
                            feed.getValue().getInfo().getShape());
                }
            }
        }
        try {
            return session.run(feeds, fetch);
        } catch (OrtException e) {
            throw new EncodingException("Inference failed in encoder '" + encoderName + "' on " + device + ": "
                    + e.getMessage(), e);
        } finally {
            // The session reads its weights from the mapping, which nothing else references.
            Reference.reachabilityFence(mappedWeights);
        }
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        closeQuietly(session);
        Reference.reachabilityFence(mappedWeights);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.debug("Closing session failed", e);
        }
    }

    private static Map<String, TensorSpec> specs(Map<String, NodeInfo> infos) {
        Map<String, TensorSpec> out = new LinkedHashMap<>();
        for (NodeInfo node : infos.values()) {
            if (node.getInfo() instanceof TensorInfo t) {
                out.put(node.getName(), new TensorSpec(node.getName(), t.type, t.getShape(), t.getDimensionNames()));
            } else {
                out.put(node.getName(), new TensorSpec(node.getName(), OnnxJavaType.UNKNOWN, new long[0], new String[0]));
            }
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
