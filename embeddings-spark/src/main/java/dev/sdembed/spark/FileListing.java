package dev.sdembed.spark;

import dev.sdembed.InvalidInputException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's side of the input: the files to index, streamed to disk rather than held in memory, then cut into
 * partitions of about equal bytes.
 *
 * <ol>
 *   <li>The roots are walked (or a file of paths is read) and every image file goes to {@code files.tsv} as
 *       {@code size<TAB>absolute path} as it is found; only the directories entered are remembered (against symlink
 *       loops and a folder reached twice), so ten million files cost the driver a file of ~1 GB, not its heap.</li>
 *   <li>{@code files.tsv} is read again and cut, in walk order, into {@code part-NNNNN.tsv} files whose sizes add
 *       up to about {@code total / partitions} bytes each: hashing and decoding cost grows with the bytes, so the
 *       partitions cost about the same, and each holds files of neighbouring folders.</li>
 * </ol>
 *
 * Each task reads its own part file, so the work folder must be on storage every executor reads.
 */
public final class FileListing {
    private static final Logger LOG = LoggerFactory.getLogger(FileListing.class);

    /**
     * The listing.
     *
     * @param files     image files found
     * @param bytes     their total size
     * @param partFiles one file of {@code size<TAB>path} lines per partition (absolute paths), in walk order
     */
    public record Listing(long files, long bytes, List<String> partFiles) {
        public Listing {
            partFiles = List.copyOf(partFiles);
        }
    }

    private final Set<String> extensions;
    private final Path workDir;

    /**
     * @param extensions lower-case file name extensions to index, without the dot
     * @param workDir    where {@code files.tsv} and the part files go (created when missing)
     */
    public FileListing(Set<String> extensions, Path workDir) {
        this.extensions = Set.copyOf(extensions);
        this.workDir = workDir;
    }

    /** Walks {@code roots} (folders recursively, following links; files taken as given) into partitions. */
    public Listing walk(List<Path> roots, int minPartitions, int filesPerPartition) {
        return partition(write(out -> {
            Set<Object> entered = new HashSet<>();
            for (Path root : roots) {
                if (!Files.exists(root)) {
                    throw new InvalidInputException("Folder to index " + root + " does not exist");
                }
                walk(root.toAbsolutePath().normalize(), entered, out);
            }
        }), minPartitions, filesPerPartition);
    }

    /** Reads {@code pathsFile} (one path per line, relative ones against its folder) into partitions. */
    public Listing read(Path pathsFile, int minPartitions, int filesPerPartition) {
        Path base = pathsFile.toAbsolutePath().getParent();
        return partition(write(out -> {
            long missing = 0;
            try (BufferedReader r = Files.newBufferedReader(pathsFile, StandardCharsets.UTF_8)) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.isBlank()) {
                        continue;
                    }
                    Path file = base.resolve(line.strip()).normalize();
                    if (Files.isRegularFile(file)) {
                        out.add(file, Files.size(file));
                    } else {
                        missing++;
                    }
                }
            }
            if (missing > 0) {
                LOG.warn("{} paths in {} are not files; they are left out", missing, pathsFile);
            }
        }), minPartitions, filesPerPartition);
    }

    /** Where the walk writes. */
    private final class Sink implements AutoCloseable {
        private final BufferedWriter writer;
        private long files;
        private long bytes;

        Sink(Path file) throws IOException {
            this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        }

        void add(Path file, long size) throws IOException {
            String path = file.toString();
            if (path.indexOf('\n') >= 0 || path.indexOf('\r') >= 0) {
                LOG.warn("Skipping {}: a line break in a file name cannot be listed", path.replace('\n', '?'));
                return;
            }
            writer.write(Long.toString(size));
            writer.write('\t');
            writer.write(path);
            writer.write('\n');
            files++;
            bytes += size;
        }

        @Override
        public void close() throws IOException {
            writer.close();
        }
    }

    private interface Producer {
        void produce(Sink out) throws IOException;
    }

    private record Written(Path file, long files, long bytes) {
    }

    private Written write(Producer producer) {
        Path list = workDir.resolve("files.tsv");
        try {
            Files.createDirectories(workDir);
            try (Sink out = new Sink(list)) {
                producer.produce(out);
                return new Written(list, out.files, out.bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the files to index into " + list + ": " + e.getMessage(), e);
        }
    }

    private void walk(Path root, Set<Object> entered, Sink out) throws IOException {
        if (Files.isRegularFile(root)) {
            out.add(root, Files.size(root));
            return;
        }
        Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                        Object key = attrs.fileKey() != null ? attrs.fileKey() : dir.toRealPath().toString();
                        return entered.add(key) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                        if (attrs.isRegularFile() && isImage(file)) {
                            out.add(file, attrs.size());
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        if (!(e instanceof FileSystemLoopException)) {
                            LOG.warn("Cannot read {}: {}", file, e.toString());
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
    }

    private boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && extensions.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * Cuts the list into {@code max(minPartitions, ceil(files / filesPerPartition))} partitions (never more than
     * files) of about equal bytes.
     */
    private Listing partition(Written w, int minPartitions, int filesPerPartition) {
        long wanted = Math.max(minPartitions, (w.files() + filesPerPartition - 1) / filesPerPartition);
        int partitions = (int) Math.max(1, Math.min(wanted, w.files()));
        List<String> parts = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(w.file(), StandardCharsets.UTF_8)) {
            BufferedWriter part = null;
            long cumulative = 0;
            long inPart = 0;
            long left = w.files();
            for (String line; (line = r.readLine()) != null; left--) {
                // Start a new part when this one has reached its share of the bytes, as long as every later
                // partition still gets a file.
                boolean full = part != null && inPart > 0
                        && cumulative >= (double) w.bytes() * parts.size() / partitions;
                if (part == null || full && parts.size() < partitions && left >= partitions - parts.size()) {
                    if (part != null) {
                        part.close();
                    }
                    Path p = workDir.resolve(String.format(Locale.ROOT, "part-%05d.tsv", parts.size()));
                    part = Files.newBufferedWriter(p, StandardCharsets.UTF_8);
                    parts.add(p.toString());
                    inPart = 0;
                }
                part.write(line);
                part.write('\n');
                inPart++;
                cumulative += Long.parseLong(line.substring(0, line.indexOf('\t')));
            }
            if (part != null) {
                part.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the partitions into " + workDir + ": " + e.getMessage(), e);
        }
        LOG.info("Listed {} files ({} MB) into {} partitions in {}", w.files(), w.bytes() >> 20, parts.size(),
                workDir);
        return new Listing(w.files(), w.bytes(), parts);
    }
}
