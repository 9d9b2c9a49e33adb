package dev.sdembed.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.store.SlotStats;
import dev.sdembed.store.StoreStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The end of an index run's summary: the store's images without generation metadata, said when there are some. */
class IndexReportTest {
    private static final PipelineSummary RUN = new PipelineSummary(50, 48, 0, 2, 0, 27,
            List.of(new PipelineSummary.SlotSummary("prompt_bge", 27, 1, 69)), 41472, 147456, Duration.ofSeconds(2),
            false);

    private static StoreStats stats(long withoutMetadata) {
        List<StoreStats.Count> generators = withoutMetadata == 0 ? List.of(new StoreStats.Count("a1111", 48))
                : List.of(new StoreStats.Count("a1111", 48 - withoutMetadata),
                new StoreStats.Count("none", withoutMetadata));
        return new StoreStats(50, 2, 27, 48, List.of(new SlotStats("prompt_bge", 27, 0, 96, 1536)), generators,
                List.of(new StoreStats.Count(null, 48)));
    }

    @Test
    void theSummaryEndsWithTheImagesNoPromptFindsWhenThereAreAny() {
        List<String> lines = IndexReport.lines(RUN, stats(2), true);
        assertThat(lines).hasSize(4).startsWith(IndexReport.lines(RUN).toArray(String[]::new));
        assertThat(lines.get(3)).isEqualTo("2 of the 48 indexed images have no generation metadata (generator none), so"
                + " only their pixels are searchable");
        assertThat(IndexReport.lines(RUN, stats(1), false).get(3)).isEqualTo("1 of the 48 indexed images has no"
                + " generation metadata (generator none), so they cannot be searched: no prompt to match, and no image"
                + " slot configured to compare pixels");
        assertThat(IndexReport.lines(RUN, stats(0), true)).isEqualTo(IndexReport.lines(RUN));
        assertThat(IndexReport.lines(RUN, null, true)).isEqualTo(IndexReport.lines(RUN));
    }

    @Test
    void theJsonSummaryCarriesTheStoreCounts() {
        Map<String, Object> json = IndexReport.json(RUN, stats(2));
        assertThat(json).containsAllEntriesOf(IndexReport.json(RUN));
        assertThat(json.get("store")).isEqualTo(Map.of("indexedImages", 48L, "imagesWithoutMetadata", 2L));
        assertThat(IndexReport.json(RUN, null)).isEqualTo(IndexReport.json(RUN));
    }
}
