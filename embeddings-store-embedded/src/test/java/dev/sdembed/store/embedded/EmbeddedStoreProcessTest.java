package dev.sdembed.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.StoreException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.InvariantReport;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SearchRequest;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.testing.TestVectors;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store across processes: one writer, any number of readers while it writes, and a killed writer
 * leaves a consistent store.
 */
class EmbeddedStoreProcessTest {
    private static final List<SlotSpec> SLOTS = List.of(EmbeddingStoreContract.PROMPT, EmbeddingStoreContract.IMAGE);

    @TempDir
    Path temp;

    @Test
    void whileAnotherProcessWritesThisOneReadsItsCommitsButCannotWriteAndAKilledWriterLeavesAConsistentStore()
            throws Exception {
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
                    .hasMessage(("Embedded store %s is in use by another process (while opening the store for "
                            + "writing). The embedded store has one writer at a time, and any number of processes may "
                            + "read it meanwhile (search, similar, duplicates, stats); stop the other writer, or use a "
                            + "PostgreSQL store (--store postgresql://...) for several").formatted(dir.resolve(
                            "sdembed.db")));

            // Readers: each operation a consistent snapshot of the writer's last commit, newer ones as it goes on.
            try (EmbeddedEmbeddingStore reader = EmbeddedEmbeddingStore.builder().directory(dir).slots(SLOTS)
                    .readOnly(true).build()) {
                long seen = reader.stats().images();
                assertThat(seen).as("records of at least 5 batches").isGreaterThanOrEqualTo(5 * 150);
                InvariantReport snapshot = reader.checkInvariants();
                assertThat(snapshot.isConsistent()).as(snapshot.toString()).isTrue();
                float[] prompt7 = TestVectors.unitVector(7, EmbeddingStoreContract.PROMPT.dimension());
                assertThat(reader.search(SearchRequest.builder(SearchQuery.vector(EmbeddingStoreContract.PROMPT.name(),
                        new Embedding(prompt7))).k(3).build())).hasSize(3)
                        .allSatisfy(h -> assertThat(h.prompt()).isEqualTo("prompt number 7"));
                for (int more = 0; more < 5; ) {
                    String next = out.readLine();
                    assertThat(next).as("the child's output").isNotNull();
                    if (next.startsWith("committed ")) {
                        more++;
                    }
                }
                assertThat(reader.stats().images()).as("records after 5 more batches").isGreaterThan(seen);
            }

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
