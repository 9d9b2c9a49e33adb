package dev.sdembed.onnx;

import static dev.sdembed.testing.ClipModelDirectories.PAD_ZERO;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.onnx.clip.ClipTokenizerJson;
import dev.sdembed.onnx.testing.ClipTokenizers;
import dev.sdembed.testing.ClipModelDirectories;
import dev.sdembed.testing.ClipTestModels;
import dev.sdembed.testing.ClipTestModels.TextSpec;
import dev.sdembed.testing.OnnxModelBuilder;
import dev.sdembed.testing.SdPrompts;
import dev.sdembed.testing.TestPaths;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stable Diffusion XL's second text encoder as optimum exports it (int32 or int64 {@code input_ids} with a symbolic
 * sequence axis, {@code text_embeds} of symbolic width beside the hidden states, weights in {@code model.onnx_data}),
 * with the tokenizer.json converted from the repository's {@code tokenizer_2/vocab.json} and {@code merges.txt}, gives
 * the embeddings of the same weights in sdembed's own layout.
 */
class SdxlTextEncoderExportTest {
    private static final List<String> TEXTS = List.of("a castle at night", "", SdPrompts.veryLong(100),
            "masterpiece, best quality, 1girl");

    @ParameterizedTest
    @ValueSource(ints = {OnnxModelBuilder.INT32, OnnxModelBuilder.INT64})
    void textEncoder2WithConvertedBpeFilesEmbedsLikeSdembedsLayout(int idType) {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path own = ClipModelDirectories.text("sdxl-own", ClipTokenizers.forPad(bpe, PAD_ZERO),
                f -> ClipTestModels.openClipText(f, TextSpec.tiny(), "input_ids", "text_embeds"), null);
        Path tokenizer2 = ClipTokenizers.huggingFaceFiles(bpe, TestPaths.targetDir("test-models/sdxl/tokenizer_2"));
        Path dir = ClipModelDirectories.modelOnly("sdxl-text-encoder-2-" + idType,
                f -> ClipTestModels.sdxlTextEncoder2(f, TextSpec.tiny(), idType));
        ClipTokenizerJson.writeFromHuggingFaceFiles(tokenizer2.resolve("vocab.json"), tokenizer2.resolve("merges.txt"),
                dir, "!");
        ClipModelDirectories.manifest(dir, "{\"kind\": \"clip-text\", \"dimension\": 8, \"pad_token_id\": 0,"
                + " \"embedding_space\": \"openclip-vit-bigg-14\"}");

        assertThat(ModelVerifier.verify(dir).problems()).isEmpty();
        List<Embedding> expected;
        try (ClipTextEncoder encoder = ClipTextEncoder.open(own)) {
            expected = encoder.embedAll(TEXTS);
        }
        try (ClipTextEncoder encoder = ClipTextEncoder.open(dir)) {
            assertThat(encoder.padTokenId()).isZero();
            assertThat(encoder.info().dimension()).isEqualTo(8);
            assertThat(encoder.info().embeddingSpace()).isEqualTo("openclip-vit-bigg-14");
            List<Embedding> actual = encoder.embedAll(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) {
                assertThat(actual.get(i).maxAbsDifference(expected.get(i))).as("text %d", i).isLessThan(1e-6);
            }
        }
    }
}
