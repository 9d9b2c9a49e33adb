package dev.sdembed.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.spark.internal.ExecutorSdembed;
import dev.sdembed.spark.internal.IndexPartition;
import dev.sdembed.spark.internal.JobSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Two executor JVMs (Spark's local-cluster mode: a master, two workers and their executor processes, started from
 * the test's classpath): each loads its encoders once for all its tasks, both write to the store at the same time,
 * and the store equals `sdembed index`'s; every partition run twice at once, as speculative execution does, changes
 * nothing.
 */
class TwoExecutorsTest {
    @AfterAll
    static void closeExecutorResources() {
        ExecutorSdembed.closeAll();
    }

    /**
     * A Spark home with no Spark in it: local-cluster mode builds each executor's classpath from
     * {@code $SPARK_HOME/jars} (Spark's own jars, which here are already on the test's classpath) and
     * {@code spark.executor.extraClassPath}. The POM points SPARK_HOME here.
     */
    private static void layOutSparkHome() throws IOException {
        Path home = Path.of(System.getenv("SPARK_HOME"));
        Files.createDirectories(home.resolve("jars"));
        Files.writeString(home.resolve("RELEASE"), "Spark home for embeddings-spark's tests: jars come from the"
                + " test classpath\n");
    }

    private static SparkConf twoExecutors() throws IOException {
        layOutSparkHome();
        return new SparkConf().setMaster("local-cluster[2,1,1024]")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                .set("spark.executorEnv.ORT_DISABLE_TELEMETRY", "1")
                .set("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Djava.awt.headless=true")
                // Start the job only once both executors have registered.
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s");
    }

    @Test
    void eachExecutorLoadsItsEncodersOnceAndBothWriteAtOnce() throws Exception {
        SparkIndexJobTest.indexWithTheCommandLine();
        Path library = SparkFixtures.library("local", 300);
        Path config = SparkFixtures.config();
        String schema = SparkFixtures.newSchema("spark_two_jvms");
        String speculative = SparkFixtures.newSchema("spark_speculative");
        SparkIndexSummary summary;
        try (JavaSparkContext spark = SparkFixtures.spark(twoExecutors())) {
            Path meeting = Files.createTempDirectory("sdembed-spark-meeting-");
            summary = SparkIndexJob.builder().roots(List.of(library)).config(config).store(SparkFixtures.storeUrl())
                    .schema(schema).filesPerPartition(50).batchSize(10)
                    .listener(new BothJvmsWriting(meeting.toString())).build().run(spark);
            runEveryPartitionTwiceAtOnce(spark, library, config, speculative);
        }
        List<PartitionReport> parts = summary.partitions();
        assertThat(parts).hasSize(6);
        long driver = ProcessHandle.current().pid();
        assertThat(summary.encoderLoadsByJvm()).hasSize(2).doesNotContainKey(driver)
                .allSatisfy((pid, loads) -> assertThat(loads).as("encoder sets loaded by JVM " + pid).isEqualTo(1));
        assertThat(parts.stream().map(PartitionReport::executorId).distinct()).hasSize(2);
        assertThat(overlapAcrossJvms(parts)).as("partitions of both JVMs written at the same time").isTrue();
        assertThat(summary.summary().indexed()).isEqualTo(300);

        assertThat(SparkFixtures.dump(schema)).isEqualTo(SparkIndexJobTest.referenceDump());
        SparkIndexJobTest.assertConsistent(schema);
        assertThat(SparkFixtures.dump(speculative)).isEqualTo(SparkIndexJobTest.referenceDump());
        SparkIndexJobTest.assertConsistent(speculative);
    }

    /**
     * Holds each JVM's first written batch until the other JVM has written one too (both are on this machine and
     * meet in a folder): then both are halfway through a partition at the same moment, however unevenly the machine
     * lets them start. Gives up after a minute, and the overlap assertion then fails.
     */
    record BothJvmsWriting(String folder) implements PartitionListener {
        @Override
        public void afterBatch(int partition, int attempt, dev.sdembed.pipeline.Progress progress) {
            Path dir = Path.of(folder);
            try {
                Files.writeString(dir.resolve(Long.toString(ProcessHandle.current().pid())), "");
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (System.nanoTime() < deadline) {
                    try (var marks = Files.list(dir)) {
                        if (marks.count() >= 2) {
                            return;
                        }
                    }
                    Thread.sleep(20);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether two partitions of different JVMs ran their pipelines at overlapping times. */
    private static boolean overlapAcrossJvms(List<PartitionReport> parts) {
        for (PartitionReport a : parts) {
            for (PartitionReport b : parts) {
                if (a.pid() != b.pid() && a.startMillis() < b.endMillis() && b.startMillis() < a.endMillis()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * What speculative execution does at worst: each partition's files indexed by two tasks at the same time, on
     * the two executors (tasks 2i and 2i+1 share a list; one core per executor runs one of each pair).
     */
    private static void runEveryPartitionTwiceAtOnce(JavaSparkContext spark, Path library, Path config,
                                                     String schema) throws IOException {
        Path work = Files.createTempDirectory("sdembed-spark-speculative-");
        FileListing.Listing listing = new FileListing(Set.of("png"), work).walk(List.of(library), 3, 100);
        List<String> doubled = new ArrayList<>();
        for (String part : listing.partFiles()) {
            doubled.add(part);
            doubled.add(part);
        }
        JobSettings settings = new JobSettings(config.toString(), null, SparkFixtures.storeUrl(), schema, false, 16);
        LongAccumulator indexed = spark.sc().longAccumulator();
        LongAccumulator skipped = spark.sc().longAccumulator();
        LongAccumulator failed = spark.sc().longAccumulator();
        List<PartitionReport> reports = spark.parallelize(doubled, doubled.size())
                .mapPartitions(new IndexPartition(settings, indexed, skipped, failed, PartitionListener.NONE))
                .collect();
        assertThat(reports).hasSize(6);
        // Both copies of a partition saw all of its files; between them each file was indexed at least once.
        assertThat(indexed.value() + skipped.value()).isEqualTo(2 * 300);
        assertThat(indexed.value()).isGreaterThanOrEqualTo(300);
        assertThat(failed.value()).isZero();
    }
}
