package dev.sdembed.bench;

import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link BgeThroughputBenchmark} and {@link LangChain4jBgeBenchmark} in one run and prints texts/s of each
 * batch size as a ratio to LangChain4j. {@code java -cp embeddings-bench/target/benchmarks.jar
 * dev.sdembed.bench.BgeComparison}
 */
public final class BgeComparison {
    private BgeComparison() {
    }

    public static void main(String[] args) throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(BgeThroughputBenchmark.class.getSimpleName())
                .include(LangChain4jBgeBenchmark.class.getSimpleName())
                .build()).run();
        double baseline = results.stream()
                .filter(r -> r.getParams().getBenchmark().contains("LangChain4j"))
                .mapToDouble(r -> r.getPrimaryResult().getScore()).findFirst().orElse(Double.NaN);
        System.out.printf("%nLangChain4j embedAll: %.1f texts/s%n", baseline);
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().contains("LangChain4j")) {
                continue;
            }
            double score = r.getPrimaryResult().getScore();
            System.out.printf("sdembed batch %-3s %-10s fusion %-3s: %6.1f texts/s  = %.2fx LangChain4j%n",
                    r.getParams().getParam("batchSize"), r.getParams().getParam("layout"),
                    r.getParams().getParam("fusion"), score, score / baseline);
        }
    }
}
