package dev.sdembed.pipeline;

import static dev.sdembed.store.EmbeddingStoreContract.IMAGE;
import static dev.sdembed.store.EmbeddingStoreContract.PROMPT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.EmbeddingStoreContract;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.store.PixelDuplicates;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoredImage;
import dev.sdembed.store.TestEncoders;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestImageFiles;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeping a store true to its folders (issue 18), run against each store by a subclass that only says how to open
 * one: files deleted, renamed and moved, pruned or reported; roots that are missing or empty left alone; a watch that
 * follows the folders through events and through rescans; and duplicates by pixels on real image files. Encoders are
 * the deterministic {@link TestEncoders}, whose call counts show what a change cost.
 */
public abstract class LibrarySyncContract {
    /** How long a watch test waits for the store to show a change: events settle in well under a second. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    protected Path temp;

    private final List<EmbeddingStore> opened = new ArrayList<>();
    private final TestEncoders.Text text = TestEncoders.Text.forSlot(PROMPT);
    private final TestEncoders.Image pixels = TestEncoders.Image.forSlot(IMAGE);
    private final List<VanishedFile> vanished = new CopyOnWriteArrayList<>();
    private final List<Path> notScanned = new CopyOnWriteArrayList<>();

    /** A store on a new, empty location with these slots. */
    protected abstract EmbeddingStore createStore(List<SlotSpec> slots);

    private EmbeddingStore store() {
        EmbeddingStore store = createStore(List.of(PROMPT, IMAGE));
        opened.add(store);
        return store;
    }

    @AfterEach
    void closeStores() {
        opened.forEach(EmbeddingStore::close);
    }

    private BulkEmbeddingPipeline.Builder pipeline(EmbeddingStore store, boolean prune) {
        return BulkEmbeddingPipeline.builder(store).textSlot(PROMPT.name(), text).imageSlot(IMAGE.name(), pixels)
                .batchSize(3).prune(prune).listener(new ProgressListener() {
                    @Override
                    public void onVanished(VanishedFile file) {
                        vanished.add(file);
                    }

                    @Override
                    public void onRootNotScanned(Path root) {
                        notScanned.add(root);
                    }
                });
    }

    private PipelineSummary run(EmbeddingStore store, boolean prune, Path... roots) {
        vanished.clear();
        notScanned.clear();
        try (BulkEmbeddingPipeline pipeline = pipeline(store, prune).build()) {
            return pipeline.run(roots);
        }
    }

    /** Eight generated images with A1111 prompts, two prompts shared, one negative used once. */
    private Path library(String name) {
        Path lib = temp.resolve(name);
        image(lib.resolve("a/one.png"), 1, "a lighthouse at dusk", null);
        image(lib.resolve("a/two.png"), 2, "a fox in the snow", "blurry, only two has it");
        image(lib.resolve("a/three.png"), 3, "a castle at night", null);
        image(lib.resolve("b/four.png"), 4, "a lighthouse at dusk", null);
        image(lib.resolve("b/five.png"), 5, "fruit on a table", null);
        image(lib.resolve("six.png"), 6, "only six has this prompt", null);
        image(lib.resolve("seven.png"), 7, "mountains at dawn", null);
        image(lib.resolve("eight.png"), 8, "a fox in the snow", null);
        return lib;
    }

