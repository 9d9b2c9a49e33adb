package dev.sdembed.runtime;

import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.Encoder;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.ClipVisionEncoder;
import dev.sdembed.onnx.DeclaredEncoder;
import dev.sdembed.onnx.ModelInspection;
import dev.sdembed.onnx.OnnxEncoders;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.store.SlotSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configured slots with their ONNX encoders, each on its device (loaded at once, or when first used for
 * {@link Sdembed.Usage#QUERIES}); closes them all. This is where the
 * ONNX layer meets the store: the slot specs carry each encoder's dimension, fingerprint and embedding space.
 */
public final class LoadedSlots implements AutoCloseable {
    private final Map<String, TextEncoder> texts = new LinkedHashMap<>();
    private final Map<String, ImageEncoder> images = new LinkedHashMap<>();
    private final List<SlotSpec> specs = new ArrayList<>();

    private LoadedSlots() {
    }

    /** As {@link #load(SdembedConfig, Sdembed.Usage, Path)} without a folder of fused graphs. */
    public static LoadedSlots load(SdembedConfig config, Sdembed.Usage usage) {
        return load(config, usage, null);
    }

    /**
     * Loads every slot's encoder; on a failure the ones already loaded are closed. Unless for
     * {@link Sdembed.Usage#BULK}, BGE does not make its attention fusion, whose rewrite at load (~3 s for bge-small in
     * a new JVM) would cost a one-query command far more than it saves; it runs the fused graph a bulk load kept in
     * {@code modelCache} (null: none) when there is one, the same graph the index was embedded with. For
     * {@link Sdembed.Usage#QUERIES}, CPU sessions map their weights from copies kept there too, and a slot whose
     * model folder declares its kind and dimension ({@link DeclaredEncoder}) loads its encoder only when first used:
     * a query command loads the encoders its query runs, not every slot's.
     */
    public static LoadedSlots load(SdembedConfig config, Sdembed.Usage usage, Path modelCache) {
        LoadedSlots loaded = new LoadedSlots();
        int cpuPartitions = cpuPartitions(config);
        try {
            for (SlotConfig s : config.slots()) {
                loaded.add(s, config.maxPixels(), cpuPartitions, usage, modelCache);
            }
            return loaded;
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /**
     * How many CPU devices the configuration splits the cores into: the highest {@code cpu:N} index + 1, so that
     * {@code cpu:0} and {@code cpu:1} get half the cores each and a lone {@code cpu} gets them all.
     */
    static int cpuPartitions(SdembedConfig config) {
        int partitions = 1;
        for (SlotConfig s : config.slots()) {
            Device d = Device.parse(s.device());
            if (!d.isGpu()) {
                partitions = Math.max(partitions, d.index() + 1);
            }
        }
        return partitions;
    }

    private void add(SlotConfig s, Long maxPixels, int cpuPartitions, Sdembed.Usage usage, Path modelCache) {
        OnnxOptions.Builder o = OnnxOptions.builder().device(s.device()).fallback(s.fallback())
                .attentionFusion(usage == Sdembed.Usage.BULK).mappedWeights(usage == Sdembed.Usage.QUERIES)
                .modelCache(modelCache)
                .cpuPartitions(cpuPartitions).cuda(s.cuda()).precision(s.precision()).batchBuckets(s.batchBuckets())
                .sequenceBuckets(s.sequenceBuckets());
        if (s.threads() != null) {
            o.intraOpThreads(s.threads());
        }
        if (s.batchSize() != null) {
            o.maxBatchSize(s.batchSize());
        }
        if (s.tokenBudget() != null) {
            o.tokenBudget(s.tokenBudget());
        }
        OnnxOptions options = o.build();
        if (usage == Sdembed.Usage.QUERIES) {
            DeclaredEncoder declared = DeclaredEncoder.of(s.model(), options).orElse(null);
            if (declared != null && (s.modality() == null || s.modality() == declared.modality())) {
                if (declared.modality() == Modality.IMAGE) {
                    images.put(s.name(), LazyEncoders.image(s.name(), declared, () -> image(s, maxPixels, options)));
                } else {
                    texts.put(s.name(), LazyEncoders.text(s.name(), declared,
                            () -> OnnxEncoders.text(s.model(), options)));
                }
                specs.add(new SlotSpec(s.name(), declared.modality(), declared.dimension(), declared.name(),
                        declared.fingerprint(), declared.embeddingSpace()));
                return;
            }
        }
        Modality modality = s.modality() != null ? s.modality() : ModelInspection.kind(s.model()).modality();
        Encoder encoder;
        if (modality == Modality.IMAGE) {
            ImageEncoder image = image(s, maxPixels, options);
            images.put(s.name(), image);
            encoder = image;
        } else {
            TextEncoder text = OnnxEncoders.text(s.model(), options);
            texts.put(s.name(), text);
            encoder = text;
        }
        specs.add(SlotSpec.of(s.name(), encoder.info(), encoder.info().embeddingSpace()));
    }

    private static ImageEncoder image(SlotConfig s, Long maxPixels, OnnxOptions options) {
        ClipVisionEncoder.Builder b = ClipVisionEncoder.builder(s.model()).options(options);
        if (s.decodeThreads() != null) {
            b.preprocessThreads(s.decodeThreads());
        }
        if (maxPixels != null) {
            b.maxPixels(maxPixels);
        }
        return b.build();
    }

    /** Whether the encoder of {@code slot} is loaded (with {@link Sdembed.Usage#QUERIES}, only once it is used). */
    public boolean loaded(String slot) {
        Encoder e = texts.containsKey(slot) ? texts.get(slot) : images.get(slot);
        return e != null && !LazyEncoders.unloaded(e);
    }

    /** The slot specs to open the store with, in configuration order. */
    public List<SlotSpec> specs() {
        return List.copyOf(specs);
    }

    public Map<String, TextEncoder> textEncoders() {
        return texts;
    }

    public Map<String, ImageEncoder> imageEncoders() {
        return images;
    }

    public SlotSpec spec(String slot) {
        return specs.stream().filter(s -> s.name().equals(slot)).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Encoder e : concat()) {
            try {
                e.close();
            } catch (RuntimeException ex) {
                first = first == null ? ex : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private List<Encoder> concat() {
        List<Encoder> all = new ArrayList<>(texts.values());
        all.addAll(images.values());
        return all;
    }
}
