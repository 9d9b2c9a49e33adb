package dev.sdembed.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The text a file's path is stored under. On Linux a file name is bytes, and the JVM turns them into text with its
 * file name encoding ({@code sun.jnu.encoding}, UTF-8 under a UTF-8 locale): a byte that is not valid there (a
 * Latin-1 {@code é} written as the single byte E9) becomes U+FFFD, so {@code caf\xE9.png} and {@code caf\xE8.png}
 * read alike and neither can be opened again from that text. The pipeline therefore keeps the {@link Path} (which
 * keeps the bytes) for every file access and stores this text, where each such byte is written {@code \xHH}:
 * displayable, distinct for distinct names, and unchanged for every name the encoding can decode.
 */
public final class StoredPaths {
    private StoredPaths() {
    }

    /** {@code file} absolute and normalised, as text, undecodable name bytes written {@code \xHH}. */
    public static String of(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        String text = absolute.toString();
        if (text.indexOf('\uFFFD') < 0 || !"/".equals(absolute.getFileSystem().getSeparator())) {
            return text;
        }
        byte[] raw = rawBytes(absolute);
        return raw == null ? text : decode(raw, fileNameCharset());
    }

    /** The path's bytes, from its URI: a Unix path's URI percent-escapes every byte of the name as it is. */
    private static byte[] rawBytes(Path absolute) {
        String escaped;
        try {
            escaped = absolute.toUri().getRawPath();
        } catch (RuntimeException e) {
            return null;
        }
        if (escaped == null) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(escaped.length());
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c == '%' && i + 2 < escaped.length()) {
                out.write(Integer.parseInt(escaped, i + 1, i + 3, 16));
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                return null;
            }
        }
        byte[] bytes = out.toByteArray();
        // toUri() ends a directory's path with '/'; the stored text names the path as given.
        int n = bytes.length;
        return n > 1 && bytes[n - 1] == '/' ? Arrays.copyOf(bytes, n - 1) : bytes;
    }

    private static Charset fileNameCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** {@code bytes} decoded, each byte the charset cannot decode written as {@code \xHH}. */
    static String decode(byte[] bytes, Charset charset) {
        CharsetDecoder decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 16);
        StringBuilder text = new StringBuilder(bytes.length + 16);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            text.append(out.flip());
            out.clear();
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) {
                    text.append(String.format(Locale.ROOT, "\\x%02X", in.get() & 0xff));
                }
            } else if (r.isUnderflow()) {
                break;
            }
        }
        decoder.flush(out);
        return text.append(out.flip()).toString();
    }
}
