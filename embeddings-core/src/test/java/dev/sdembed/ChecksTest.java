package dev.sdembed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChecksTest {

    @Test
    void everyRangeErrorReadsNameIsValueExpectedRange() {
        assertThatThrownBy(() -> Checks.inRange("maxBatchSize", 0, 1, 4096))
                .isInstanceOf(InvalidInputException.class).hasMessage("maxBatchSize is 0; expected 1 to 4096");
        assertThatThrownBy(() -> Checks.inRange("maxPixels", 1L << 40, 1, 700_000_000L))
                .hasMessage("maxPixels is 1099511627776; expected 1 to 700000000");
        assertThatThrownBy(() -> Checks.atLeast("padTokenId", -1, 0)).hasMessage("padTokenId is -1; expected at least 0");
        assertThatThrownBy(() -> Checks.positive("--size", 0)).hasMessage("--size is 0; expected at least 1");
        assertThatThrownBy(() -> Checks.positive("memoryLimitBytes", -5L))
                .hasMessage("memoryLimitBytes is -5; expected at least 1");
        assertThatThrownBy(() -> Checks.positive("rescaleFactor", Double.NaN))
                .hasMessage("rescaleFactor is NaN; expected a finite number above 0");
        assertThatThrownBy(() -> Checks.positive("rescaleFactor", Double.POSITIVE_INFINITY))
                .hasMessage("rescaleFactor is Infinity; expected a finite number above 0");
        assertThatThrownBy(() -> Checks.positive("rescaleFactor", 0.0))
                .hasMessage("rescaleFactor is 0.0; expected a finite number above 0");
        assertThatThrownBy(() -> Checks.inRange("rescanInterval", java.time.Duration.ofMillis(500),
                java.time.Duration.ofSeconds(1), java.time.Duration.ofDays(7)))
                .hasMessage("rescanInterval is 500 ms; expected 1 s to 7 d");
        assertThatThrownBy(() -> Checks.inRange("debounce", null, java.time.Duration.ZERO,
                java.time.Duration.ofMinutes(10))).hasMessage("debounce is null; expected 0 s to 10 min");
        assertThat(Checks.format(java.time.Duration.ofMinutes(90))).isEqualTo("90 min");
        assertThat(Checks.format(java.time.Duration.ofHours(2))).isEqualTo("2 h");
    }

    @Test
    void aValueInRangeComesBackUnchangedBoundsIncluded() {
        assertThat(Checks.inRange("threads", 1, 1, Checks.MAX_THREADS)).isEqualTo(1);
        assertThat(Checks.inRange("threads", 1024, 1, Checks.MAX_THREADS)).isEqualTo(1024);
        assertThat(Checks.inRange("memLimitMb", Long.MAX_VALUE >> 20, 1, Long.MAX_VALUE >> 20))
                .isEqualTo(Long.MAX_VALUE >> 20);
        assertThat(Checks.atLeast("maxTextBytes", 1024, 1024)).isEqualTo(1024);
        assertThat(Checks.positive("size", 224)).isEqualTo(224);
        assertThat(Checks.positive("rescaleFactor", 1 / 255.0)).isEqualTo(1 / 255.0);
        assertThat(Checks.MAX_THREADS).isEqualTo(1024);
    }
}
