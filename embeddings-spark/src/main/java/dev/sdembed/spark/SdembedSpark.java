package dev.sdembed.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdembed.SdembedException;
import dev.sdembed.runtime.IndexReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sdembed-spark}: the index job on Apache Spark, as {@code bin/sdembed-spark} runs it in local mode from a
 * checkout and {@code spark-submit --class dev.sdembed.spark.SdembedSpark sdembed-spark.jar index ...} on a cluster.
 */
@Command(name = "sdembed-spark", mixinStandardHelpOptions = true, subcommands = SdembedSpark.Index.class,
        description = "sdembed's bulk index job on Apache Spark.")
public final class SdembedSpark implements Callable<Integer> {
    /** Exit codes, as the sdembed command line's. */
    static final int OK = 0;
    static final int COMPLETED_WITH_FAILURES = 1;
    static final int ERROR = 2;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ERROR;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code; errors are one line on stderr. */
    static int run(String... args) {
        CommandLine cl = new CommandLine(new SdembedSpark());
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            // A task's error reaches the driver wrapped in Spark's "Job aborted" exception: name the cause.
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof SdembedException)) {
                cause = cause.getCause();
            }
            boolean expected = cause instanceof SdembedException || cause instanceof IllegalArgumentException;
            line.getErr().println("sdembed-spark: " + (expected ? cause.getMessage() : e));
            if (!expected) {
                e.printStackTrace(line.getErr());
            }
            return ERROR;
        });
        // Invalid options exit with picocli's usage code, 2, as errors do.
        return cl.execute(args);
    }

    @Command(name = "index", mixinStandardHelpOptions = true,
            description = {"Indexes folders of generated images on Spark into a PostgreSQL store, as `sdembed index`"
                    + " does on one machine: same stages, same store, same summary. Resumable: files already indexed"
                    + " are skipped.",
                    "The roots, the models and --work-dir must be on storage every executor reads."})
    static final class Index implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..*", paramLabel = "ROOT", description = "Folders (walked recursively) or image files.")
        List<Path> roots = List.of();

        @Option(names = "--paths-file", paramLabel = "FILE",
                description = "Index the files this file lists, one path per line, instead of walking roots.")
        Path pathsFile;

        @Option(names = "--config", paramLabel = "FILE", description = "JSON configuration, as `sdembed index`"
                + " takes it. Without it, slot prompt_bge uses models/bge-small-en-v1.5 on the CPU.")
        Path config;

        @Option(names = "--store", paramLabel = "URL", description = "postgresql://user@host:port/db or"
                + " jdbc:postgresql://host:port/db (default: the configuration's store.url). Password from the URL,"
                + " SDEMBED_STORE_PASSWORD or PGPASSWORD, on every executor.")
        String store;

        @Option(names = "--schema", paramLabel = "NAME", description = "PostgreSQL schema (default: the"
                + " configuration's store.schema, else sdembed).")
        String schema;

        @Option(names = "--master", paramLabel = "URL", description = "Spark master, e.g. local[4] (default:"
                + " spark-submit's, else local[*]).")
        String master;

        @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the driver writes the partitions'"
                + " file lists; on a cluster it must be on storage every executor reads (default in local mode: a"
                + " temporary folder).")
        Path workDir;

        @Option(names = "--files-per-partition", paramLabel = "N", description = "About how many files a task"
                + " indexes; partitions are cut by bytes (default: " + SparkIndexJob.DEFAULT_FILES_PER_PARTITION
                + ").")
        Integer filesPerPartition;

        @Option(names = "--min-partitions", paramLabel = "N",
                description = "The fewest partitions (default: Spark's default parallelism).")
        Integer minPartitions;

        @Option(names = "--batch-size", paramLabel = "FILES",
                description = "Files per store transaction (default: the configuration's pipeline.batchSize, else 64).")
        Integer batchSize;

        @Option(names = "--retry-failed", description = "Index files stored as failed again, even when unchanged.")
        boolean retryFailed;

        @Option(names = "--json-summary", description = "Print the end-of-run summary as one JSON object.")
        boolean jsonSummary;

        @Option(names = "--progress-interval", paramLabel = "SECONDS", defaultValue = "10",
                description = "Seconds between progress lines in the driver's log (default: ${DEFAULT-VALUE}).")
        double progressInterval;

        @Override
        public Integer call() throws Exception {
            SparkIndexJob.Builder b = SparkIndexJob.builder().roots(roots).pathsFile(pathsFile).config(config)
                    .store(store).schema(schema).workDir(workDir).minPartitions(minPartitions).batchSize(batchSize)
                    .retryFailed(retryFailed).progressInterval(Duration.ofMillis(Math.round(progressInterval * 1000)));
            if (filesPerPartition != null) {
                b.filesPerPartition(filesPerPartition);
            }
            SparkIndexJob job = b.build();
            SparkConf conf = new SparkConf().setAppName("sdembed index");
            if (master != null) {
                conf.setMaster(master);
            } else if (!conf.contains("spark.master")) {
                conf.setMaster("local[*]");
            }
            if (conf.get("spark.master").startsWith("local") && !conf.contains("spark.driver.host")) {
                // One machine: stay on loopback, whatever the host name resolves to.
                conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
            }
            SparkIndexSummary summary;
            try (JavaSparkContext spark = new JavaSparkContext(conf)) {
                summary = job.run(spark);
            } finally {
                // Local mode: the executor is this JVM; its encoders and store go with the context.
                SparkIndexJob.closeExecutorResources();
            }
            PrintWriter out = spec.commandLine().getOut();
            if (jsonSummary) {
                out.println(new ObjectMapper().writeValueAsString(IndexReport.json(summary.summary())));
            } else {
                IndexReport.lines(summary.summary()).forEach(out::println);
            }
            out.flush();
            return summary.summary().failed() > 0 ? COMPLETED_WITH_FAILURES : OK;
        }
    }
}
