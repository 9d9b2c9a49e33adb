package dev.sdembed.metadata.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/** Byte-to-text decoding and bounded decompression shared by the containers. */
final class Texts {

    private Texts() {
    }

    /** Raised when decompressed text would exceed the limit; the inflater stops at the limit. */
    static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;

        TooLargeException(String message) {
            super(message);
        }
    }

    /**
     * UTF-8 when the bytes are valid UTF-8, else ISO-8859-1. PNG tEXt is Latin-1 by specification, but TensorArt,
     * Stability Matrix and others write UTF-8 into it; valid UTF-8 is almost never intended Latin-1.
     */
    static String utf8OrLatin1(byte[] bytes, int offset, int length) {
        String utf8 = strictUtf8(bytes, offset, length);
        return utf8 != null ? utf8 : new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }

    /** The text if {@code bytes} are valid UTF-8, else null. */
    static String strictUtf8(byte[] bytes, int offset, int length) {
        if (isAscii(bytes, offset, length)) {
            // The common case (JSON escapes non-ASCII): a plain copy instead of a checked decode.
            return new String(bytes, offset, length, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean isAscii(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Inflates zlib data ({@code gzip} false) or a gzip member ({@code gzip} true), never producing more than
     * {@code maxBytes}.
     *
     * @throws IOException for corrupt or truncated data
     * @throws TooLargeException past {@code maxBytes}
     */
    static byte[] inflate(byte[] data, int offset, int length, boolean gzip, int maxBytes)
            throws IOException, TooLargeException {
        InputStream compressed = new ByteArrayInputStream(data, offset, length);
        try (InputStream in = gzip ? new GZIPInputStream(compressed) : new InflaterInputStream(compressed)) {
            byte[] out = in.readNBytes(maxBytes);
            if (out.length == maxBytes && in.read() >= 0) {
                throw new TooLargeException("decompresses to more than " + maxBytes + " bytes");
            }
            return out;
        }
    }

    /** Index of the first NUL in {@code bytes[from, to)}, or -1. */
    static int indexOfNul(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