    private static Path image(Path file, long seed, String prompt, String negative) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return SdTestImages.a1111(file, 16, seed, prompt, negative);
    }

    /** The stored paths of the image files under {@code folders}, as the pipeline stores them. */
    private static Set<String> filesUnder(Path... folders) {
        Set<String> files = new HashSet<>();
        for (Path folder : folders) {
            try (Stream<Path> walk = Files.walk(folder)) {
                walk.filter(Files::isRegularFile).forEach(f -> files.add(BulkEmbeddingPipeline.storedPath(f)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    private static Map<String, StoredImage> records(EmbeddingStore store) {
        return store.listImages(null, null, 10_000).stream()
                .collect(Collectors.toMap(StoredImage::path, s -> s));
    }

    private static String stored(Path file) {
        return BulkEmbeddingPipeline.storedPath(file);
    }

    private static void move(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- vanished files, moves, pruning

    /**
     * The case: two files deleted and one renamed into another folder. A pruning run leaves the store as the
     * folder is: the same paths, counts and reference counts, the negative prompt only a deleted file used removed
     * with its embedding, the renamed file's record re-pointed (id kept) without an encoder call.
     */
    @Test
    void deletingTwoAndRenamingOneThenPruningLeavesTheStoreAsTheFolderIs() {
        EmbeddingStore store = store();
        Path lib = library("prune");
        assertThat(run(store, true, lib).indexed()).isEqualTo(8);
        long renamedId = records(store).get(stored(lib.resolve("a/three.png"))).id();
        int textCalls = text.documentCalls.get();
        int imageCalls = pixels.calls.get();

        delete(lib.resolve("a/two.png"));
        delete(lib.resolve("six.png"));
        move(lib.resolve("a/three.png"), lib.resolve("b/three-renamed.png"));
        PipelineSummary summary = run(store, true, lib);

        assertThat(summary.vanished()).isEqualTo(3);
        assertThat(summary.moved()).isEqualTo(1);
        assertThat(summary.removed()).isEqualTo(2);
        assertThat(summary.rootsNotScanned()).isEmpty();
        assertThat(text.documentCalls.get()).as("no text embedded for a rename").isEqualTo(textCalls);
        assertThat(pixels.calls.get()).as("no image embedded for a rename").isEqualTo(imageCalls);
        assertThat(vanished).containsExactlyInAnyOrder(
                new VanishedFile(stored(lib.resolve("a/two.png")), null, true),
                new VanishedFile(stored(lib.resolve("six.png")), null, true),
                new VanishedFile(stored(lib.resolve("a/three.png")), stored(lib.resolve("b/three-renamed.png")), true));

        Map<String, StoredImage> records = records(store);
        assertThat(records.keySet()).isEqualTo(filesUnder(lib));
        assertThat(records.get(stored(lib.resolve("b/three-renamed.png"))).id()).as("the record moved, id kept")
                .isEqualTo(renamedId);
        assertThat(store.stats().images()).isEqualTo(6);
        assertThat(store.stats().textContents()).as("lighthouse, fox, castle, fruit, mountains").isEqualTo(5);
        assertThat(store.stats().imageContents()).isEqualTo(6);
        assertThat(store.texts(List.of(ContentHash.ofText("blurry, only two has it"),
                ContentHash.ofText("only six has this prompt")))).isEmpty();
        EmbeddingStoreContract.assertStoreMatchesItsRecords(store);

        PipelineSummary again = run(store, true, lib);
        assertThat(again.skipped()).isEqualTo(6);
        assertThat(again.vanished()).isZero();
        assertThat(text.documentCalls.get()).isEqualTo(textCalls);
    }

    /**
     * Without pruning the gone files are reported (a moved one with its new path) and their records stay; the new path
     * has a record of its own, so a later pruning run removes the old record (nothing to embed either way).
     */
    @Test
    void withoutPruningGoneFilesAreReportedAndKeptUntilARunPrunes() {
        EmbeddingStore store = store();
        Path lib = library("report");
        run(store, false, lib);
        int imageCalls = pixels.calls.get();
        delete(lib.resolve("seven.png"));
        move(lib.resolve("b/five.png"), lib.resolve("five-moved.png"));

        PipelineSummary reported = run(store, false, lib);

        assertThat(reported.vanished()).isEqualTo(2);
        assertThat(reported.moved()).isEqualTo(1);
        assertThat(reported.removed()).isZero();
        assertThat(vanished).containsExactlyInAnyOrder(new VanishedFile(stored(lib.resolve("seven.png")), null, false),
                new VanishedFile(stored(lib.resolve("b/five.png")), stored(lib.resolve("five-moved.png")), false));
        assertThat(records(store)).containsKeys(stored(lib.resolve("seven.png")), stored(lib.resolve("b/five.png")),
                stored(lib.resolve("five-moved.png")));
        assertThat(pixels.calls.get()).as("the moved file's content was stored").isEqualTo(imageCalls);

        PipelineSummary pruned = run(store, true, lib);
        assertThat(pruned.vanished()).isEqualTo(2);
        assertThat(pruned.moved()).as("the move was found by the run that indexed the new path").isZero();
        assertThat(pruned.removed()).isEqualTo(2);
        assertThat(pixels.calls.get()).isEqualTo(imageCalls);
        assertThat(records(store).keySet()).isEqualTo(filesUnder(lib));
        EmbeddingStoreContract.assertStoreMatchesItsRecords(store);
    }

    /**
     * An unmounted drive: its root missing, or an empty mount point. Its records are never judged gone, however
     * many; the other roots are synced as usual.
     */
    @Test
    void aRootThatIsMissingOrEmptyIsNeverPruned() throws IOException {
        EmbeddingStore store = store();
        Path kept = library("kept");
        Path drive = temp.resolve("drive");
        image(drive.resolve("x/one.png"), 11, "on the removable drive", null);
        image(drive.resolve("two.png"), 12, "also on the removable drive", null);
        run(store, true, kept, drive);
        Set<String> onDrive = filesUnder(drive);
        delete(kept.resolve("seven.png"));

        Path unplugged = temp.resolve("elsewhere");
        move(drive, unplugged);
        PipelineSummary missing = run(store, true, kept, drive);
        assertThat(missing.rootsNotScanned()).containsExactly(stored(drive));
        assertThat(notScanned).containsExactly(drive);
        assertThat(missing.vanished()).as("only the file deleted from the other root").isEqualTo(1);
        assertThat(records(store).keySet()).containsAll(onDrive);

        Files.createDirectories(drive);
        PipelineSummary empty = run(store, true, drive);
        assertThat(empty.rootsNotScanned()).containsExactly(stored(drive));
        assertThat(empty.vanished()).isZero();
        assertThat(records(store).keySet()).containsAll(onDrive);

        Files.delete(drive);
        move(unplugged, drive);
        PipelineSummary back = run(store, true, kept, drive);
        assertThat(back.skipped()).as("nothing to do once it is back").isEqualTo(9);
        assertThat(records(store).keySet()).isEqualTo(filesUnder(kept, drive));
        EmbeddingStoreContract.assertStoreMatchesItsRecords(store);
    }

    // ---------------------------------------------------------------- pixel hashes

    /**
     * A PNG with its metadata, that picture stripped of metadata and re-encoded (PNG at another compression, JPEG,
     * WebP where an ImageIO writer exists), at half size, and as a byte copy, beside two different pictures with the
     * identical prompt: by pixels the copies are one group and the other pictures none; by prompt it is the other way
     * round.
     */
    @Test
    void duplicatesByPixelsGroupTheCopiesOfAPictureAndNotDifferentPicturesWithOnePrompt() throws IOException {
        EmbeddingStore store = store();
        Path lib = temp.resolve("pixels");
        String prompt = "portrait of an astronaut, oil painting";
        Path original = SdTestImages.withText(TestImageFiles.picture(lib.resolve("original.png"), 384, 256, 21, "png"),
                "parameters", prompt + "\nSteps: 20, Seed: 21, Size: 384x256");
        BufferedImage picture = ImageIO.read(original.toFile());
        List<Path> copies = new ArrayList<>();
        copies.add(TestImageFiles.writeAs(picture, "png", 0.0f, lib.resolve("stripped.png")));
        copies.add(TestImageFiles.writeAs(picture, "jpeg", 0.85f, lib.resolve("reencoded.jpg")));
        copies.add(TestImageFiles.writeAs(TestImageFiles.halfSize(picture, RenderingHints.VALUE_INTERPOLATION_BICUBIC),
                "png", -1, lib.resolve("half-size.png")));
        if (ImageIO.getImageWritersByFormatName("webp").hasNext()) {
            copies.add(TestImageFiles.writeAs(picture, "webp", -1, lib.resolve("reencoded.webp")));
        }
        Files.copy(original, lib.resolve("copy-original.png"));
        copies.add(lib.resolve("copy-original.png"));
        for (long seed : new long[] {22, 23}) {
            SdTestImages.withText(TestImageFiles.picture(lib.resolve("other-" + seed + ".png"), 384, 256, seed, "png"),
                    "parameters", prompt + "\nSteps: 20, Seed: " + seed + ", Size: 384x256");
        }
        assertThat(run(store, false, lib).failed()).isZero();

        PixelDuplicates byPixels = store.pixelDuplicates(PixelDuplicateRequest.defaults());
        assertThat(byPixels.imagesWithoutPixelHash()).isZero();
        assertThat(byPixels.groups()).hasSize(1);
        Set<String> expected = new HashSet<>();
        expected.add(stored(original));
        copies.forEach(c -> expected.add(stored(c)));
        assertThat(byPixels.groups().get(0).members()).extracting(DuplicateGroup.Member::path)
                .containsExactlyInAnyOrderElementsOf(expected);

        List<DuplicateGroup> identical = store.identicalFiles(SearchFilter.NONE);
        assertThat(identical).singleElement().satisfies(g -> assertThat(g.members())
                .extracting(DuplicateGroup.Member::path)
                .containsExactly(stored(lib.resolve("copy-original.png")), stored(original)));

        List<DuplicateGroup> byPrompt = store.nearDuplicates(NearDuplicateRequest.of(PROMPT.name()));
        assertThat(byPrompt).singleElement().satisfies(g -> assertThat(g.members())
                .extracting(DuplicateGroup.Member::path).contains(stored(lib.resolve("other-22.png")),
                        stored(lib.resolve("other-23.png")), stored(original)));
    }

    /**
     * A library indexed without pixel hashes (before they existed) gets them on the next run with them: each file is
     * read again, nothing is embedded, and after that the files are skipped again.
     */
    @Test
    void imagesIndexedWithoutPixelHashesGetThemOnTheNextRunWithoutEncoderCalls() {
        EmbeddingStore store = store();
        Path lib = library("backfill");
        try (BulkEmbeddingPipeline pipeline = pipeline(store, false).pixelHashes(false).build()) {
            pipeline.run(lib);
        }
        assertThat(store.pixelDuplicates(PixelDuplicateRequest.defaults()).imagesWithoutPixelHash()).isEqualTo(8);
        int textCalls = text.documentCalls.get();
        int imageCalls = pixels.calls.get();

        PipelineSummary backfill = run(store, false, lib);

        assertThat(backfill.pixelHashesAdded()).isEqualTo(8);
        assertThat(text.documentCalls.get()).isEqualTo(textCalls);
        assertThat(pixels.calls.get()).isEqualTo(imageCalls);
        assertThat(store.pixelDuplicates(PixelDuplicateRequest.defaults()).imagesWithoutPixelHash()).isZero();
        assertThat(run(store, false, lib).skipped()).isEqualTo(8);
        EmbeddingStoreContract.assertStoreMatchesItsRecords(store);
    }

    // ---------------------------------------------------------------- watch

    /**
     * A watch on a real {@code WatchService}: a file added, one changed, one renamed (re-pointed, no encoder call) and
     * one deleted each reach the store shortly after they settle.
     */
    @Test
    void aWatchPicksUpAnAddedAChangedARenamedAndADeletedFile() throws Exception {
        EmbeddingStore store = store();
        Path lib = library("watch");
        List<LibraryWatcher.Sync> syncs = new CopyOnWriteArrayList<>();
        try (Watch watch = watch(store, lib, b -> b.debounce(Duration.ofMillis(200)), syncs)) {
            awaitTrue("the first sync", () -> !syncs.isEmpty());
            assertThat(syncs.get(0).trigger()).isEqualTo(LibraryWatcher.Trigger.START);
            assertThat(records(store)).hasSize(8);

            Path added = image(temp.resolve("staging/added.png"), 31, "added while watched", null);
            move(added, lib.resolve("a/added.png"));
            awaitTrue("the added file", () -> records(store).containsKey(stored(lib.resolve("a/added.png"))));

            ContentHash before = records(store).get(stored(lib.resolve("seven.png"))).record().imageHash();
            Path changed = image(temp.resolve("staging/seven.png"), 32, "mountains at dawn, repainted", null);
            Files.move(changed, lib.resolve("seven.png"), StandardCopyOption.REPLACE_EXISTING);
            awaitTrue("the changed file", () -> !before.equals(
                    records(store).get(stored(lib.resolve("seven.png"))).record().imageHash()));

            long id = records(store).get(stored(lib.resolve("b/four.png"))).id();
            int textCalls = text.documentCalls.get();
            int imageCalls = pixels.calls.get();
            move(lib.resolve("b/four.png"), lib.resolve("b/four-renamed.png"));
            awaitTrue("the renamed file", () -> {
                Map<String, StoredImage> r = records(store);
                return !r.containsKey(stored(lib.resolve("b/four.png")))
                        && r.containsKey(stored(lib.resolve("b/four-renamed.png")));
            });
            assertThat(records(store).get(stored(lib.resolve("b/four-renamed.png"))).id()).isEqualTo(id);
            assertThat(text.documentCalls.get()).isEqualTo(textCalls);
            assertThat(pixels.calls.get()).isEqualTo(imageCalls);

            delete(lib.resolve("a/one.png"));
            awaitTrue("the deleted file", () -> !records(store).containsKey(stored(lib.resolve("a/one.png"))));

            LibraryWatcher.Totals totals = watch.stop();
            assertThat(totals.moved()).isEqualTo(1);
            assertThat(totals.removed()).isEqualTo(1);
            assertThat(syncs).extracting(LibraryWatcher.Sync::trigger).contains(LibraryWatcher.Trigger.EVENTS);
        }
        assertThat(records(store).keySet()).isEqualTo(filesUnder(lib));
        EmbeddingStoreContract.assertStoreMatchesItsRecords(store);
    }

    /** Where no events come (a network share), the periodic rescan finds an added and a deleted file. */
    @Test
    void withoutEventsThePeriodicRescanKeepsTheStoreInStep() throws Exception {
        EmbeddingStore store = store();
        Path lib = library("rescan");
        List<LibraryWatcher.Sync> syncs = new CopyOnWriteArrayList<>();
        try (Watch watch = watch(store, lib, b -> b.events(false).rescanInterval(Duration.ofSeconds(1)), syncs)) {
            awaitTrue("the first sync", () -> !syncs.isEmpty());
            image(lib.resolve("b/new.png"), 41, "found by the rescan", null);
            delete(lib.resolve("eight.png"));
            awaitTrue("the rescan", () -> {
                Map<String, StoredImage> r = records(store);
                return r.containsKey(stored(lib.resolve("b/new.png"))) && !r.containsKey(stored(lib.resolve(
                        "eight.png")));
            });
            assertThat(watch.watcher.foldersWatched()).isZero();
            watch.stop();
        }
        assertThat(syncs).extracting(LibraryWatcher.Sync::trigger).doesNotContain(LibraryWatcher.Trigger.EVENTS)
                .contains(LibraryWatcher.Trigger.RESCAN);
        assertThat(records(store).keySet()).isEqualTo(filesUnder(lib));
        EmbeddingStoreContract.assertStoreMatchesItsRecords(store);
    }

    /** A watcher running on its own thread; closing it stops it and waits. */
    private final class Watch implements AutoCloseable {
        final LibraryWatcher watcher;
        final Thread thread;
        final AtomicReference<LibraryWatcher.Totals> totals = new AtomicReference<>();

        Watch(LibraryWatcher watcher) {
            this.watcher = watcher;
            this.thread = new Thread(() -> totals.set(watcher.run()), "library-watcher-test");
            thread.start();
        }

        LibraryWatcher.Totals stop() {
            watcher.close();
            try {
                thread.join(WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertThat(thread.isAlive()).as("the watcher stopped").isFalse();
            return totals.get();
        }

        @Override
        public void close() {
            if (thread.isAlive()) {
                stop();
            }
        }
    }

    private Watch watch(EmbeddingStore store, Path lib,
                        java.util.function.UnaryOperator<LibraryWatcher.Builder> settings,
                        List<LibraryWatcher.Sync> syncs) {
        BulkEmbeddingPipeline pipeline = pipeline(store, true).build();
        LibraryWatcher.Builder b = LibraryWatcher.builder(pipeline, List.of(lib)).listener(new LibraryWatcher.Listener() {
            @Override
            public void onSync(LibraryWatcher.Sync sync) {
                syncs.add(sync);
            }
        });
        return new Watch(settings.apply(b).build());
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Waited " + WAIT.toSeconds() + " s for " + what);
            }
            Thread.sleep(50);
        }
    }
}
