package dev.sdembed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.Encoder;
import dev.sdembed.encoder.EncoderInfo;
import dev.sdembed.encoder.ImageEmbeddingResult;
import dev.sdembed.encoder.ImageEncoder;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.onnx.ClipVisionEncoder;
import dev.sdembed.onnx.OnnxOptions;
import dev.sdembed.testing.SdTestImages;
import dev.sdembed.testing.TestModels;
import dev.sdembed.pipeline.BulkEmbeddingPipeline;
import dev.sdembed.pipeline.PipelineSummary;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import dev.sdembed.testing.TestPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's per-device scheduling with real ONNX Runtime sessions (bge-small and a tiny CLIP vision model) on
 * CPU partitions: each encoder call's start and end are recorded from inside the run.
 */
class DeviceSchedulingTest {
    private static final int IMAGES = 24;
    private static Path library;

    /** When one encoder call ran, and on which slot. */
    record Call(String slot, long start, long end) {
        boolean overlaps(Call other) {
            return start < other.end && other.start < end;
        }
    }

    @BeforeAll
    static void images() {
        library = TestPaths.targetDir("device-scheduling");
        for (int i = 0; i < IMAGES; i++) {
            Path file = library.resolve("img-" + i + ".png");
            if (!Files.exists(file)) {
                SdTestImages.a1111(file, 8, 900 + i, "a lighthouse on a cliff at dusk, variant " + i
                        + ", oil painting, dramatic sky, highly detailed", "blurry");
            }
        }
    }

    @Test
    void encodersOnDifferentCpuDevicesRunConcurrently() throws IOException {
        List<Call> calls = index("different", Device.cpu(0), Device.cpu(1), 2);

        List<Call> text = calls.stream().filter(c -> c.slot().equals("prompt")).toList();
        List<Call> image = calls.stream().filter(c -> c.slot().equals("image")).toList();
        long overlapping = text.stream().filter(t -> image.stream().anyMatch(t::overlaps)).count();
        assertThat(overlapping).as("text calls that overlap an image call, out of " + text.size()).isPositive();
    }

    @Test
    void encodersSharingADeviceAreSerialised() throws IOException {
        List<Call> calls = new ArrayList<>(index("shared", Device.CPU, Device.CPU, 1));

        calls.sort(Comparator.comparingLong(Call::start));
        assertThat(calls.stream().map(Call::slot).distinct()).containsExactlyInAnyOrder("prompt", "image");
        for (int i = 1; i < calls.size(); i++) {
            assertThat(calls.get(i).start()).as("call %d (%s) starts after call %d (%s) ended", i,
                    calls.get(i).slot(), i - 1, calls.get(i - 1).slot()).isGreaterThanOrEqualTo(calls.get(i - 1).end());
        }
    }

    /**
     * Indexes the library with bge-small on {@code textDevice} and tiny CLIP vision on {@code imageDevice} and
     * returns every encoder call; checks that every file was embedded by both.
     */
    private static List<Call> index(String name, Device textDevice, Device imageDevice, int cpuPartitions)
            throws IOException {
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        OnnxOptions text = OnnxOptions.builder().device(textDevice).cpuPartitions(cpuPartitions).build();
        OnnxOptions image = OnnxOptions.builder().device(imageDevice).cpuPartitions(cpuPartitions).build();
        Path storeDir = TestPaths.targetDir("device-scheduling-store-" + name);
        Files.deleteIfExists(storeDir.resolve(EmbeddedEmbeddingStore.FILE_NAME));
        try (BgeTextEncoder bge = BgeTextEncoder.builder(TestModels.bgeSmall()).options(text).build();
             ClipVisionEncoder clip = ClipVisionEncoder.builder(IndexFixtures.vision("device-scheduling", 11))
                     .options(image).preprocessThreads(1).build()) {
            assertThat(bge.device()).isEqualTo(textDevice);
            assertThat(clip.device()).isEqualTo(imageDevice);
            try (EmbeddedEmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(storeDir)
                    .slot(SlotSpec.of("prompt", bge.info())).slot(SlotSpec.of("image", clip.info())).build();
                 BulkEmbeddingPipeline pipeline = BulkEmbeddingPipeline.builder(store)
                         .textSlot("prompt", new TimedText("prompt", bge, calls))
                         .imageSlot("image", new TimedImage("image", clip, calls))
                         .batchSize(4).batchesInFlight(2).build()) {
                PipelineSummary summary = pipeline.run(library);
                assertThat(summary.indexed()).isEqualTo(IMAGES);
                assertThat(summary.slot("image").computed()).isEqualTo(IMAGES);
                assertThat(summary.slot("prompt").computed()).as("24 prompts and one shared negative")
                        .isEqualTo(IMAGES + 1);
            }
        }
        return List.copyOf(calls);
    }

    /** Records each call of a real encoder from inside the run; reports the real encoder's device. */
    private abstract static class Timed<E extends Encoder> implements Encoder {
        final String slot;
        final E delegate;
        final List<Call> calls;

        Timed(String slot, E delegate, List<Call> calls) {
            this.slot = slot;
            this.delegate = delegate;
            this.calls = calls;
        }

        <T> T timed(Supplier<T> call) {
            long start = System.nanoTime();
            try {
                return call.get();
            } finally {
                calls.add(new Call(slot, start, System.nanoTime()));
            }
        }

        @Override
        public EncoderInfo info() {
            return delegate.info();
        }

        @Override
        public Device device() {
            return delegate.device();
        }

        @Override
        public void close() {
        }
    }

    private static final class TimedText extends Timed<TextEncoder> implements TextEncoder {
        TimedText(String slot, TextEncoder delegate, List<Call> calls) {
            super(slot, delegate, calls);
        }

        @Override
        public List<Embedding> embedAll(List<String> texts) {
            return timed(() -> delegate.embedAll(texts));
        }
    }

    private static final class TimedImage extends Timed<ImageEncoder> implements ImageEncoder {
        TimedImage(String slot, ImageEncoder delegate, List<Call> calls) {
            super(slot, delegate, calls);
        }

        @Override
        public List<Embedding> embedFiles(List<Path> images) {
            return timed(() -> delegate.embedFiles(images));
        }

        @Override
        public List<ImageEmbeddingResult> embedEach(List<Path> images) {
            return timed(() -> delegate.embedEach(images));
        }
    }
}
