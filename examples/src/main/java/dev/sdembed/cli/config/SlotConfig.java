package dev.sdembed.cli.config;

import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.encoder.Modality;
import java.nio.file.Path;

/**
 * One slot of the configuration: which model fills it and where that model runs.
 *
 * @param name              the slot's name in the store ({@code prompt_bge}, {@code image_clip_h}, ...)
 * @param model             the model directory (resolved against the configuration file's folder)
 * @param modality          text or image; null to detect it from the model
 * @param device            {@code cpu}, {@code cuda:N} or {@code tensorrt:N}
 * @param fallback          what to do when the device cannot be used
 * @param threads           ONNX Runtime intra-op threads; null for the number of cores
 * @param batchSize         most texts or images per inference call; null for the encoder's default
 * @param tokenBudget       text slots: most tokens per inference batch; null for the default
 * @param decodeThreads     image slots: image decode + preprocess threads; null for the number of cores
 */
public record SlotConfig(String name, Path model, Modality modality, String device, DeviceFallback fallback,
                         Integer threads, Integer batchSize, Integer tokenBudget, Integer decodeThreads) {
}
