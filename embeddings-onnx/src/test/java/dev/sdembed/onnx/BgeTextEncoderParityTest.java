package dev.sdembed.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.testing.TestModels;
import dev.sdembed.testing.SdPrompts;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our BGE encoder against LangChain4j's independent bge-small implementation (test oracle only) on the same real
 * weights. LangChain4j deviates by design on blank texts: it refuses them (a prompt can be empty, so sdembed embeds
 * them as {@code [CLS] [SEP]}); there parity is replaced by a check that all blank texts embed alike. Texts over 512
 * tokens are truncated by both.
 */
class BgeTextEncoderParityTest {
    private static BgeTextEncoder encoder;
    private static BgeSmallEnV15EmbeddingModel oracle;

    @BeforeAll
    static void load() {
        encoder = BgeTextEncoder.builder(TestModels.bgeSmall())
                .options(OnnxOptions.builder().intraOpThreads(2).build())
                .build();
        oracle = new BgeSmallEnV15EmbeddingModel();
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void matchesIndependentImplementationOnStableDiffusionPrompts() {
        List<String> prompts = new ArrayList<>(SdPrompts.EDGE_CASES);
        prompts.addAll(SdPrompts.generated(8, 42));
        prompts.add(SdPrompts.veryLong(700));
        prompts.removeIf(String::isBlank);
        assertThat(prompts).hasSizeGreaterThanOrEqualTo(30);

        List<Embedding> ours = encoder.embedAll(prompts);

        for (int i = 0; i < prompts.size(); i++) {
            String prompt = prompts.get(i);
            Embedding theirs = Embedding.of(oracle.embed(prompt).content().vector());
            assertThat(ours.get(i).cosine(theirs)).as("cosine for prompt %d '%s'", i, prompt)
                    .isGreaterThanOrEqualTo(0.9999);
        }
    }

    @Test
    void outputsAreUnitLengthWithTheModelsDimension() {
        List<Embedding> ours = encoder.embedAll(SdPrompts.generated(5, 1));
        assertThat(encoder.info().dimension()).isEqualTo(384);
        for (Embedding e : ours) {
            assertThat(e.dimension()).isEqualTo(384);
            assertThat(e.norm()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void truncatesTextsLongerThan512Tokens() {
        String longPrompt = SdPrompts.veryLong(700);
        long[] ids = encoder.tokenIds(longPrompt);
        assertThat(ids).hasSize(512);
        assertThat(ids[511]).as("[SEP] kept last").isEqualTo(102L);

        Embedding full = encoder.embed(longPrompt);
        Embedding withDifferentTail = encoder.embed(longPrompt + ", completely different words at the very end");

        assertThat(full.maxAbsDifference(withDifferentTail)).as("the tail past 512 tokens is cut").isLessThan(1e-6);
    }

    @Test
    void embedsBlankTextsAsClsSep() {
        assertThat(encoder.tokenIds("")).containsExactly(101L, 102L);
        List<Embedding> blanks = encoder.embedAll(List.of("", " ", "\n\t "));
        assertThat(blanks.get(0).maxAbsDifference(blanks.get(1))).isLessThan(1e-6);
        assertThat(blanks.get(0).maxAbsDifference(blanks.get(2))).isLessThan(1e-6);
        assertThat(blanks.get(0).norm()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void queryInstructionIsAppliedToQueriesOnly() {
        String query = "a castle in the fog";
        assertThat(encoder.queryInstruction()).isEqualTo(BgeTextEncoder.BGE_QUERY_INSTRUCTION);

        Embedding asQuery = encoder.embedQuery(query);
        Embedding asDocument = encoder.embed(query);
        Embedding prefixedDocument = encoder.embed(BgeTextEncoder.BGE_QUERY_INSTRUCTION + query);

        assertThat(asQuery.maxAbsDifference(prefixedDocument)).isLessThan(1e-5);
        assertThat(asQuery.cosine(asDocument)).isLessThan(0.999);
    }
}
