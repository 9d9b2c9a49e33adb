package dev.sdembed.store;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Modality;
import dev.sdembed.hash.ContentHash;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Slots and records for store tests, shared by every store's tests through the test-jar; vectors are {@code TestVectors}. */
public final class StoreTestData {
    public static final Instant MODIFIED = Instant.parse("2024-05-01T12:00:00.123456Z");

    private StoreTestData() {
    }

    public static SlotSpec textSlot(String name, int dimension) {
        return new SlotSpec(name, Modality.TEXT, dimension, "test-text-encoder", "fp-" + name + "-1", null);
    }

    public static SlotSpec imageSlot(String name, int dimension) {
        return new SlotSpec(name, Modality.IMAGE, dimension, "test-image-encoder", "fp-" + name + "-1", null);
    }

    /** A distinct fake image content for {@code key}: hashes are what matter to a store, not pixels. */
    public static ImageContent imageContent(String key) {
        return new ImageContent(ContentHash.ofBytes(("image:" + key).getBytes(StandardCharsets.UTF_8)), 512, 768,
                "png", 1000 + key.length());
    }

    /** An OK record at {@code path} referencing the given contents. */
    public static ImageRecord record(String path, ImageContent image, ContentHash prompt, ContentHash negative) {
        return ImageRecord.builder(path)
                .imageHash(image.hash())
                .promptHash(prompt)
                .negativeHash(negative)
                .generator("a1111")
                .modelName("sd_xl_base_1.0")
                .size(image.width(), image.height())
                .fileSize(image.byteSize())
                .modifiedAt(MODIFIED)
                .build();
    }

    public static Embedding embedding(float[] v) {
        return new Embedding(v);
    }

    public static List<String> paths(String prefix, int count) {
        List<String> paths = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            paths.add(prefix + String.format("%06d.png", i));
        }
        return paths;
    }
}
