package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTokenizerCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesATokenizerWithTheChosenPadToken() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        Path out = dir.resolve("openclip-h14");
        CliRun run = CliRun.of("models", "clip-tokenizer", "--bpe", bpe.toString(), "--out", out.toString(),
                "--pad-token", "!");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        JsonNode tokenizer = Json.MAPPER.readTree(out.resolve("tokenizer.json").toFile());
        assertThat(tokenizer.at("/padding/pad_id").asInt()).isZero();
        assertThat(tokenizer.at("/model/vocab").size()).isEqualTo(49_408);
        JsonNode line = Json.MAPPER.readTree(run.outLines().get(0));
        assertThat(line.get("tokenizer").asText()).isEqualTo(out.resolve("tokenizer.json").toString());
        assertThat(line.get("pad_token").asText()).isEqualTo("!");
    }

    @Test
    void defaultsToPaddingWithTheEndToken() throws IOException {
        Path bpe = TestPaths.sharedFixture("clip/bpe_simple_vocab_16e6.txt.gz");
        CliRun run = CliRun.of("models", "clip-tokenizer", "--bpe", bpe.toString(), "--out", dir.toString());
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
        assertThat(Json.MAPPER.readTree(dir.resolve("tokenizer.json").toFile()).at("/padding/pad_id").asInt())
                .isEqualTo(49407);
    }

    @Test
    void aMissingVocabularyIsNamed() {
        Path missing = dir.resolve("nope.txt.gz");
        CliRun run = CliRun.of("models", "clip-tokenizer", "--bpe", missing.toString(), "--out", dir.toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).startsWith("sdembed: BPE vocabulary " + missing + " does not exist");
    }
}
