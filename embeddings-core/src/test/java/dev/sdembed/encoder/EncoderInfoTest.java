package dev.sdembed.encoder;

import static org.assertj.core.api.Assertions.assertThat;

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
}
