package dev.sdembed.metadata.internal;

import com.drew.imaging.png.PngChunk;
import com.drew.imaging.png.PngChunkReader;
import com.drew.imaging.png.PngChunkType;
import com.drew.imaging.png.PngProcessingException;
import com.drew.lang.ByteArrayReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;

/**
 * PNG text chunks (tEXt, zTXt, iTXt, wherever they sit, including after the image data) and eXIf, through
 * metadata-extractor's chunk reader. Text decoding is done here rather than by metadata-extractor's
 * {@code PngMetadataReader}, which inflates compressed chunks without any size limit.
 */
final class PngContainer {
    private static final Set<PngChunkType> WANTED =
            Set.of(PngChunkType.IHDR, PngChunkType.tEXt, PngChunkType.zTXt, PngChunkType.iTXt, PngChunkType.eXIf);
    /** The PNG keyword limit (1-79 bytes) plus its terminator. */
    private static final int MAX_KEYWORD = 80;

    private PngContainer() {
    }

    static void read(BoundedFileReader reader, ReadLimits limits, Entries entries)
            throws PngProcessingException, IOException {
        Iterable<PngChunk> chunks = new PngChunkReader().extract(reader, WANTED);
        Iterator<BoundedFileReader.SkippedRead> skipped = reader.skippedReads().iterator();
        for (PngChunk chunk : chunks) {
            String type = chunk.getType().getIdentifier();
            byte[] data = chunk.getBytes();
            if (data == BoundedFileReader.SKIPPED) {
                BoundedFileReader.SkippedRead read = skipped.next();
                // The reader saw the data; the chunk starts 8 bytes earlier, at its length and type.
                entries.warn("PNG " + type + " chunk at offset " + (read.offset() - 8) + " is " + read.length()
                        + " bytes, over the " + limits.maxTextBytes() + "-byte limit; skipped unread");
            } else if (type.equals("IHDR")) {
                if (data.length >= 8) {
                    ByteBuffer header = ByteBuffer.wrap(data);
                    entries.pixelSize(header.getInt(0), header.getInt(4));
                }
            } else if (type.equals("eXIf")) {
                Metadata exif = new Metadata();
                new ExifReader().extract(new ByteArrayReader(data), exif);
                ExifEntries.read(exif, entries, "PNG eXIf");
            } else {
                readText(type, data, limits, entries);
            }
        }
    }

    private static void readText(String type, byte[] data, ReadLimits limits, Entries entries) {
        int nul = Texts.indexOfNul(data, 0, Math.min(data.length, MAX_KEYWORD));
        if (nul <= 0) {
            entries.warn("PNG " + type + " chunk has no valid keyword (1-79 bytes ending in NUL); skipped");
            return;
        }
        String keyword = new String(data, 0, nul, StandardCharsets.ISO_8859_1);
        String source = "PNG " + type + " chunk '" + keyword + "'";
        int at = nul + 1;
        switch (type) {
            case "tEXt" -> entries.put(keyword, Texts.utf8OrLatin1(data, at, data.length - at), source);
            case "zTXt" -> {
                if (at >= data.length || data[at] != 0) {
                    entries.warn(source + " has an unknown compression method; skipped");
                    return;
                }
                byte[] text = inflate(data, at + 1, source, limits, entries);
                if (text != null) {
                    entries.put(keyword, Texts.utf8OrLatin1(text, 0, text.length), source);
                }
            }
            default -> readInternationalText(keyword, source, data, at, limits, entries);
        }
    }

    private static void readInternationalText(String keyword, String source, byte[] data, int at, ReadLimits limits,
                                              Entries entries) {
        if (at + 2 > data.length) {
            entries.warn(source + " is truncated before its compression flag; skipped");
            return;
        }
        boolean compressed = data[at] == 1;
        if (compressed && data[at + 1] != 0) {
            entries.warn(source + " has an unknown compression method; skipped");
            return;
        }
        int languageEnd = Texts.indexOfNul(data, at + 2, data.length);
        int translatedEnd = languageEnd < 0 ? -1 : Texts.indexOfNul(data, languageEnd + 1, data.length);
        if (translatedEnd < 0) {
            entries.warn(source + " is missing its language or translated-keyword terminator; skipped");
            return;
        }
        byte[] text = data;
        int offset = translatedEnd + 1;
        int length = data.length - offset;
        if (compressed) {
            text = inflate(data, offset, source, limits, entries);
            if (text == null) {
                return;
            }
            offset = 0;
            length = text.length;
        }
        String decoded = Texts.strictUtf8(text, offset, length);
        if (decoded == null) {
            entries.warn(source + " is not valid UTF-8; undecodable bytes were replaced with U+FFFD");
            decoded = new String(text, offset, length, StandardCharsets.UTF_8);
        }
        entries.put(keyword, decoded, source);
    }

    private static byte[] inflate(byte[] data, int offset, String source, ReadLimits limits, Entries entries) {
        try {
            return Texts.inflate(data, offset, data.length - offset, false, limits.maxTextBytes());
        } catch (Texts.TooLargeException e) {
            entries.warn(source + " " + e.getMessage() + "; skipped");
        } catch (IOException e) {
            entries.warn(source + " has corrupt compressed text (" + e.getMessage() + "); skipped");
        }
        return null;
    }
}
