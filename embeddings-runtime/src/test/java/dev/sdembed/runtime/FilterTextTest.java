package dev.sdembed.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SearchFilter.Range;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Every accepted form of a filter value and the message of each refused one. */
class FilterTextTest {
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    @Test
    void rangesTakeOneValueBothEndsOrAnOpenEnd() {
        assertThat(FilterText.wholeRange("--steps", "20", 0)).isEqualTo(Range.exactly(20));
        assertThat(FilterText.wholeRange("--steps", " 20..30 ", 0)).isEqualTo(Range.between(20, 30));
        assertThat(FilterText.wholeRange("--steps", "20..", 0)).isEqualTo(Range.atLeast(20));
        assertThat(FilterText.wholeRange("--steps", "..30", 0)).isEqualTo(Range.atMost(30));
        assertThat(FilterText.wholeRange("--steps", "20 .. 20", 0)).isEqualTo(Range.exactly(20));
        assertThat(FilterText.decimalRange("--cfg", "5.5..7.5")).isEqualTo(Range.between(5.5, 7.5));
        assertThat(FilterText.decimalRange("--cfg", "7")).isEqualTo(Range.exactly(7.0));
        assertThat(FilterText.decimalRange("--cfg", "-0..1")).isEqualTo(Range.between(0.0, 1.0));
        assertThat(FilterText.decimalRange("--cfg", ".5..")).isEqualTo(Range.atLeast(0.5));
    }

    @Test
    void aBadRangeNamesTheOptionItsValueAndTheForm() {
        assertThatThrownBy(() -> FilterText.wholeRange("--steps", "20..x", 0)).isInstanceOf(InvalidInputException.class)
                .hasMessage("--steps is '20..x'; expected N or MIN..MAX");
        assertThatThrownBy(() -> FilterText.wholeRange("--steps", "..", 0))
                .hasMessage("--steps is '..'; expected N or MIN..MAX");
        assertThatThrownBy(() -> FilterText.wholeRange("--steps", "", 0))
                .hasMessage("--steps is ''; expected N or MIN..MAX");
        assertThatThrownBy(() -> FilterText.wholeRange("--steps", "1..2..3", 0))
                .hasMessage("--steps is '1..2..3'; expected N or MIN..MAX");
        assertThatThrownBy(() -> FilterText.wholeRange("--steps", "20.5", 0))
                .hasMessage("--steps is '20.5'; expected N or MIN..MAX");
        assertThatThrownBy(() -> FilterText.wholeRange("--steps", "99999999999", 0))
                .hasMessage("--steps is '99999999999'; expected N or MIN..MAX");
        assertThatThrownBy(() -> FilterText.wholeRange("--steps", "30..20", 0))
                .hasMessage("--steps is '30..20'; expected MIN <= MAX");
        assertThatThrownBy(() -> FilterText.wholeRange("--width", "0..512", 1))
                .hasMessage("--width is '0..512'; expected values of 1 or more");
        assertThatThrownBy(() -> FilterText.decimalRange("--cfg", "7,5"))
                .hasMessage("--cfg is '7,5'; expected N or MIN..MAX, e.g. 7 or 5.5..7.5");
        assertThatThrownBy(() -> FilterText.decimalRange("--cfg", "NaN"))
                .hasMessage("--cfg is 'NaN'; expected N or MIN..MAX, e.g. 7 or 5.5..7.5");
        assertThatThrownBy(() -> FilterText.decimalRange("--cfg", "1e3"))
                .hasMessage("--cfg is '1e3'; expected N or MIN..MAX, e.g. 7 or 5.5..7.5");
    }

    @Test
    void sizesAreWidthByHeight() {
        assertThat(FilterText.size("--size", "832x1216")).containsExactly(832, 1216);
        assertThat(FilterText.size("--size", " 512 X 768 ")).containsExactly(512, 768);
        for (String bad : new String[] {"832", "832x", "0x512", "axb", "832x1216x2", "-5x5"}) {
            assertThatThrownBy(() -> FilterText.size("--size", bad)).isInstanceOf(InvalidInputException.class)
                    .hasMessage("--size is '" + bad + "'; expected WxH, e.g. 832x1216");
        }
    }

    @Test
    void datesCoverTheirWholeDayInTheZoneAndTimesAreExact() {
        assertThat(FilterText.from("--since", "2024-05-01", PARIS)).isEqualTo(Instant.parse("2024-04-30T22:00:00Z"));
        assertThat(FilterText.until("--until", "2024-05-01", PARIS))
                .isEqualTo(Instant.parse("2024-05-01T21:59:59.999999Z"));
        assertThat(FilterText.from("--since", "2024-05-01T18:30", PARIS)).isEqualTo(Instant.parse("2024-05-01T16:30:00Z"));
        assertThat(FilterText.until("--until", "2024-05-01T18:30:15", PARIS))
                .isEqualTo(Instant.parse("2024-05-01T16:30:15Z"));
        assertThat(FilterText.from("--since", "2024-05-01T18:30Z", PARIS)).isEqualTo(Instant.parse("2024-05-01T18:30:00Z"));
        assertThat(FilterText.from("--since", "2024-05-01T18:30+02:00", PARIS))
                .isEqualTo(Instant.parse("2024-05-01T16:30:00Z"));
        for (String bad : new String[] {"2024-13-01", "yesterday", "", "2024-05-01 18:30", "01/05/2024"}) {
            assertThatThrownBy(() -> FilterText.from("--since", bad, PARIS)).isInstanceOf(InvalidInputException.class)
                    .hasMessage("--since is '" + bad + "'; expected a date (2024-05-01) or a date and time "
                            + "(2024-05-01T18:30; add Z or an offset such as +02:00 for another zone than Europe/Paris)");
        }
    }

    @Test
    void seedsScoresDistinctAndGenerators() {
        assertThat(FilterText.whole("--seed", " 3000000000 ")).isEqualTo(3_000_000_000L);
        assertThatThrownBy(() -> FilterText.whole("--seed", "random")).isInstanceOf(InvalidInputException.class)
                .hasMessage("--seed is 'random'; expected a whole number from -9223372036854775808 to "
                        + "9223372036854775807");
        assertThat(FilterText.similarity("--min-score", "0.5")).isEqualTo(0.5);
        assertThat(FilterText.similarity("--min-score", "-1")).isEqualTo(-1.0);
        for (String bad : new String[] {"1.01", "NaN", "high"}) {
            assertThatThrownBy(() -> FilterText.similarity("--min-score", bad)).isInstanceOf(InvalidInputException.class)
                    .hasMessage("--min-score is '" + bad + "'; expected a similarity from -1 to 1");
        }
        assertThat(FilterText.distinct("--distinct", "Prompt")).isEqualTo(SearchFilter.Distinct.PROMPT);
        assertThat(FilterText.distinct("--distinct", "file")).isEqualTo(SearchFilter.Distinct.FILE);
        assertThatThrownBy(() -> FilterText.distinct("--distinct", "image")).isInstanceOf(InvalidInputException.class)
                .hasMessage("--distinct is 'image'; expected prompt (one hit per identical prompt) or file (one per "
                        + "identical file)");
        assertThat(FilterText.generator("--generator", "ComfyUI")).isEqualTo("comfyui");
        assertThat(FilterText.generator("--generator", "none")).isEqualTo(SearchFilter.NO_GENERATOR);
        assertThatThrownBy(() -> FilterText.generator("--generator", "comfy")).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--generator is 'comfy'; expected one of a1111, ")
                .hasMessageContaining("comfyui").hasMessageEndingWith("none");
    }
}
