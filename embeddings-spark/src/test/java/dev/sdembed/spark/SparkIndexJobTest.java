package dev.sdembed.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.cli.SdembedCommand;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.spark.internal.ExecutorSdembed;
import dev.sdembed.store.InvariantReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The index job in local mode against the real PostgreSQL, compared with `sdembed index` of the same files: the
 * same rows, reference counts and embeddings; a rerun embeds nothing; a task that fails halfway through its
 * partition and is run again by Spark leaves the same store.
 */
class SparkIndexJobTest {
    private static final int FILES = 300;
    private static Path library;
    private static Path config;
    private static String reference;
    private static Map<String, List<String>> referenceDump;
    private static JsonNode referenceSummary;

    /** `sdembed index` of the library: the store every job must leave. */
    @BeforeAll
    static synchronized void indexWithTheCommandLine() throws Exception {
        if (referenceDump != null) {
            return;
        }
        library = SparkFixtures.library("local", FILES);
        config = SparkFixtures.config();
        reference = SparkFixtures.newSchema("spark_ref");
        StringWriter out = new StringWriter();
        var cli = SdembedCommand.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        int code = cli.execute("index", "--config", config.toString(), "--store", SparkFixtures.storeUrl(),
                "--schema", reference, "--json-summary", library.toString());
        assertThat(code).as(out.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        referenceSummary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        referenceDump = SparkFixtures.dump(reference);
        assertThat(referenceDump.get("images")).hasSize(FILES);
    }

    static Map<String, List<String>> referenceDump() {
        return referenceDump;
    }

    @AfterEach
    void closeExecutorResources() {
        ExecutorSdembed.closeAll();
    }

    private static SparkIndexJob.Builder job(String schema) {
        return SparkIndexJob.builder().roots(List.of(library)).config(config).store(SparkFixtures.storeUrl())
                .schema(schema).filesPerPartition(75);
    }

    @Test
    void storeEqualsTheCommandLinesAndARerunEmbedsNothing() throws Exception {
        String schema = SparkFixtures.newSchema("spark_local");
        SparkIndexSummary first;
        SparkIndexSummary second;
        int loadsBefore = ExecutorSdembed.loads();
        try (JavaSparkContext spark = SparkFixtures.spark("local[2]")) {
            first = job(schema).build().run(spark);
            second = job(schema).build().run(spark);
        }
        PipelineSummary s = first.summary();
        assertThat(first.partitions()).hasSize(4);
        assertThat(s.files()).isEqualTo(FILES);
        assertThat(s.indexed()).isEqualTo(FILES);
        assertThat(s.skipped()).isZero();
        assertThat(s.failed()).isZero();
        // Every content `sdembed index` embedded was embedded; two partitions running at once may both compute a
        // content neither found stored (the store keeps one: the dump below). 270 distinct pixel contents (every
        // tenth file is a copy).
        for (String slot : List.of(SparkFixtures.TEXT_SLOT, SparkFixtures.IMAGE_SLOT)) {
            long distinct = referenceSummary.path("slots").path(slot).path("computed").asLong();
            assertThat(s.slot(slot).computed()).as(slot).isBetween(distinct, 2 * distinct);
        }
        assertThat(referenceSummary.path("slots").path(SparkFixtures.IMAGE_SLOT).path("computed").asLong())
                .isEqualTo(270);
        assertThat(s.uniqueTexts()).isEqualTo(referenceSummary.path("uniqueTexts").asLong());
        assertThat(s.vectorBytesStored()).isEqualTo(referenceSummary.path("vectorBytesStored").asLong());
        assertThat(s.vectorBytesWithoutDedup()).isEqualTo(referenceSummary.path("vectorBytesWithoutDedup").asLong());

        assertThat(SparkFixtures.dump(schema)).isEqualTo(referenceDump);
        assertThat(SparkFixtures.differingVectors(schema, reference, SparkFixtures.TEXT_SLOT)).isZero();
        assertThat(SparkFixtures.differingVectors(schema, reference, SparkFixtures.IMAGE_SLOT)).isZero();
        assertConsistent(schema);

        PipelineSummary again = second.summary();
        assertThat(again.indexed()).isZero();
        assertThat(again.skipped()).isEqualTo(FILES);
        assertThat(again.slots()).allSatisfy(slot -> assertThat(slot.computed()).isZero());
        assertThat(again.slots()).allSatisfy(slot -> assertThat(slot.encoderCalls()).isZero());
        assertThat(SparkFixtures.dump(schema)).isEqualTo(referenceDump);
        // One JVM, one set of encoders for both jobs and all their tasks (the count is the JVM's, since it began).
        assertThat(second.encoderLoadsByJvm()).containsExactly(Map.entry(ProcessHandle.current().pid(),
                loadsBefore + 1));
    }

    @Test
    void aTaskFailingHalfwayIsRetriedWithNothingDuplicatedOrLost() throws Exception {
        String schema = SparkFixtures.newSchema("spark_retry");
        SparkIndexSummary summary;
        // local[2,3]: two cores, and a task may fail three times before the job does.
        try (JavaSparkContext spark = SparkFixtures.spark("local[2,3]")) {
            summary = job(schema).batchSize(16).listener(new FailFirstAttempt(1, 32)).build().run(spark);
        }
        assertThat(summary.failedAttempts()).isEqualTo(1);
        PartitionReport retried = summary.partitions().get(1);
        assertThat(retried.attempt()).isEqualTo(1);
        // The first attempt wrote two batches before it failed: the retry finds them done and skips them.
        assertThat(retried.skipped()).isGreaterThanOrEqualTo(32);
        assertThat(retried.indexed() + retried.skipped()).isEqualTo(retried.files());
        assertThat(summary.summary().indexed() + summary.summary().skipped()).isEqualTo(FILES);
        assertThat(summary.summary().failed()).isZero();

        assertThat(SparkFixtures.dump(schema)).isEqualTo(referenceDump);
        assertConsistent(schema);
    }

    private static final CountDownLatch FIRST_BATCH = new CountDownLatch(1);

    @Test
    void aKilledTaskStopsAfterItsBatchesInFlightAndARerunCompletesTheStore() throws Exception {
        String schema = SparkFixtures.newSchema("spark_killed");
        try (JavaSparkContext spark = SparkFixtures.spark("local[1]")) {
            CountDownLatch taskEnded = new CountDownLatch(1);
            spark.sc().addSparkListener(new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    taskEnded.countDown();
                }
            });
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread driver = new Thread(() -> {
                spark.setJobGroup("killed", "a job the test cancels", true);
                try {
                    job(schema).minPartitions(1).filesPerPartition(FILES).batchSize(10)
                            .listener((partition, attempt, progress) -> slowBatches()).build().run(spark);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            driver.start();
            assertThat(FIRST_BATCH.await(2, TimeUnit.MINUTES)).isTrue();
            // Cancelling with interruptOnCancel kills the task as Spark kills the losing copy of a speculative task.
            spark.cancelJobGroup("killed");
            driver.join(120_000);
            assertThat(failure.get()).hasMessageContaining("cancel");
            assertThat(taskEnded.await(2, TimeUnit.MINUTES)).isTrue();
        }
        int written = SparkFixtures.dump(schema).get("images").size();
        assertThat(written).as("files written before the kill").isBetween(10, FILES - 10);
        assertConsistent(schema);

        SparkIndexSummary rerun;
        try (JavaSparkContext spark = SparkFixtures.spark("local[2]")) {
            rerun = job(schema).build().run(spark);
        }
        assertThat(rerun.summary().skipped()).isEqualTo(written);
        assertThat(rerun.summary().indexed()).isEqualTo(FILES - written);
        assertThat(SparkFixtures.dump(schema)).isEqualTo(referenceDump);
        assertConsistent(schema);
    }

    /** After each batch: lets the test know one was written, and slows the task so the kill comes midway. */
    private static void slowBatches() {
        FIRST_BATCH.countDown();
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Fails partition {@code partition}'s first attempt once it has indexed {@code after} files. */
    record FailFirstAttempt(int partition, int after) implements PartitionListener {
        @Override
        public void afterBatch(int partition, int attempt, dev.sdembed.pipeline.Progress progress) {
            if (partition == this.partition && attempt == 0 && progress.filesDone() >= after) {
                throw new IllegalStateException("injected failure in partition " + partition + " after "
                        + progress.filesDone() + " files");
            }
        }
    }

    static void assertConsistent(String schema) {
        try (Sdembed sdembed = Sdembed.builder(SdembedConfig.read(config)).store(SparkFixtures.storeUrl())
                .schema(schema).usage(Sdembed.Usage.QUERIES).open()) {
            InvariantReport report = sdembed.store().checkInvariants();
            assertThat(report.isConsistent()).as(report.toString()).isTrue();
        }
    }
}
