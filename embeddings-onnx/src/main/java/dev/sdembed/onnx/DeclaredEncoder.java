package dev.sdembed.onnx;

import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.Modality;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What the encoder of a model directory will report, read from its manifest and the weights' fingerprint without
 * loading the model: for a process that opens a store with every slot's spec but may embed with none of them (a
 * query command). The encoder, once loaded, checks its graph against the manifest's dimension, so a load either
 * agrees with this or fails.
 *
 * @param name           {@link EncoderInfo#name()}: the manifest's name, else the folder's
 * @param modality       from the manifest's kind
 * @param dimension      the manifest's dimension
 * @param fingerprint    {@link EncoderInfo#fingerprint()} of the weights the options load (kept in their model cache)
 * @param embeddingSpace the manifest's embedding space, or null
 */
public record DeclaredEncoder(String name, Modality modality, int dimension, String fingerprint,
                              String embeddingSpace) {

    /**
     * The declaration of {@code modelDir} as loaded with {@code options}; empty when its manifest does not declare
     * both the kind and the dimension (then only loading the model tells).
     */
    public static Optional<DeclaredEncoder> of(Path modelDir, OnnxOptions options) {
        ModelDirectory dir = ModelDirectory.open(modelDir);
        ModelManifest manifest = dir.manifest();
        if (manifest.kind() == null || manifest.dimension() == null || manifest.dimension() <= 0) {
            return Optional.empty();
        }
        Modality modality = ModelKind.fromId(manifest.kind()).modality();
        if (modality == null) {
            return Optional.empty();
        }
        return Optional.of(new DeclaredEncoder(dir.name(), modality, manifest.dimension(),
                dir.fingerprint(options.precision(), options.modelCache()), manifest.embeddingSpace()));
    }

    /** Whether a loaded encoder's info says what this declaration said. */
    public boolean matches(EncoderInfo info) {
        return info.name().equals(name) && info.modality() == modality && info.dimension() == dimension
                && info.fingerprint().equals(fingerprint) && Objects.equals(info.embeddingSpace(), embeddingSpace);
    }
}
