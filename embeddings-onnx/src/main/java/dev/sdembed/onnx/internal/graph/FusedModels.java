package dev.sdembed.onnx.internal.graph;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.google.protobuf.CodedInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds, in memory at load, the fused variant of a model file for ONNX Runtime to load from bytes. */
public final class FusedModels {
    private static final Logger LOG = LoggerFactory.getLogger(FusedModels.class);

    private FusedModels() {
    }

    /**
     * A rewritten model.
     *
     * @param bytes     the serialised model for ONNX Runtime
     * @param clsPruned whether {@link ClsTokenPruning} cut the work after the last attention to the first token
     */
    public record Fused(byte[] bytes, boolean clsPruned) {
    }

    /**
     * The {@link BertAttentionFusion} rewrite of {@code modelFile}, followed by the {@link ClsTokenPruning} of
     * {@code clsPooledOutput} when that is not null, or null (with a DEBUG line saying why) when the graph does not
     * match, so the caller loads the file unchanged. The file is streamed into the protobuf and the parsed model is
     * dropped before returning: at the peak, memory holds the model once as protobuf and once as the returned bytes.
     */
    public static Fused bertFused(String encoderName, Path modelFile, String clsPooledOutput) {
        long started = System.nanoTime();
        ModelProto parsed;
        ModelProto fused;
        BertAttentionFusion.Outcome outcome;
        try {
            long size = Files.size(modelFile);
            if (size >= Integer.MAX_VALUE) {
                LOG.debug("Encoder '{}' runs {} unfused: over 2 GB, beyond what protobuf can hold in memory",
                        encoderName, modelFile);
                return null;
            }
            // The parsed model and its serialised rewrite, with room to spare: fusion is an optimisation, and running
            // out of heap for it must not cost the load (bge-large is 1.3 GB).
            Runtime runtime = Runtime.getRuntime();
            long free = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
            if (free < 3 * size) {
                LOG.info("Encoder '{}' runs {} unfused: rewriting its {} MB graph needs about {} MB of heap, {} MB free"
                        + " (raise -Xmx to fuse it)", encoderName, modelFile, size >> 20, (3 * size) >> 20, free >> 20);
                return null;
            }
            parsed = read(modelFile);
        } catch (IOException | RuntimeException e) {
            LOG.debug("Encoder '{}' runs {} unfused: cannot read it as an ONNX protobuf ({})", encoderName,
                    modelFile, e.toString());
            return null;
        }
        try {
            outcome = BertAttentionFusion.fuse(parsed);
            fused = outcome.model();
        } catch (RuntimeException e) {
            // A graph that does not match is an Outcome, not an exception: this is a bug in the rewrite.
            LOG.warn("Encoder '{}' runs {} unfused: the attention fusion failed ({})", encoderName, modelFile,
                    e.toString());
            return null;
        }
        if (!outcome.fused()) {
            LOG.debug("Encoder '{}' runs {} unfused: {}", encoderName, modelFile, outcome.notFusedReason());
            return null;
        }
        boolean clsPruned = false;
        if (clsPooledOutput != null) {
            try {
                ClsTokenPruning.Outcome pruning = ClsTokenPruning.prune(fused, clsPooledOutput);
                if (pruning.pruned()) {
                    fused = pruning.model();
                    clsPruned = true;
                } else {
                    LOG.debug("Encoder '{}' runs its last layer on every token: {}", encoderName,
                            pruning.notPrunedReason());
                }
            } catch (RuntimeException e) {
                LOG.warn("Encoder '{}' runs its last layer on every token: the CLS pruning failed ({})", encoderName,
                        e.toString());
            }
        }
        byte[] bytes = fused.toByteArray();
        LOG.debug("Encoder '{}': fused {} attention layers and {} residual layer norms of {}{} in {} ms", encoderName,
                outcome.attentionLayers(), outcome.skipLayerNorms(), modelFile,
                clsPruned ? ", last layer after attention on the CLS token only" : "",
                (System.nanoTime() - started) / 1_000_000);
        return new Fused(bytes, clsPruned);
    }

    static ModelProto read(Path modelFile) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(modelFile), 1 << 16)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            return ModelProto.parseFrom(coded);
        }
    }
}
