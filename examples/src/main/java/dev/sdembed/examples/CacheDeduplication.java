package dev.sdembed.examples;

import dev.sdembed.encoder.Embedding;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.hash.ContentHash;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.MetadataReader;
import dev.sdembed.metadata.MetadataReaders;
import dev.sdembed.onnx.BgeTextEncoder;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.ImageContent;
import dev.sdembed.store.ImageRecord;
import dev.sdembed.store.SlotSpec;
import dev.sdembed.store.StoreStats;
import dev.sdembed.store.WriteBatch;
import dev.sdembed.store.embedded.EmbeddedEmbeddingStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The content-hash cache by hand, through the store SPI: every prompt and negative prompt of the sample library is
 * keyed by its SHA-256, the store is asked which of those it already holds, and only the others go to the encoder.
 * Run twice over the same images: the first pass embeds each distinct text once, the second embeds nothing.
 * ({@code BulkEmbeddingPipeline} does all of this for you; see BulkImportWithProgress.)
 *
 * <pre>bin/example CacheDeduplication [--model DIR] [--samples DIR] [--store DIR]</pre>
 */
public final class CacheDeduplication {
    private CacheDeduplication() {
    }

    public static void main(String[] args) {
        run(System.out, args);
    }

    public static void run(PrintStream out, String... args) {
        ExampleArgs a = ExampleArgs.parse(args, "--model", "--samples", "--store");
        Path samples = a.samples();
        Path storeDir = a.path("--store", "target/examples/dedup-store");
        deleteStore(storeDir);
        List<Path> files = pngs(samples);
        try (TextEncoder bge = BgeTextEncoder.builder(a.model()).build();
             EmbeddingStore store = EmbeddedEmbeddingStore.builder().directory(storeDir)
                     .slot(SlotSpec.of(ExampleArgs.SLOT, bge.info())).build()) {
            for (int pass = 1; pass <= 2; pass++) {
                index(files, bge, store, pass, out);
            }
            StoreStats stats = store.stats();
            out.printf("store: %d images, %d distinct texts, %d embeddings in slot %s%n", stats.images(),
                    stats.textContents(), stats.slot(ExampleArgs.SLOT).embeddings(), ExampleArgs.SLOT);
        }
    }

    private static void index(List<Path> files, TextEncoder bge, EmbeddingStore store, int pass, PrintStream out) {
        MetadataReader reader = MetadataReaders.standard();
        WriteBatch.Builder batch = WriteBatch.builder();
        Map<ContentHash, String> texts = new LinkedHashMap<>();
        int uses = 0;
        for (Path file : files) {
            GenerationMetadata m = reader.read(file);
            ContentHash prompt = batch.addText(m.prompt());
            ContentHash negative = batch.addText(m.negativePrompt());
            texts.put(prompt, m.prompt());
            texts.put(negative, m.negativePrompt());
            uses += 2;
            ContentHash image = ContentHash.ofFile(file);
            BasicFileAttributes attributes = attributes(file);
            batch.image(new ImageContent(image, m.width(), m.height(), "png", attributes.size()));
            batch.record(ImageRecord.builder(file.toAbsolutePath().normalize().toString()).imageHash(image)
                    .promptHash(prompt).negativeHash(negative).generator(m.generator().id()).modelName(m.model())
                    .size(m.width(), m.height()).fileSize(attributes.size())
                    .modifiedAt(attributes.lastModifiedTime().toInstant()).build());
        }
        // One question to the store for the whole batch: which texts are embedded already?
        Set<ContentHash> cached = store.embeddedHashes(ExampleArgs.SLOT, texts.keySet());
        List<ContentHash> missing = texts.keySet().stream().filter(h -> !cached.contains(h)).toList();
        List<Embedding> vectors = missing.isEmpty() ? List.of()
                : bge.embedAll(missing.stream().map(texts::get).toList());
        for (int i = 0; i < missing.size(); i++) {
            batch.embedding(ExampleArgs.SLOT, missing.get(i), vectors.get(i).vector());
        }
        store.write(batch.build());
        out.printf("pass %d: %d images use %d texts, %d distinct; encoder embedded %d, cache hits %d (%d repeats"
                        + " within the pass, %d already in the store)%n", pass, files.size(), uses, texts.size(),
                missing.size(), uses - missing.size(), uses - texts.size(), cached.size());
    }

    private static List<Path> pngs(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    private static BasicFileAttributes attributes(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh store each run, so the first pass starts from an empty cache. */
    private static void deleteStore(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(EmbeddedEmbeddingStore.FILE_NAME));
            for (String suffix : List.of("-wal", "-shm", "-journal")) {
                Files.deleteIfExists(dir.resolve(EmbeddedEmbeddingStore.FILE_NAME + suffix));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the store in " + dir, e);
        }
    }
}
