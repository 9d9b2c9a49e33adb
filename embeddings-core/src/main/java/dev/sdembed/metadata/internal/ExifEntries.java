package dev.sdembed.metadata.internal;

import com.drew.metadata.Directory;
import com.drew.metadata.ErrorDirectory;
import com.drew.metadata.Metadata;
import com.drew.metadata.StringValue;
import com.drew.metadata.exif.ExifDirectoryBase;
import com.drew.metadata.jpeg.JpegCommentDirectory;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Turns EXIF fields and JPEG comments into entries named like the PNG keywords the same front-ends use, so one set
 * of format parsers serves every container: an A1111 UserComment becomes {@code parameters}, a ComfyUI graph
 * becomes {@code prompt}, a NovelAI chunk map is spread into {@code Comment}, {@code Software}, ...
 */
final class ExifEntries {
    private static final Map<Integer, String> STRING_TAGS = Map.of(
            ExifDirectoryBase.TAG_IMAGE_DESCRIPTION, "ImageDescription",
            ExifDirectoryBase.TAG_MAKE, "Make",
            ExifDirectoryBase.TAG_MODEL, "Model",
            ExifDirectoryBase.TAG_SOFTWARE, "Software",
            ExifDirectoryBase.TAG_DOCUMENT_NAME, "DocumentName",
            ExifDirectoryBase.TAG_ARTIST, "Artist");
    private static final byte[] ASCII = "ASCII\0\0\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] UNICODE = "UNICODE\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] JIS = "JIS\0\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] UNDEFINED = new byte[8];

    private ExifEntries() {
    }

    static void read(Metadata metadata, Entries entries, String container) {
        String userComment = null;
        for (Directory directory : metadata.getDirectories()) {
            if (directory instanceof ExifDirectoryBase) {
                for (Map.Entry<Integer, String> tag : STRING_TAGS.entrySet()) {
                    String text = string(directory, tag.getKey());
                    if (text != null) {
                        putString(tag.getValue(), text, container, entries);
                    }
                }
                byte[] comment = directory.getByteArray(ExifDirectoryBase.TAG_USER_COMMENT);
                if (comment != null && userComment == null) {
                    userComment = decodeUserComment(comment);
                }
                byte[] windowsComment = directory.getByteArray(ExifDirectoryBase.TAG_WIN_COMMENT);
                if (windowsComment != null) {
                    entries.put("XPComment", trimNuls(new String(windowsComment, StandardCharsets.UTF_16LE)),
                            container + " EXIF XPComment");
                }
            } else if (directory instanceof JpegCommentDirectory) {
                String text = string(directory, JpegCommentDirectory.TAG_COMMENT);
                if (text != null) {
                    entries.put("Comment", text, "JPEG comment");
                }
            }
            if (directory instanceof ExifDirectoryBase || directory instanceof ErrorDirectory) {
                for (String error : directory.getErrors()) {
                    entries.warn(container + " EXIF: " + error);
                }
            }
        }
        if (userComment != null && !userComment.isBlank()) {
            interpretUserComment(userComment, entries, container + " EXIF UserComment");
        }
    }

    /**
     * Decodes a UserComment by its 8-byte character-code prefix. UNICODE is UTF-16 in whichever byte order the
     * writer chose (piexif, used by A1111, always writes big-endian, even in little-endian TIFF), so the order is
     * taken from a byte-order mark or from where the zero bytes of ASCII characters fall. Writers that omit the
     * prefix (some ComfyUI save nodes) get UTF-8.
     */
    static String decodeUserComment(byte[] bytes) {
        if (startsWith(bytes, UNICODE)) {
            return trimNuls(decodeUtf16(Arrays.copyOfRange(bytes, UNICODE.length, bytes.length)));
        }
        int offset = startsWith(bytes, ASCII) || startsWith(bytes, JIS) || startsWith(bytes, UNDEFINED) ? 8 : 0;
        Charset charset = startsWith(bytes, JIS) ? Charset.forName("Shift_JIS") : null;
        String text = charset != null ? new String(bytes, offset, bytes.length - offset, charset)
                : Texts.utf8OrLatin1(bytes, offset, bytes.length - offset);
        return trimNuls(text);
    }

    private static String decodeUtf16(byte[] body) {
        if (body.length >= 2 && (body[0] & 0xff) == 0xfe && (body[1] & 0xff) == 0xff) {
            return new String(body, 2, body.length - 2, StandardCharsets.UTF_16BE);
        }
        if (body.length >= 2 && (body[0] & 0xff) == 0xff && (body[1] & 0xff) == 0xfe) {
            return new String(body, 2, body.length - 2, StandardCharsets.UTF_16LE);
        }
        int zeroEven = 0;
        int zeroOdd = 0;
        for (int i = 0; i + 1 < body.length && i < 4096; i += 2) {
            zeroEven += body[i] == 0 ? 1 : 0;
            zeroOdd += body[i + 1] == 0 ? 1 : 0;
        }
        return new String(body, zeroOdd > zeroEven ? StandardCharsets.UTF_16LE : StandardCharsets.UTF_16BE);
    }

    /**
     * Files entries under the names the format parsers look for. ComfyUI save nodes prefix their JSON with
     * "Prompt:" / "Workflow:" in Make and ImageDescription; ComfyUI's own animated-WebP node writes "prompt:" in
     * Model and "workflow:" in Make (its extra_pnginfo keys, lower case).
     */
    private static void putString(String tag, String text, String container, Entries entries) {
        String source = container + " EXIF " + tag;
        for (String prefix : new String[] {"prompt", "workflow"}) {
            if (text.regionMatches(true, 0, prefix + ":", 0, prefix.length() + 1)
                    && MetadataJson.looksLikeObject(text.substring(prefix.length() + 1))) {
                entries.put(prefix, text.substring(prefix.length() + 1).strip(), source);
                return;
            }
        }
        entries.put(tag, text, source);
    }

    /**
     * A UserComment holds either A1111 parameters text, filed as {@code parameters}, or JSON, filed as
     * {@code UserComment} for {@link UserCommentJson} to sort out once it is parsed.
     */
    private static void interpretUserComment(String text, Entries entries, String source) {
        if (MetadataJson.looksLikeObject(text)) {
            entries.put(UserCommentJson.KEY, text.strip(), source);
        } else {
            entries.put("parameters", text, source);
        }
    }

    private static String string(Directory directory, int tag) {
        Object value = directory.getObject(tag);
        if (value instanceof StringValue s) {
            byte[] bytes = s.getBytes();
            return trimNuls(Texts.utf8OrLatin1(bytes, 0, bytes.length));
        }
        return value instanceof String s ? trimNuls(s) : null;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Strips the NULs writers pad with, at either end (NovelAI prefixes its WebP ImageDescription with four). */
    static String trimNuls(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && text.charAt(start) == '\0') {
            start++;
        }
        while (end > start && text.charAt(end - 1) == '\0') {
            end--;
        }
        return text.substring(start, end);
    }
}
