package dev.sdembed.image;

import dev.sdembed.Checks;
import dev.sdembed.ImageDecodeException;
import dev.sdembed.internal.PerFileErrors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decodes and preprocesses image files on CPU worker threads, so that preprocessing overlaps inference: submit a
 * batch, run the model on the previous one, then collect. Results come in input order, each with the decoded
 * pixels' {@link PixelHash}; a file that cannot be decoded gives a failed {@link PreprocessedImage} and never affects
 * the others.
 *
 * <p>Runs on an {@link Executor} the caller supplies (and keeps owning), or on a pool of its own with
 * {@link Builder#threads(int)} daemon threads, shut down by {@link #close()}. Thread-safe.
 */
public final class ImagePreprocessingPool implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final ImageDecoder decoder;
    private final ClipPreprocessor preprocessor;
    private final Executor executor;
    private final ExecutorService owned;
    private final int threads;

    private ImagePreprocessingPool(Builder b) {
        this.decoder = b.decoder;
        this.preprocessor = ClipPreprocessor.of(b.config);
        if (b.executor != null) {
            this.executor = b.executor;
            this.owned = null;
            this.threads = -1;
        } else {
            this.threads = b.threads;
            this.owned = Executors.newFixedThreadPool(b.threads, daemonThreads());
            this.executor = owned;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The thread count of the owned pool, or -1 when running on a supplied executor. */
    public int threads() {
        return threads;
    }

    public ClipPreprocessConfig config() {
        return preprocessor.config();
    }

    /** Starts decoding and preprocessing every file; the futures are in input order and never fail. */
    public List<CompletableFuture<PreprocessedImage>> submitAll(List<Path> files) {
        Objects.requireNonNull(files, "files");
        List<CompletableFuture<PreprocessedImage>> futures = new ArrayList<>(files.size());
        for (Path file : files) {
            Objects.requireNonNull(file, "files contains null");
            futures.add(CompletableFuture.supplyAsync(() -> preprocess(file), executor));
        }
        return futures;
    }

    /** Decodes and preprocesses every file in parallel and waits; results in input order. */
    public List<PreprocessedImage> preprocessAll(List<Path> files) {
        List<PreprocessedImage> results = new ArrayList<>(files.size());
        for (CompletableFuture<PreprocessedImage> future : submitAll(files)) {
            results.add(future.join());
        }
        return results;
    }

    /** One file on the calling thread. */
    public PreprocessedImage preprocess(Path file) {
        try {
            ImageDecoder.Decoded decoded = decoder.decodeWithHeader(file);
            // A few ms against the decode's tens: bulk runs take the pixel hash from here instead of decoding again.
            return PreprocessedImage.success(file, decoded.header(), preprocessor.preprocess(decoded.image()),
                    PixelHash.of(decoded.image()));
        } catch (ImageDecodeException e) {
            return PreprocessedImage.failure(file, e);
        } catch (RuntimeException | Error e) {
            // A decoder bug on one odd file (a parser's NullPointerException, a StackOverflowError from a deep
            // structure) must not take down the batch; it is reported against that file. Errors of the JVM or the
            // installation are not the file's and fail the call.
            if (!PerFileErrors.isTheFilesFault(e)) {
                throw e;
            }
            return PreprocessedImage.failure(file, new ImageDecodeException(file, "unexpected " + e, e));
        }
    }

    /** Shuts the owned pool down (tasks already submitted still run); a supplied executor is left alone. */
    @Override
    public void close() {
        if (owned != null) {
            owned.shutdown();
        }
    }

    private static ThreadFactory daemonThreads() {
        int pool = POOLS.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "sdembed-preprocess-" + pool + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Configuration; every setter documents its default. */
    public static final class Builder {
        private ImageDecoder decoder = ImageDecoder.defaults();
        private ClipPreprocessConfig config = ClipPreprocessConfig.clipDefaults();
        private Executor executor;
        private int threads = Runtime.getRuntime().availableProcessors();

        private Builder() {
        }

        /** Default {@link ImageDecoder#defaults()}. */
        public Builder decoder(ImageDecoder decoder) {
            this.decoder = Objects.requireNonNull(decoder, "decoder");
            return this;
        }

        /** Default {@link ClipPreprocessConfig#clipDefaults()}. */
        public Builder config(ClipPreprocessConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Run on this executor instead of an owned pool; the caller keeps owning it. Default none. */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Worker threads of the owned pool, 1 to {@link Checks#MAX_THREADS}. Default: the number of available
         * processors.
         */
        public Builder threads(int threads) {
            this.threads = Checks.inRange("threads", threads, 1, Checks.MAX_THREADS);
            return this;
        }

        public ImagePreprocessingPool build() {
            return new ImagePreprocessingPool(this);
        }
    }
}
