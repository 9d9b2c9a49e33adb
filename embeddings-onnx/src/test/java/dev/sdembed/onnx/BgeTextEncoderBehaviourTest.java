package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.SdPrompts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BgeTextEncoderBehaviourTest {
    private static BgeTextEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = BgeTextEncoder.builder(TestModels.bgeSmall())
                .options(OnnxOptions.builder().intraOpThreads(2).tokenBudget(2048).maxBatchSize(16).build())
                .build();
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void aTextEmbedsTheSameAloneAndInsideAMixedLengthBatch() {
        List<String> batch = new ArrayList<>(SdPrompts.generated(40, 3));
        batch.add(SdPrompts.veryLong(600));
        batch.add("a cat");
        batch.add("");
        List<Embedding> together = encoder.embedAll(batch);

        for (int i : new int[] {0, 7, 19, 40, 41, 42}) {
            Embedding alone = encoder.embed(batch.get(i));
            assertThat(alone.maxAbsDifference(together.get(i))).as("text %d", i).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void resultsComeBackInInputOrderAcrossBatches() {
        List<String> texts = SdPrompts.generated(70, 11);
        List<Embedding> all = encoder.embedAll(texts);
        List<Embedding> reversed = encoder.embedAll(reverse(texts));
        for (int i = 0; i < texts.size(); i++) {
            assertThat(all.get(i).maxAbsDifference(reversed.get(texts.size() - 1 - i))).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void concurrentCallsGiveTheSameResultsAsSequentialCalls() throws Exception {
        List<String> texts = SdPrompts.generated(50, 5);
        List<Embedding> sequential = new ArrayList<>();
        for (String t : texts) {
            sequential.add(encoder.embed(t));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<Embedding>>> futures = new ArrayList<>();
            for (int thread = 0; thread < 8; thread++) {
                futures.add(pool.submit(() -> {
                    List<Embedding> out = new ArrayList<>();
                    for (String t : texts) {
                        out.add(encoder.embed(t));
                    }
                    return out;
                }));
            }
            for (Future<List<Embedding>> f : futures) {
                List<Embedding> got = f.get();
                for (int i = 0; i < texts.size(); i++) {
                    assertThat(Arrays.equals(got.get(i).vector(), sequential.get(i).vector()))
                            .as("call %d", i).isTrue();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void batchesRunConcurrentlyOnAnExecutorGiveTheSameResults() {
        List<String> texts = SdPrompts.generated(60, 9);
        List<Embedding> sequential = encoder.embedAll(texts);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (BgeTextEncoder parallel = BgeTextEncoder.builder(TestModels.bgeSmall())
                .options(OnnxOptions.builder().intraOpThreads(1).tokenBudget(2048).maxBatchSize(16).build())
                .batchExecutor(pool)
                .build()) {
            List<Embedding> concurrent = parallel.embedAll(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(concurrent.get(i).maxAbsDifference(sequential.get(i))).as("text %d", i)
                        .isLessThanOrEqualTo(1e-5);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsNullTextNamingItsIndex() {
        List<String> texts = Arrays.asList("ok", null, "fine");
        assertThatThrownBy(() -> encoder.embedAll(texts))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Text at index 1 of 3 is null");
        assertThatThrownBy(() -> encoder.embed(null))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("Text at index 0 of 1 is null");
    }

    @Test
    void emptyRequestGivesEmptyResult() {
        assertThat(encoder.embedAll(List.of())).isEmpty();
    }

    @Test
    void describesItself() {
        assertThat(encoder.info().name()).isEqualTo("bge-small-en-v1.5");
        assertThat(encoder.info().maxTokens()).isEqualTo(512);
        assertThat(encoder.info().fingerprint()).matches("[0-9a-f]{64}");
        assertThat(encoder.device().toString()).isEqualTo("cpu");
    }

    private static List<String> reverse(List<String> in) {
        List<String> out = new ArrayList<>(in);
        java.util.Collections.reverse(out);
        return out;
    }
}
