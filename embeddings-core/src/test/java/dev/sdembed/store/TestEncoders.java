package dev.sdembed.store;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.testing.TestVectors;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Small deterministic encoders for store tests: what is tested is the store's use of an encoder (which method, which
 * slot), not a model. Vectors come from the content's hash, so equal inputs give equal vectors.
 */
public final class TestEncoders {
    private TestEncoders() {
    }

    /** A text encoder whose query embeddings are the document embedding of {@code "query: " + text}. */
    public static final class Text implements TextEncoder {
        private final EncoderInfo info;
        public final AtomicInteger documentCalls = new AtomicInteger();
        public final AtomicInteger queryCalls = new AtomicInteger();

        public Text(String name, int dimension, String fingerprint) {
            this.info = new EncoderInfo(name, Modality.TEXT, dimension, 512, 0, fingerprint);
        }

        /** The encoder a {@link SlotSpec} built by {@link StoreTestData#textSlot} describes. */
        public static Text forSlot(SlotSpec slot) {
            return new Text(slot.encoderName(), slot.dimension(), slot.fingerprint());
        }

        @Override
        public EncoderInfo info() {
            return info;
        }

        public Embedding document(String text) {
            return new Embedding(TestVectors.unitVector(seed(text), info.dimension()));
        }

        @Override
        public List<Embedding> embedAll(List<String> texts) {
            documentCalls.incrementAndGet();
            return texts.stream().map(this::document).toList();
        }

        @Override
        public List<Embedding> embedQueries(List<String> queries) {
            queryCalls.incrementAndGet();
            return queries.stream().map(q -> document("query: " + q)).toList();
        }

        @Override
        public void close() {
        }
    }

    /** An image encoder whose vector is derived from the file's path name. */
    public static final class Image implements ImageEncoder {
        private final EncoderInfo info;
        /** Calls that embedded files. */
        public final AtomicInteger calls = new AtomicInteger();

        public Image(String name, int dimension, String fingerprint) {
            this.info = new EncoderInfo(name, Modality.IMAGE, dimension, 0, 224, fingerprint);
        }

        public static Image forSlot(SlotSpec slot) {
            return new Image(slot.encoderName(), slot.dimension(), slot.fingerprint());
        }

        @Override
        public EncoderInfo info() {
            return info;
        }

        public Embedding of(Path file) {
            return new Embedding(TestVectors.unitVector(seed(file.getFileName().toString()), info.dimension()));
        }

        @Override
        public List<Embedding> embedFiles(List<Path> images) {
            calls.incrementAndGet();
            return images.stream().map(this::of).toList();
        }

        @Override
        public void close() {
        }
    }

    static long seed(String text) {
        byte[] h = ContentHash.ofText(text).toBytes();
        long s = 0;
        for (int i = 0; i < 8; i++) {
            s = (s << 8) | (h[i] & 0xff);
        }
        return s;
    }
}
