package dev.sdembed.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.pipeline.internal.VanishedScan;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoreTestData;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.TestEncoders;
import dev.sdembed.store.WriteBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The merge of a walk with a store's listing that finds the records whose files are gone. */
class VanishedScanTest {
    @TempDir
    Path temp;

    /**
     * 2,500 records under a folder, paged 1,000 at a time, next to records of a sibling folder whose name shares the
     * prefix: the walk meets every third, a skipped sub-folder covers 100 more, ten are still files the walk did not
     * hand out; exactly the others are gone, in path order.
     */
    @Test
    void recordsTheWalkPassesWithoutMeetingAreGoneUnlessStillFilesOrUnderASkippedFolder() throws Exception {
        TestEncoders.Text text = new TestEncoders.Text("test-text", 8, "fp-text-1");
        MemoryStore store = MemoryStore.of(SlotSpec.of("prompt", text.info()));
        String folder = temp.resolve("lib").toString();
        WriteBatch.Builder b = WriteBatch.builder();
        ImageContent image = StoreTestData.imageContent("shared");
        b.image(image);
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            String path = folder + String.format("/%s/%05d.png", i >= 1000 && i < 1100 ? "skipped" : "d" + i / 500, i);
            paths.add(path);
            b.record(StoreTestData.record(path, image, null, null));
        }
        b.record(StoreTestData.record(folder + "-sibling/x.png", image, null, null));
        b.record(StoreTestData.record(folder + "0/y.png", image, null, null));
        store.write(b.build());
        paths.sort(dev.sdembed.store.PathOrder.COMPARATOR);
        for (int i = 0; i < 10; i++) {
            Path still = Path.of(paths.get(1 + 3 * i));
            Files.createDirectories(still.getParent());
            Files.writeString(still, "still here, with an extension no longer indexed");
        }

        List<String> gone = new ArrayList<>();
        VanishedScan scan = new VanishedScan(store, folder, (StoredImage s) -> gone.add(s.path()));
        List<String> expected = new ArrayList<>();
        boolean skippedTold = false;
        for (int i = 0; i < paths.size(); i++) {
            String p = paths.get(i);
            if (p.contains("/skipped/")) {
                if (!skippedTold) {
                    scan.skipped(folder + "/skipped");
                    skippedTold = true;
                }
                continue;
            }
            if (i % 3 == 0) {
                scan.seen(p);
            } else if (!Files.exists(Path.of(p))) {
                expected.add(p);
            }
        }
        scan.finish();

        assertThat(gone).hasSize(2400 - 800 - 10).isEqualTo(expected);
    }
}
