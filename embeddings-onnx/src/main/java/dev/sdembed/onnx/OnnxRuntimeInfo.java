package dev.sdembed.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.sdembed.encoder.Device;
import dev.sdembed.onnx.internal.GpuLibraryProbe;
import dev.sdembed.onnx.internal.OnnxSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What this machine's ONNX Runtime can run, found without loading a model or a GPU library: the runtime's version
 * and execution providers, which build of it is on the classpath, the CUDA/cuDNN/TensorRT libraries by file name and
 * version, and the GPUs the NVIDIA driver shows. For diagnostics ({@code sdembed doctor}) and for choosing devices
 * before loading encoders.
 *
 * @param version       the ONNX Runtime version
 * @param providers     the execution providers compiled into this build (e.g. {@code CPU, CUDA, TENSOR_RT})
 * @param flavour       {@link Flavour#GPU} for the {@code onnxruntime_gpu} build, else {@link Flavour#CPU}
 * @param librariesProbed false where the GPU libraries cannot be looked for by file name (not Linux); then
 *                      {@code libraries} is empty and the runtime reports them when a GPU session is opened
 * @param libraries     every library the CUDA and TensorRT providers need, found or not
 * @param gpus          the NVIDIA driver's GPUs, in its order ("NVIDIA GeForce RTX 4090 (0000:01:00.0)")
 */
public record OnnxRuntimeInfo(String version, List<String> providers, Flavour flavour, boolean librariesProbed,
                              List<GpuLibrary> libraries, List<String> gpus) {

    /** What the CUDA provider needs, for messages. */
    public static final String GPU_REQUIREMENT = GpuLibraryProbe.REQUIREMENT;

    /** Which ONNX Runtime jar is on the classpath: both hold the same classes, only one may be present. */
    public enum Flavour {
        /** {@code com.microsoft.onnxruntime:onnxruntime}: the CPU provider only. */
        CPU,
        /** {@code com.microsoft.onnxruntime:onnxruntime_gpu}: CPU, CUDA and TensorRT providers. */
        GPU
    }

    /**
     * One NVIDIA library a GPU provider loads.
     *
     * @param name     the file name the loader looks for ({@code libcudnn.so.9})
     * @param neededBy {@code cuda} or {@code tensorrt}
     * @param path     where it was found, or null when missing
     * @param version  the version its file name carries ({@code 9.1.0}), or null
     */
    public record GpuLibrary(String name, String neededBy, Path path, String version) {
        public boolean found() {
            return path != null;
        }
    }

    public OnnxRuntimeInfo {
        providers = List.copyOf(providers);
        libraries = List.copyOf(libraries);
        gpus = List.copyOf(gpus);
    }

    /** This machine, now. Cheap (a few file lookups); loads no GPU library. */
    public static OnnxRuntimeInfo probe() {
        List<String> providers = OrtEnvironment.getAvailableProviders().stream().map(OrtProvider::getName).toList();
        Flavour flavour = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA) ? Flavour.GPU : Flavour.CPU;
        if (!GpuLibraryProbe.supported()) {
            return new OnnxRuntimeInfo(OrtEnvironment.getEnvironment().getVersion(), providers, flavour, false,
                    List.of(), List.of());
        }
        GpuLibraryProbe probe = GpuLibraryProbe.system();
        List<GpuLibrary> libraries = new ArrayList<>();
        for (String name : GpuLibraryProbe.CUDA_LIBRARIES) {
            libraries.add(library(probe.locate(name), "cuda"));
        }
        for (String name : GpuLibraryProbe.TENSORRT_LIBRARIES) {
            libraries.add(library(probe.locate(name), "tensorrt"));
        }
        return new OnnxRuntimeInfo(OrtEnvironment.getEnvironment().getVersion(), providers, flavour, true, libraries,
                probe.gpuNames());
    }

    /**
     * Why {@code device} cannot be used, or null when nothing speaks against it (always null for the CPU): the same
     * reason a slot on it would fail or fall back to the CPU with.
     */
    public static String unavailableReason(Device device) {
        return device.isGpu() ? OnnxSession.gpuUnavailableReason(device) : null;
    }

    private static GpuLibrary library(GpuLibraryProbe.Library lib, String neededBy) {
        return new GpuLibrary(lib.name(), neededBy, lib.path(), lib.version());
    }
}
