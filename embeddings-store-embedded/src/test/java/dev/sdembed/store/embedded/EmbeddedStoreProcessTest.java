package dev.sdembed.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.StoreException;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.SlotSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store across processes: one at a time, and a killed writer leaves a consistent store. */
class EmbeddedStoreProcessTest {
    private static final List<SlotSpec> SLOTS = List.of(EmbeddingStoreContract.PROMPT, EmbeddingStoreContract.IMAGE);

    @TempDir
    Path temp;

    @Test
    void aKilledWriterLeavesAConsistentStoreAndASecondProcessIsRefusedWhileItRuns() throws Exception {
        Path dir = temp.resolve("store");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CrashWriterMain.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            int committed = 0;
            String line;
            while (committed < 5 && (line = out.readLine()) != null) {
                if (line.startsWith("committed ")) {
                    committed++;
                }
            }
            assertThat(committed).as("batches the child committed before it was killed").isEqualTo(5);

            assertThatThrownBy(() -> EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build())
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("is in use by another process")
                    .hasMessageContaining("use a PostgreSQL store");

            // Killed in the middle of its next batches: SIGKILL, no shutdown hooks, no close.
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }

        try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS).build()) {
            assertThat(store.stats().images()).isGreaterThanOrEqualTo(5 * 150);
            EmbeddingStoreContract.assertStoreMatchesItsRecords(store);
            // And it keeps working after the crash.
            store.write(EmbeddingStoreContract.overlappingBatch(9, 99, 50));
            EmbeddingStoreContract.assertStoreMatchesItsRecords(store);
        }
    }
}
