package dev.sdembed.store.embedded;

import dev.sdembed.store.EmbeddingStoreContract;
import java.nio.file.Path;
import java.util.List;

/** Child process of {@link EmbeddedStoreProcessTest}: writes overlapping batches forever, printing each commit. */
public final class CrashWriterMain {
    private CrashWriterMain() {
    }

    public static void main(String[] args) {
        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(Path.of(args[0]))
                .slots(List.of(EmbeddingStoreContract.PROMPT, EmbeddingStoreContract.IMAGE)).build()) {
            for (int batch = 0; ; batch++) {
                store.write(EmbeddingStoreContract.overlappingBatch(batch % 4, batch, 200));
                System.out.println("committed " + batch);
                System.out.flush();
            }
        }
    }
}
