package dev.sdembed.onnx.internal;

import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.onnxruntime.OrtEnvironment;
import dev.sdembed.concurrent.Futures;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads ONNX Runtime (its library and environment) and the tokenizers' native library on threads of their own, while
 * the thread that will use them does other work (a command parsing its configuration): about 60-90 ms of a one-shot
 * query on 2 cores, most of it the dynamic linker relocating ONNX Runtime's 24 MB library and DJL finding its
 * platform (where JNA is on the classpath, DJL probes for CUDA through it, which runs {@code ldconfig -p}; the
 * command line leaves JNA out). A thread that needs a library
 * meanwhile waits for the one loading it inside the JVM's class initialisation; nothing loads twice.
 *
 * <p>A failure here is kept: a class whose initialisation failed is only "could not initialize" to the next thread
 * (on Java 17), so the loaders that report it add the original ({@link #addFailure}).
 */
public final class NativePreload {
    private static final Logger LOG = LoggerFactory.getLogger(NativePreload.class);
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static volatile Throwable failure;

    private NativePreload() {
    }

    /** Starts the loading on two daemon threads, once per process; returns at once. */
    public static void start() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        // Two threads: DJL's part mostly waits (for the loader, for ldconfig where JNA is there), ONNX Runtime's mostly
        // computes.
        start("sdembed-preload-onnxruntime", OrtEnvironment::getEnvironment);
        start("sdembed-preload-tokenizers", () -> {
            Tokenizers.forceOfflineCpuFlavour();
            LibUtils.checkStatus();
        });
    }

    private static void start(String name, Runnable load) {
        Futures.threadPerTask(name).execute(() -> {
            try {
                load.run();
            } catch (Throwable e) {
                failure = e;
                LOG.debug("Preloading a native library failed; its loader reports it", e);
            }
        });
    }

    /** Adds what failed while preloading, if anything did, to {@code error} (thrown where a library is needed). */
    public static <T extends Throwable> T addFailure(T error) {
        Throwable first = failure;
        if (first != null && first != error) {
            error.addSuppressed(first);
        }
        return error;
    }
}
