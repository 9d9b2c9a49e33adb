package dev.sdembed.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.ImageDecodeException;
import dev.sdembed.SdembedException;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.MetadataReader;
import dev.sdembed.metadata.MetadataReaders;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.ImageStatus;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.TestEncoders;
import dev.sdembed.testing.SdTestImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What one file can do to a run (issue 17): throw anything while it is read, change while it is read, fail to decode
 * after its prompts were embedded, carry metadata no store can hold. Each stays that file's failure; the rest of the
 * library is indexed and the store keeps no content without a reference.
 */
class PerFileFailuresTest {
    private static final String PROMPT = "prompt";
    private static final String IMAGE = "image";

    @TempDir
    Path library;

    private final TestEncoders.Text text = new TestEncoders.Text("test-text", 32, "fp-text-1");
    private final List<String> failures = new CopyOnWriteArrayList<>();

    private List<Path> images(int count) {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            files.add(SdTestImages.a1111(library.resolve("img-" + i + ".png"), 8, i, "prompt " + (i % 4),
                    i % 2 == 0 ? "blurry" : null));
        }
        return files;
    }

    private BulkEmbeddingPipeline.Builder pipeline(MemoryStore store) {
        return BulkEmbeddingPipeline.builder(store).textSlot(PROMPT, text).listener(new ProgressListener() {
            @Override
            public void onFileFailed(Path file, String reason) {
                failures.add(file.getFileName() + ": " + reason);
            }
        });
    }

    /** The standard reader, with {@code hook} run first for each file (it may throw, or change the file). */
    private static MetadataReader hooked(Consumer<Path> hook) {
        MetadataReader standard = MetadataReaders.standard();
        return file -> {
            hook.accept(file);
            return standard.read(file);
        };
    }

    private static Consumer<Path> throwing(Map<String, Throwable> byName) {
        return file -> {
            Throwable t = byName.get(file.getFileName().toString());
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
        };
    }

    @Test
    void anyErrorFromReadingOneFileFailsThatFileOnly() {
        images(20);
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        Map<String, Throwable> faults = Map.of(
                "img-3.png", new StackOverflowError(),
                "img-7.png", new NullPointerException("node is null"),
                "img-11.png", new AssertionError("unreachable chunk state"),
                "img-15.png", new IllegalStateException("reader state"));

        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = pipeline(store).metadataReader(hooked(throwing(faults)))
                .batchSize(4).build()) {
            summary = pipeline.run(library);
        }

        assertThat(summary.indexed()).isEqualTo(16);
        assertThat(summary.failed()).isEqualTo(4);
        assertThat(failures).containsExactlyInAnyOrder(
                "img-3.png: Cannot read " + library.resolve("img-3.png") + ": java.lang.StackOverflowError",
                "img-7.png: Cannot read " + library.resolve("img-7.png")
                        + ": java.lang.NullPointerException: node is null",
                "img-11.png: Cannot read " + library.resolve("img-11.png")
                        + ": java.lang.AssertionError: unreachable chunk state",
                "img-15.png: Cannot read " + library.resolve("img-15.png")
                        + ": java.lang.IllegalStateException: reader state");
        for (String name : faults.keySet()) {
            ImageRecord r = store.record(library.resolve(name).toString()).orElseThrow();
            assertThat(r.status()).isEqualTo(ImageStatus.FAILED);
            assertThat(r.error()).startsWith("Cannot read " + library.resolve(name));
        }
        assertThat(store.unreferenced()).isEmpty();
        try (BulkEmbeddingPipeline pipeline = pipeline(store).build()) {
            assertThat(pipeline.run(library).skipped()).as("the failed files are recorded, not retried")
                    .isEqualTo(20);
        }
    }

    static Stream<Throwable> errorsThatEndTheRun() {
        return Stream.of(new OutOfMemoryError("Java heap space"), new NoClassDefFoundError("com/example/Missing"),
                new ExceptionInInitializerError("static init of a reader"));
    }

    /**
     * Errors that say the JVM or the installation is broken, not the file: marking the file failed would hide them,
     * and the next files would fail alike and be recorded as failed too (and skipped by every later run).
     */
    @ParameterizedTest
    @MethodSource("errorsThatEndTheRun")
    void errorsOfTheJvmOrTheInstallationEndTheRunNamingTheFile(Throwable error) {
        images(8);
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        Path bad = library.resolve("img-5.png");
        try (BulkEmbeddingPipeline pipeline = pipeline(store)
                .metadataReader(hooked(throwing(Map.of("img-5.png", error)))).batchSize(1).batchesInFlight(1)
                .build()) {
            assertThatThrownBy(() -> pipeline.run(library)).isInstanceOf(SdembedException.class)
                    .hasMessage("Reading " + bad + " failed with " + error + "; the run stopped, since this error"
                            + " is not the file's own. Batches already written are kept; run again to continue.")
                    .hasCause(error);
        }
        assertThat(store.record(bad.toString())).as("not recorded as failed").isEmpty();
        assertThat(failures).isEmpty();
    }

    /**
     * The case: the batch finds the file empty (a front-end is rewriting it), and by the time its header,
     * bytes and metadata are read it is whole again. Before, the record said 0 bytes for content of another size
     * and the store refused the batch, ending the run.
     */
    @Test
    void aFileRewrittenBetweenItsSizeAndItsReadIsIndexedFromOneConsistentRead() throws IOException {
        Path first = SdTestImages.a1111(library.resolve("first.png"), 8, 1, "first prompt", null);
        Path rewritten = SdTestImages.a1111(library.resolve("rewritten.png"), 16, 2, "the final prompt", null);
        byte[] whole = Files.readAllBytes(rewritten);
        Files.write(rewritten, new byte[0]);
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        AtomicInteger restores = new AtomicInteger();
        MetadataReader reader = hooked(file -> {
            if (file.equals(first) && restores.getAndIncrement() == 0) {
                write(rewritten, whole);
            }
        });

        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = pipeline(store).metadataReader(reader).build()) {
            summary = pipeline.run(first, rewritten);
        }

        assertThat(failures).isEmpty();
        assertThat(summary.indexed()).isEqualTo(2);
        ImageRecord r = store.record(rewritten.toString()).orElseThrow();
        assertThat(r.status()).isEqualTo(ImageStatus.OK);
        assertThat(r.fileSize()).isEqualTo(whole.length);
        assertThat(r.imageHash()).isEqualTo(ContentHash.ofBytes(whole));
        assertThat(r.promptHash()).isEqualTo(ContentHash.ofText("the final prompt"));
        assertThat(r.width()).isEqualTo(16);
    }

    /** Changed between the hash and the metadata: read again, once; both come from the second read. */
    @Test
    void aFileChangedWhileItIsReadIsReadAgainOnce() throws IOException {
        Path file = SdTestImages.a1111(library.resolve("edited.png"), 8, 1, "before the edit", null);
        Path edited = SdTestImages.a1111(library.resolve("edit.bin"), 12, 3, "after the edit", "lowres");
        byte[] after = Files.readAllBytes(edited);
        Files.delete(edited);
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        AtomicInteger reads = new AtomicInteger();

        try (BulkEmbeddingPipeline pipeline = pipeline(store).metadataReader(hooked(f -> {
            if (reads.getAndIncrement() == 0) {
                write(f, after);
            }
        })).build()) {
            assertThat(pipeline.run(file).indexed()).isEqualTo(1);
        }

        assertThat(reads).hasValue(2);
        ImageRecord r = store.record(file.toString()).orElseThrow();
        assertThat(r.imageHash()).isEqualTo(ContentHash.ofBytes(after));
        assertThat(r.promptHash()).isEqualTo(ContentHash.ofText("after the edit"));
        assertThat(r.fileSize()).isEqualTo(after.length);
        assertThat(store.unreferenced()).isEmpty();
    }

    /**
     * Still changing on the second read: that file fails, with a reason that says so, and is not recorded, so the
     * next run (which sees its new size or time anyway) reads it again.
     */
    @Test
    void aFileThatKeepsChangingFailsAloneAndTheNextRunIndexesIt() {
        images(6);
        Path growing = library.resolve("img-2.png");
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        MetadataReader appending = hooked(f -> {
            if (f.equals(growing)) {
                append(f);
            }
        });

        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = pipeline(store).metadataReader(appending).build()) {
            summary = pipeline.run(library);
        }

        assertThat(summary.indexed()).isEqualTo(5);
        assertThat(summary.failed()).isEqualTo(1);
        assertThat(failures).containsExactly("img-2.png: Cannot index " + growing + ": it changed while it was read"
                + " (twice); it is not recorded, so the next run reads it again");
        assertThat(store.record(growing.toString())).isEmpty();
        assertThat(store.unreferenced()).isEmpty();
        try (BulkEmbeddingPipeline pipeline = pipeline(store).build()) {
            PipelineSummary next = pipeline.run(library);
            assertThat(next.indexed()).isEqualTo(1);
            assertThat(next.skipped()).isEqualTo(5);
        }
        assertThat(store.record(growing.toString()).orElseThrow().status()).isEqualTo(ImageStatus.OK);
    }

    /** Deleted after the walk found it: nothing of it is stored, and it is said. */
    @Test
    void aFileDeletedBeforeItsBatchReadsItIsReportedAndNotRecorded() throws IOException {
        List<Path> files = images(4);
        Path gone = files.get(3);
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        MetadataReader deleting = hooked(f -> {
            if (f.equals(files.get(0))) {
                delete(gone);
            }
        });

        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = pipeline(store).metadataReader(deleting).build()) {
            summary = pipeline.run(files.get(0), files.get(1), files.get(2), gone);
        }

        assertThat(summary.indexed()).isEqualTo(3);
        assertThat(summary.failed()).isEqualTo(1);
        assertThat(failures).containsExactly("img-3.png: Cannot index " + gone + ": it no longer exists (deleted"
                + " during the run); it is not recorded");
        assertThat(store.records()).hasSize(3);
        assertThat(store.unreferenced()).isEmpty();
    }

    /**
     * The library removed while the run reads its first file: the walk goes on over what it can still list, the
     * files found but gone are said and not recorded (before, each became a failed record of a file that does not
     * exist), and the run ends normally.
     */
    @Test
    void aLibraryDeletedMidRunEndsTheRunWithoutRecordsOfMissingFiles() throws IOException {
        for (int i = 0; i < 40; i++) {
            SdTestImages.a1111(library.resolve("d" + (i % 8)).resolve("img-" + i + ".png"), 8, i, "p " + i, null);
        }
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));
        AtomicInteger reads = new AtomicInteger();
        MetadataReader deleting = hooked(f -> {
            if (reads.getAndIncrement() == 0) {
                try {
                    dev.sdembed.testing.TestPaths.deleteTree(library);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });

        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = pipeline(store).metadataReader(deleting).batchSize(4)
                .batchesInFlight(1).build()) {
            summary = pipeline.run(library);
        }

        assertThat(summary.files()).isPositive();
        assertThat(summary.indexed()).isZero();
        assertThat(summary.failed()).isEqualTo(summary.files());
        assertThat(failures).hasSize((int) summary.failed())
                .allSatisfy(f -> assertThat(f).endsWith(": it no longer exists (deleted during the run); it is not"
                        + " recorded"));
        assertThat(store.records()).isEmpty();
    }

    /** A header declaring no pixels (0 wide, 0 high) fails that file, naming it; the run goes on. */
    @Test
    void anImageDeclaringNoPixelsFailsAlone() throws IOException {
        List<Path> files = images(3);
        Path zeroWide = library.resolve("zero-wide.png");
        byte[] png = Files.readAllBytes(files.get(0));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(png);
        b.putInt(16, 0);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        b.putInt(29, (int) crc.getValue());
        Files.write(zeroWide, png);
        Path zeroHigh = library.resolve("zero-high.jpg");
        Files.write(zeroHigh, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xc0, 0, 11, 8, 0, 0, 0, 4,
            1, 1, 0x11, 0, (byte) 0xff, (byte) 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, (byte) 0xff, (byte) 0xd9});
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()));

        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = pipeline(store).build()) {
            summary = pipeline.run(library);
        }

        assertThat(summary.indexed()).isEqualTo(3);
        assertThat(failures).containsExactlyInAnyOrder(
                "zero-wide.png: Cannot decode image " + zeroWide + ": header declares width 0",
                "zero-high.jpg: Cannot decode image " + zeroHigh + ": JPEGs whose height is defined after the first"
                        + " scan (DNL marker) are not supported");
    }

    /**
     * The image encoder reads a file after it was hashed; a file replaced in between must not have the new pixels'
     * embedding stored under the old bytes' hash (a copy of the old bytes would be given the wrong vector).
     */
    @Test
    void anImageReplacedBeforeTheEncoderReadsItIsNotEmbeddedUnderItsOldHash() throws IOException {
        List<Path> files = images(4);
        Path replaced = files.get(1);
        byte[] before = Files.readAllBytes(replaced);
        byte[] other = Files.readAllBytes(SdTestImages.a1111(library.resolve("other.bin"), 10, 9, "x", null));
        Files.delete(library.resolve("other.bin"));
        TestEncoders.Image pixels = new TestEncoders.Image("test-image", 16, "fp-image-1");
        HookedImageEncoder encoder = new HookedImageEncoder(pixels, f -> {
            if (f.equals(replaced)) {
                write(f, other);
            }
            return null;
        });
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()), SlotSpec.of(IMAGE, pixels.info()));

        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = pipeline(store).imageSlot(IMAGE, encoder).build()) {
            summary = pipeline.run(files);
        }

        assertThat(summary.indexed()).isEqualTo(3);
        assertThat(failures).containsExactly("img-1.png: Cannot index " + replaced + ": it changed while it was read"
                + " (the image encoder read other bytes than were hashed); it is not recorded, so the next run reads"
                + " it again");
        assertThat(store.embedded(IMAGE)).doesNotContain(ContentHash.ofBytes(before))
                .doesNotContain(ContentHash.ofBytes(other)).hasSize(3);
        assertThat(store.record(replaced.toString())).isEmpty();
        assertThat(store.unreferenced()).isEmpty();
    }

    /**
     * Issue 17, item 14: a file whose image cannot be decoded had its prompts embedded and stored with no record
     * referring to them, and the summary said "-99.0 % saved". Its texts are not stored now (a failed record is
     * not indexed, so it references nothing), and the texts other files share are.
     */
    @Test
    void aFileWhoseImageFailsToDecodeLeavesNoTextWithoutAReference() {
        for (int i = 0; i < 3; i++) {
            SdTestImages.a1111(library.resolve("ok-" + i + ".png"), 8, i, "a shared prompt", "shared negative");
        }
        Path broken = SdTestImages.a1111(library.resolve("broken.png"), 8, 7, "a prompt only the broken file has",
                "shared negative");
        TestEncoders.Image pixels = new TestEncoders.Image("test-image", 16, "fp-image-1");
        HookedImageEncoder encoder = new HookedImageEncoder(pixels, f -> f.equals(broken)
                ? new ImageDecodeException(f, "corrupt PNG data: bad IDAT") : null);
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()), SlotSpec.of(IMAGE, pixels.info()));

        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = pipeline(store).imageSlot(IMAGE, encoder).build()) {
            summary = pipeline.run(library);
        }

        assertThat(summary.indexed()).isEqualTo(3);
        assertThat(summary.failed()).isEqualTo(1);
        assertThat(failures).containsExactly("broken.png: Cannot decode image " + broken
                + ": corrupt PNG data: bad IDAT");
        assertThat(store.texts()).containsExactlyInAnyOrder(ContentHash.ofText("a shared prompt"),
                ContentHash.ofText("shared negative"));
        assertThat(store.embedded(PROMPT)).isEqualTo(store.texts());
        assertThat(store.unreferenced()).isEmpty();
        assertThat(summary.uniqueTexts()).isEqualTo(2);
        // 3 records x 2 texts and 3 images, stored as 2 texts and 3 images.
        assertThat(summary.vectorBytesWithoutDedup()).isEqualTo(6 * 32 * 4 + 3 * 16 * 4);
        assertThat(summary.vectorBytesStored()).isEqualTo(2 * 32 * 4 + 3 * 16 * 4);
        assertThat(summary.storageSavedPercent()).isBetween(0.0, 100.0);
    }

    /**
     * Metadata a store cannot hold (a NUL in a parameter) fails the file when its record is built. With an image
     * slot its pixels had been embedded, and the embedding went to the store without its content: the store
     * refused the whole batch and the run ended.
     */
    @Test
    void metadataNoStoreCanHoldFailsOnlyThatFileAlsoWithAnImageSlot() {
        List<Path> files = images(4);
        Path nul = files.get(2);
        MetadataReader standard = MetadataReaders.standard();
        MetadataReader reader = f -> {
            GenerationMetadata m = standard.read(f);
            if (!f.equals(nul)) {
                return m;
            }
            return new GenerationMetadata(m.generator(), "a prompt of the NUL file", null, m.width(), m.height(),
                    m.seed(), m.steps(), m.cfg(), m.sampler(), m.model(), m.modelHash(),
                    Map.of("Lora\0hash", "abc"), m.rawText(), m.warnings());
        };
        TestEncoders.Image pixels = new TestEncoders.Image("test-image", 16, "fp-image-1");
        MemoryStore store = MemoryStore.of(SlotSpec.of(PROMPT, text.info()), SlotSpec.of(IMAGE, pixels.info()));

        PipelineSummary summary;
        try (BulkEmbeddingPipeline pipeline = pipeline(store).metadataReader(reader).imageSlot(IMAGE, pixels)
                .build()) {
            summary = pipeline.run(files);
        }

        assertThat(summary.indexed()).isEqualTo(3);
        assertThat(failures).singleElement().asString().startsWith("img-2.png: Cannot index " + nul + ": ")
                .contains("parameter name");
        assertThat(store.record(nul.toString()).orElseThrow().status()).isEqualTo(ImageStatus.FAILED);
        assertThat(store.texts()).doesNotContain(ContentHash.ofText("a prompt of the NUL file"));
        assertThat(store.embedded(IMAGE)).doesNotContain(ContentHash.ofFile(nul));
        assertThat(store.unreferenced()).isEmpty();
    }

    @Test
    void theSavedShareIsNeverNegative() {
        // Contents without a reference (left by files that changed their prompt, until removeUnreferenced) make
        // the store hold more vectors than the references would without deduplication.
        PipelineSummary s = new PipelineSummary(1, 1, 0, 0, 0, 3, List.of(), 3 * 128, 128,
                java.time.Duration.ofSeconds(1), false);
        assertThat(s.storageSavedPercent()).isZero();
        assertThat(new PipelineSummary(0, 0, 0, 0, 0, 0, List.of(), 0, 0, java.time.Duration.ZERO, false)
                .storageSavedPercent()).isZero();
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void append(Path file) {
        try {
            Files.write(file, new byte[] {0}, StandardOpenOption.APPEND);
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

    /**
     * An image encoder that runs {@code hook} on each file before embedding it: a returned exception becomes that
     * file's decode failure (as a real encoder reports a corrupt file), and the hook may change the file.
     */
    private static final class HookedImageEncoder implements ImageEncoder {
        private final TestEncoders.Image delegate;
        private final Function<Path, ImageDecodeException> hook;
        final Map<Path, Integer> reads = new ConcurrentHashMap<>();

        HookedImageEncoder(TestEncoders.Image delegate, Function<Path, ImageDecodeException> hook) {
            this.delegate = delegate;
            this.hook = hook;
        }

        @Override
        public EncoderInfo info() {
            return delegate.info();
        }

        @Override
        public List<Embedding> embedFiles(List<Path> images) {
            return embedEach(images).stream().map(ImageEmbeddingResult::embeddingOrThrow).toList();
        }

        @Override
        public List<ImageEmbeddingResult> embedEach(List<Path> images) {
            List<ImageEmbeddingResult> out = new ArrayList<>();
            for (Path f : images) {
                reads.merge(f, 1, Integer::sum);
                ImageDecodeException failure = hook.apply(f);
                out.add(failure != null ? ImageEmbeddingResult.failure(f, failure)
                        : ImageEmbeddingResult.success(f, delegate.of(f)));
            }
            return out;
        }

        @Override
        public void close() {
        }
    }
}
