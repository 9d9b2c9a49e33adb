package dev.sdembed.cli.samples.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Encodes a {@link Canvas} as an 8-bit RGB PNG with text chunks placed before the image data, where AUTOMATIC1111
 * (through Pillow) and ComfyUI put theirs. Written chunk by chunk rather than through ImageIO so the chunk order and
 * the text encoding are exactly those of the front-ends: {@code tEXt} for ASCII text, {@code iTXt} (UTF-8,
 * uncompressed) otherwise, as Pillow's {@code PngInfo.add_text} chooses.
 */
public final class PngFile {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private PngFile() {
    }

    /** The PNG bytes of {@code canvas} with {@code texts} (keyword to text, in map order). */
    public static byte[] encode(Canvas canvas, Map<String, String> texts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIGNATURE);
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(canvas.width()).putInt(canvas.height())
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        texts.forEach((keyword, text) -> chunk(out, ascii(text) ? "tEXt" : "iTXt", textData(keyword, text)));
        chunk(out, "IDAT", deflate(scanlines(canvas)));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static byte[] textData(String keyword, String text) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(keyword.getBytes(StandardCharsets.ISO_8859_1));
        data.write(0);
        if (!ascii(text)) {
            // iTXt: compression flag, method, empty language tag and translated keyword.
            data.writeBytes(new byte[] {0, 0, 0, 0});
        }
        data.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        return data.toByteArray();
    }

    private static boolean ascii(String text) {
        return text.chars().allMatch(c -> c < 0x80);
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** Rows with the Paeth filter, which suits the flat areas and gradients of the pictures. */
    private static byte[] scanlines(Canvas canvas) {
        int stride = canvas.width() * 3;
        byte[] previous = new byte[stride];
        byte[] row = new byte[stride];
        ByteArrayOutputStream out = new ByteArrayOutputStream(canvas.height() * (stride + 1));
        for (int y = 0; y < canvas.height(); y++) {
            for (int x = 0; x < canvas.width(); x++) {
                int c = canvas.get(x, y);
                row[x * 3] = (byte) (c >> 16);
                row[x * 3 + 1] = (byte) (c >> 8);
                row[x * 3 + 2] = (byte) c;
            }
            out.write(4);
            for (int i = 0; i < stride; i++) {
                int a = i >= 3 ? row[i - 3] & 0xff : 0;
                int b = previous[i] & 0xff;
                int c = i >= 3 ? previous[i - 3] & 0xff : 0;
                out.write((row[i] & 0xff) - paeth(a, b, c));
            }
            byte[] t = previous;
            previous = row;
            row = t;
        }
        return out.toByteArray();
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[16384];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }
}
