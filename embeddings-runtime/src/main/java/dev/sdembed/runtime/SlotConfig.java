package dev.sdembed.runtime;

import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.encoder.Modality;
import dev.sdembed.onnx.CudaOptions;
import dev.sdembed.onnx.OnnxOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * One slot of the configuration: which model fills it and where that model runs.
 *
 * @param name              the slot's name in the store ({@code prompt_bge}, {@code image_clip_h}, ...)
 * @param model             the model directory (resolved against the configuration file's folder)
 * @param modality          text or image; null to detect it from the model
 * @param device            {@code cpu}, {@code cpu:N}, {@code cuda:N} or {@code tensorrt:N}
 * @param fallback          what to do when the device cannot be used
 * @param threads           ONNX Runtime intra-op threads; null for the device's share of the cores
 * @param batchSize         most texts or images per inference call; null for the encoder's default
 * @param tokenBudget       text slots: most tokens per inference batch; null for the default
 * @param decodeThreads     image slots: image decode + preprocess threads; null for the number of cores
 * @param cuda              CUDA provider settings (GPU devices only); {@link CudaOptions#defaults()} when absent
 * @param batchBuckets      batch sizes inference batches are padded to; empty for none
 * @param sequenceBuckets   token lengths text batches are padded to; empty for none
 * @param precision         which weights of the model directory to load
 */
public record SlotConfig(String name, Path model, Modality modality, String device, DeviceFallback fallback,
                         Integer threads, Integer batchSize, Integer tokenBudget, Integer decodeThreads,
                         CudaOptions cuda, List<Integer> batchBuckets, List<Integer> sequenceBuckets,
                         OnnxOptions.Precision precision) {
    public SlotConfig {
        cuda = cuda == null ? CudaOptions.defaults() : cuda;
        batchBuckets = batchBuckets == null ? List.of() : List.copyOf(batchBuckets);
        sequenceBuckets = sequenceBuckets == null ? List.of() : List.copyOf(sequenceBuckets);
        precision = precision == null ? OnnxOptions.Precision.FP32 : precision;
    }
}
