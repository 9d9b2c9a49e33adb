package dev.sdembed.runtime;

import dev.sdembed.ModelLoadException;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Encoder;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.DeclaredEncoder;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Encoders loaded when first used, for slots whose model directories declare what their encoder will report
 * ({@link DeclaredEncoder}): with {@link Sdembed.Usage#QUERIES} a command opens the store with every slot's spec and
 * loads only the encoders its query runs (a text search one text tower, not the image tower or the others: GBs and
 * seconds with the production models). Every method, {@link Encoder#info()} included, loads the encoder, which must
 * then report what was declared; {@link Encoder#close()} closes it if it was loaded.
 */
final class LazyEncoders {
    private LazyEncoders() {
    }

    static TextEncoder text(String slot, DeclaredEncoder declared, Supplier<TextEncoder> loader) {
        return new Text(new Load<>(slot, declared, loader));
    }

    static ImageEncoder image(String slot, DeclaredEncoder declared, Supplier<ImageEncoder> loader) {
        return new Image(new Load<>(slot, declared, loader));
    }

    /** Whether {@code encoder} is lazy and not loaded yet. */
    static boolean unloaded(Encoder encoder) {
        return encoder instanceof Lazy<?> lazy && !lazy.load.loaded();
    }

    /** The encoder of one slot, loaded once, by the first caller; later callers wait for it. */
    private static final class Load<E extends Encoder> {
        private final String slot;
        private final DeclaredEncoder declared;
        private final Supplier<E> loader;
        private volatile E loaded;
        private boolean closed;

        Load(String slot, DeclaredEncoder declared, Supplier<E> loader) {
            this.slot = slot;
            this.declared = declared;
            this.loader = loader;
        }

        E get() {
            E e = loaded;
            return e != null ? e : load();
        }

        boolean loaded() {
            return loaded != null;
        }

        private synchronized E load() {
            if (closed) {
                throw new IllegalStateException("The encoder of slot '" + slot + "' is closed");
            }
            if (loaded == null) {
                E e = loader.get();
                EncoderInfo info = e.info();
                if (!declared.matches(info)) {
                    e.close();
                    throw new ModelLoadException("Slot '" + slot + "': the model's manifest declares " + declared
                            + ", but the loaded encoder is " + info + "; correct sdembed.json in the model folder");
                }
                loaded = e;
            }
            return loaded;
        }

        synchronized void close() {
            closed = true;
            E e = loaded;
            loaded = null;
            if (e != null) {
                e.close();
            }
        }
    }

    /** What both kinds share: the info and device of the loaded encoder, and closing it. */
    private abstract static class Lazy<E extends Encoder> implements Encoder {
        final Load<E> load;

        Lazy(Load<E> load) {
            this.load = load;
        }

        @Override
        public EncoderInfo info() {
            return load.get().info();
        }

        @Override
        public Device device() {
            return load.get().device();
        }

        @Override
        public void close() {
            load.close();
        }
    }

    private static final class Text extends Lazy<TextEncoder> implements TextEncoder {
        Text(Load<TextEncoder> load) {
            super(load);
        }

        @Override
        public List<Embedding> embedAll(List<String> texts) {
            return load.get().embedAll(texts);
        }

        @Override
        public List<Embedding> embedQueries(List<String> queries) {
            return load.get().embedQueries(queries);
        }

        @Override
        public Embedding embed(String text) {
            return load.get().embed(text);
        }

        @Override
        public Embedding embedQuery(String query) {
            return load.get().embedQuery(query);
        }
    }

    private static final class Image extends Lazy<ImageEncoder> implements ImageEncoder {
        Image(Load<ImageEncoder> load) {
            super(load);
        }

        @Override
        public List<Embedding> embedFiles(List<Path> images) {
            return load.get().embedFiles(images);
        }

        @Override
        public Embedding embedFile(Path image) {
            return load.get().embedFile(image);
        }

        @Override
        public List<ImageEmbeddingResult> embedEach(List<Path> images) {
            return load.get().embedEach(images);
        }
    }
}
