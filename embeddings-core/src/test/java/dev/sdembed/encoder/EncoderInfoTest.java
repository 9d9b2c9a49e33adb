package dev.sdembed.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EncoderInfoTest {
    private static final String HASH = "0".repeat(64);

    @Test
    void encodersShareASpaceOnlyWhenBothDeclareItWithTheSameDimension() {
        EncoderInfo text = new EncoderInfo("vit-h-text", Modality.TEXT, 1024, 77, 0, HASH, "openclip-vit-h-14");
        EncoderInfo image = new EncoderInfo("vit-h-vision", Modality.IMAGE, 1024, 0, 224, HASH, "openclip-vit-h-14");
        EncoderInfo sd15 = new EncoderInfo("clip-l-text", Modality.TEXT, 768, 77, 0, HASH, "openai-clip-vit-l-14");
        EncoderInfo undeclared = new EncoderInfo("bge", Modality.TEXT, 1024, 512, 0, HASH);
        EncoderInfo wrongDimension = new EncoderInfo("odd", Modality.IMAGE, 768, 0, 224, HASH, "openclip-vit-h-14");

        assertThat(text.sharesSpaceWith(image)).isTrue();
        assertThat(image.sharesSpaceWith(text)).isTrue();
        assertThat(text.sharesSpaceWith(sd15)).isFalse();
        assertThat(undeclared.embeddingSpace()).isNull();
        assertThat(undeclared.sharesSpaceWith(undeclared)).as("no declared space, nothing shared").isFalse();
        assertThat(image.sharesSpaceWith(wrongDimension)).isFalse();
        assertThat(image.sharesSpaceWith(null)).isFalse();
    }

    @Test
    void aBlankSpaceIsNoSpace() {
        assertThat(new EncoderInfo("x", Modality.IMAGE, 8, 0, 224, HASH, " ").embeddingSpace()).isNull();
    }

    @Test
    void refusesANonPositiveDimensionAndNegativeInputLimits() {
        assertThatThrownBy(() -> new EncoderInfo("bge", Modality.TEXT, 0, 512, 0, HASH))
                .hasMessage("Encoder 'bge' dimension is 0; expected at least 1");
        assertThatThrownBy(() -> new EncoderInfo("bge", Modality.TEXT, 384, -1, 0, HASH))
                .hasMessage("Encoder 'bge' maxTokens is -1; expected at least 0");
        assertThatThrownBy(() -> new EncoderInfo("clip", Modality.IMAGE, 768, 0, -224, HASH))
                .hasMessage("Encoder 'clip' imageSize is -224; expected at least 0");
    }
}
