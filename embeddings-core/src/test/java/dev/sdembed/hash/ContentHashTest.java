package dev.sdembed.hash;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContentHashTest {

    @Test
    void shortHexIsTheFirstTwelveDigitsOfAHashOrAFingerprint() {
        ContentHash hash = ContentHash.ofText("a red fox");
        assertThat(hash.shortHex()).hasSize(12).isEqualTo(hash.hex().substring(0, 12));
        assertThat(ContentHash.shortHex(hash.hex())).isEqualTo(hash.shortHex());
        // Fingerprints of test encoders and hand-written checksums can be shorter than 12 characters.
        assertThat(ContentHash.shortHex("fp-other")).isEqualTo("fp-other");
        assertThat(ContentHash.shortHex((String) null)).isEqualTo("null");
    }
}
