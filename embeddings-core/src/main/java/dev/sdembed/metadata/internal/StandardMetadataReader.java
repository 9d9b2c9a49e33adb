package dev.sdembed.metadata.internal;

import com.drew.imaging.FileType;
import com.drew.imaging.FileTypeDetector;
import com.drew.imaging.ImageProcessingException;
import dev.sdembed.MetadataReadException;
import dev.sdembed.internal.RegularFiles;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.Generator;
import dev.sdembed.metadata.MetadataReader;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standard reader: identifies the container by its signature, collects its metadata texts as {@link Entries},
 * and lets {@link Formats} interpret them. Stateless apart from its limits, hence thread-safe.
 */
public final class StandardMetadataReader implements MetadataReader {
    private static final Logger LOG = LoggerFactory.getLogger(StandardMetadataReader.class);
    private static final int SIGNATURE_BYTES = 32;

    private final ReadLimits limits;
    private final MetadataJson json;

    public StandardMetadataReader(ReadLimits limits) {
        this.limits = limits;
        this.json = new MetadataJson(limits);
    }

    @Override
    public GenerationMetadata read(Path file) {
        Entries entries = new Entries();
        FileType type;
        String notRegular = RegularFiles.notRegular(file);
        if (notRegular != null) {
            throw new MetadataReadException(file, notRegular);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size == 0) {
                throw new MetadataReadException(file, "the file is empty (0 bytes); expected a PNG, JPEG or WebP image");
            }
            type = detect(channel);
            BoundedFileReader reader = new BoundedFileReader(channel, size, limits.maxTextBytes());
            switch (type) {
                case Png -> PngContainer.read(reader, limits, entries);
                case Jpeg -> ExifContainers.readJpeg(reader, entries);
                case WebP -> {
                    checkRiffSize(file, channel, size, entries);
                    List<String> errors = ExifContainers.readWebp(reader, entries);
                    if (!errors.isEmpty()) {
                        throw new MetadataReadException(file, "not a valid WebP file (" + errors.get(0) + ")");
                    }
                }
                case Unknown -> throw new MetadataReadException(file,
                        "not an image: the first bytes match no known image format; expected PNG, JPEG or WebP");
                default -> throw new MetadataReadException(file, "unsupported image format " + type.getName()
                        + "; generation metadata is read from PNG, JPEG and WebP files");
            }
            if (type != FileType.Png) {
                for (BoundedFileReader.SkippedRead skipped : reader.skippedReads()) {
                    entries.warn(type.getName() + " metadata block at offset " + skipped.offset() + " is "
                            + skipped.length() + " bytes, over the " + limits.maxTextBytes()
                            + "-byte limit; skipped unread");
                }
            }
        } catch (MetadataReadException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new MetadataReadException(file, "no such file", e);
        } catch (EOFException e) {
            throw new MetadataReadException(file, "the file is truncated: " + e.getMessage(), e);
        } catch (IOException e) {
            if (Files.isDirectory(file)) {
                throw new MetadataReadException(file, "is a directory, not an image file");
            }
            throw new MetadataReadException(file, "cannot read the file: " + e, e);
        } catch (ImageProcessingException e) {
            throw new MetadataReadException(file, "not a valid image container (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            // metadata-extractor can fail with unchecked exceptions on corrupt input; the file is at fault.
            throw new MetadataReadException(file, "corrupt image container (" + e + ")", e);
        }
        GenerationMetadata metadata = interpret(file, entries);
        if (metadata.generator() == Generator.NONE && type == FileType.Png && limits.stealthPngInfo()) {
            metadata = stealth(file, entries, metadata);
        }
        return metadata;
    }

    private GenerationMetadata interpret(Path file, Entries entries) {
        try {
            return Formats.parse(entries, json);
        } catch (RuntimeException e) {
            LOG.debug("Interpreting metadata of {} failed", file, e);
            throw new MetadataReadException(file, "cannot interpret its generation metadata (" + e + ")", e);
        } catch (StackOverflowError e) {
            // The walks are bounded in depth; this is the safety net that keeps one file from ending a bulk run.
            throw new MetadataReadException(file, "its generation metadata is nested too deeply to interpret", e);
        }
    }

    /** Parameters hidden in the pixels: A1111 text, or NovelAI's JSON copy of its PNG chunks. */
    private GenerationMetadata stealth(Path file, Entries entries, GenerationMetadata plain) {
        int warningsBefore = entries.warnings().size();
        StealthPngInfo.Payload payload = StealthPngInfo.read(file, limits, entries);
        if (payload == null) {
            List<String> stealthWarnings = entries.warnings().subList(warningsBefore, entries.warnings().size());
            if (stealthWarnings.isEmpty()) {
                return plain;
            }
            List<String> warnings = new java.util.ArrayList<>(plain.warnings());
            warnings.addAll(stealthWarnings);
            return GenerationMetadata.none(warnings);
        }
        String source = "PNG " + (payload.alpha() ? "alpha" : "RGB") + "-channel stealth parameters";
        if (MetadataJson.looksLikeObject(payload.text())) {
            entries.replace(UserCommentJson.KEY, payload.text(), source);
        } else {
            entries.replace("parameters", payload.text(), source);
        }
        return interpret(file, entries);
    }

    /**
     * The RIFF header's size field against the file: a file shorter than declared is truncated (the decoder refuses
     * it too), one longer has data past the declared end that no reader looks at, which is worth a warning, since
     * metadata written there is not read.
     */
    private static void checkRiffSize(Path file, FileChannel channel, long size, Entries entries) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (header.hasRemaining() && channel.read(header, header.position()) > 0) {
            // read the 8-byte RIFF header
        }
        if (header.hasRemaining()) {
            throw new MetadataReadException(file, "not a valid WebP file (truncated: " + size + " bytes, shorter than"
                    + " its RIFF header)");
        }
        long declared = Integer.toUnsignedLong(header.getInt(4)) + 8;
        if (declared > size) {
            throw new MetadataReadException(file, "not a valid WebP file (truncated: the file has " + size
                    + " bytes, its RIFF header declares " + declared + ")");
        }
        if (declared < size) {
            entries.warn("WebP RIFF header declares " + declared + " bytes but the file has " + size
                    + "; the " + (size - declared) + " bytes after the declared end were not read");
        }
    }

    private static FileType detect(FileChannel channel) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(SIGNATURE_BYTES);
        while (head.hasRemaining() && channel.read(head, head.position()) > 0) {
            // read until full or end of file
        }
        return FileTypeDetector.detectFileType(new ByteArrayInputStream(head.array(), 0, head.position()));
    }
}
