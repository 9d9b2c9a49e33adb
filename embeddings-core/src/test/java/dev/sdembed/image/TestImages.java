package dev.sdembed.image;

import java.awt.image.Raster;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Builds test image files byte by byte, so each PNG colour type and bit depth, and CMYK/YCCK JPEGs, can be tested
 * without checked-in files.
 */
final class TestImages {

    private TestImages() {
    }

    /**
     * A PNG with the given IHDR colour type and bit depth; {@code samples} holds every sample of every row, in
     * order, already at the bit depth (palette indices for type 3).
     */
    static byte[] png(int width, int height, int bitDepth, int colorType, int[] samples, byte[] plte, byte[] trns) {
        int channels = switch (colorType) {
            case 0, 3 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> throw new IllegalArgumentException("colour type " + colorType);
        };
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        int perRow = width * channels;
        for (int y = 0; y < height; y++) {
            raw.write(0); // filter type None
            int bitBuffer = 0;
            int bits = 0;
            for (int i = 0; i < perRow; i++) {
                int v = samples[y * perRow + i];
                if (bitDepth == 16) {
                    raw.write(v >> 8);
                    raw.write(v & 0xff);
                } else if (bitDepth == 8) {
                    raw.write(v);
                } else {
                    bitBuffer = bitBuffer << bitDepth | v;
                    bits += bitDepth;
                    if (bits == 8) {
                        raw.write(bitBuffer);
                        bitBuffer = 0;
                        bits = 0;
                    }
                }
            }
            if (bits > 0) {
                raw.write(bitBuffer << (8 - bits));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth)
                .put((byte) colorType).put((byte) 0).put((byte) 0).put((byte) 0).array());
        if (plte != null) {
            chunk(out, "PLTE", plte);
        }
        if (trns != null) {
            chunk(out, "tRNS", trns);
        }
        chunk(out, "IDAT", deflate(raw.toByteArray()));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A PNG whose IHDR declares the given size, followed by an IDAT that is not zlib data. */
    static byte[] pngHeaderOnly(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", "definitely not zlib".getBytes(StandardCharsets.US_ASCII));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater();
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    /** A JPEG written by the JDK's own (libjpeg-based) writer at the given quality. */
    static byte[] jpeg(RenderedImage image, float quality) {
        return writeJpeg(new IIOImage(image, null, null), quality);
    }

    /**
     * A 4-component JPEG holding {@code raster}'s samples as stored: without an Adobe marker libjpeg (and so Pillow)
     * reads them as CMYK; with {@code adobeTransform} 0 as CMYK, with 2 as YCCK. The JDK writer does no colour
     * transform on rasters, so the stored values are exactly the raster's (up to JPEG rounding).
     */
    static byte[] fourComponentJpeg(Raster raster, int adobeTransform) {
        ImageWriter writer = jdkJpegWriter();
        try {
            IIOMetadata metadata = null;
            if (adobeTransform >= 0) {
                byte[] plain = writeJpeg(new IIOImage(raster, null, null), 1f);
                var reader = ImageIO.getImageReader(writer);
                try (var in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(plain))) {
                    reader.setInput(in);
                    metadata = reader.getImageMetadata(0);
                } finally {
                    reader.dispose();
                }
                Node root = metadata.getAsTree("javax_imageio_jpeg_image_1.0");
                Element sequence = (Element) ((Element) root).getElementsByTagName("markerSequence").item(0);
                IIOMetadataNode adobe = new IIOMetadataNode("app14Adobe");
                adobe.setAttribute("version", "100");
                adobe.setAttribute("flags0", "0");
                adobe.setAttribute("flags1", "0");
                adobe.setAttribute("transform", String.valueOf(adobeTransform));
                sequence.insertBefore(adobe, sequence.getFirstChild());
                metadata.setFromTree("javax_imageio_jpeg_image_1.0", root);
            }
            return writeJpeg(new IIOImage(raster, null, metadata), 1f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
    }

    private static byte[] writeJpeg(IIOImage image, float quality) {
        ImageWriter writer = jdkJpegWriter();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.setOutput(out);
            writer.write(null, image, param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static ImageWriter jdkJpegWriter() {
        for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
            ImageWriter writer = it.next();
            if (writer.getClass().getName().startsWith("com.sun.")) {
                return writer;
            }
            writer.dispose();
        }
        throw new IllegalStateException("The JDK's JPEG writer is not registered");
    }
}
