package dev.sdembed.store.embedded;

import dev.sdembed.store.EmbeddingStoreContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Child process of {@link EmbeddedStoreReadOnlyFolderTest}, run where file permissions bind it: says whether it can
 * write into the store folder at all, then reads the store read-only, tries to open it for writing and to create a
 * store inside it, printing what each did.
 */
public final class ReadOnlyFolderMain {
    private ReadOnlyFolderMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        try {
            Files.delete(Files.createFile(dir.resolve("probe")));
            System.out.println("folder writable");
            return;
        } catch (IOException expected) {
            System.out.println("folder not writable");
        }
        EmbeddedEmbeddingStore.Builder builder = EmbeddedEmbeddingStore.builder().directory(dir)
                .slots(List.of(EmbeddingStoreContract.PROMPT, EmbeddingStoreContract.IMAGE));
        try (EmbeddedEmbeddingStore reader = builder.readOnly(true).build()) {
            System.out.println("read images " + reader.stats().images());
            EmbeddingStoreContract.assertStoreMatchesItsRecords(reader);
            System.out.println("read consistent");
        } catch (RuntimeException e) {
            System.out.println("read failed: " + e.getMessage());
        }
        try (EmbeddedEmbeddingStore writer = builder.readOnly(false).build()) {
            System.out.println("write opened");
        } catch (RuntimeException e) {
            System.out.println("write failed: " + e.getMessage());
        }
        try (EmbeddedEmbeddingStore inside = builder.directory(dir.resolve("inside")).build()) {
            System.out.println("created a store inside");
        } catch (RuntimeException e) {
            System.out.println("create failed: " + e.getMessage());
        }
    }
}
