package dev.sdembed.testing;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;

/** Image files written by ImageIO for encoder tests and benchmarks: seeded patterns, plus deliberately bad files. */
public final class TestImageFiles {

    private TestImageFiles() {
    }

    /** A {@code width x height} image of smooth seeded colour waves with some noise, as PNG or JPEG ("png"/"jpg"). */
    public static Path pattern(Path file, int width, int height, long seed, String format) {
        Random random = new Random(seed);
        double fx = 0.01 + random.nextDouble() * 0.1;
        double fy = 0.01 + random.nextDouble() * 0.1;
        double phase = random.nextDouble() * Math.PI;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = clamp(128 + 100 * Math.sin(x * fx + phase) + random.nextInt(20));
                int g = clamp(128 + 100 * Math.cos(y * fy) + random.nextInt(20));
                int b = clamp(128 + 100 * Math.sin((x + y) * (fx + fy) / 2 + phase));
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return write(image, format, file);
    }

    /**
     * A {@code width x height} picture with structure, as pictures have and the smooth {@link #pattern} lacks: a seeded
     * gradient sky over a horizon, with a dozen filled ellipses and rectangles of seeded sizes, places and colours. Two
     * seeds give two different pictures (their pixel hashes far apart), as PNG or JPEG ("png"/"jpg").
     */
    public static Path picture(Path file, int width, int height, long seed, String format) {
        return write(drawPicture(width, height, seed), format, file);
    }

    /** The pixels {@link #picture} writes. */
    public static BufferedImage drawPicture(int width, int height, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING, java.awt.RenderingHints.VALUE_ANTIALIAS_ON);
        int horizon = height / 3 + random.nextInt(height / 3);
        g.setPaint(new java.awt.GradientPaint(0, 0, new java.awt.Color(random.nextInt(0xffffff)), 0, horizon,
                new java.awt.Color(random.nextInt(0xffffff))));
        g.fillRect(0, 0, width, horizon);
        g.setPaint(new java.awt.GradientPaint(0, horizon, new java.awt.Color(random.nextInt(0xffffff)), width, height,
                new java.awt.Color(random.nextInt(0xffffff))));
        g.fillRect(0, horizon, width, height - horizon);
        for (int i = 0; i < 12; i++) {
            g.setColor(new java.awt.Color(random.nextInt(0xffffff)));
            int w = width / 10 + random.nextInt(width / 3);
            int h = height / 10 + random.nextInt(height / 3);
            int x = random.nextInt(width) - w / 2;
            int y = random.nextInt(height) - h / 2;
            if (random.nextBoolean()) {
                g.fillOval(x, y, w, h);
            } else {
                g.fillRect(x, y, w, h);
            }
        }
        g.dispose();
        return image;
    }

    /** Writes {@code image} as {@code format} ("png", "jpg" or "jpeg") to {@code file}. */
    public static Path write(BufferedImage image, String format, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (!ImageIO.write(image, format, file.toFile())) {
                throw new IllegalArgumentException("No ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * {@code image} written as {@code format} ("png", "jpeg", "webp" where a writer exists) without metadata, at
     * {@code quality}: for JPEG 0 to 1, for PNG 0 compresses most; below 0 the writer's default.
     */
    public static Path writeAs(BufferedImage image, String format, float quality, Path file) {
        javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
        if (quality >= 0) {
            param.setCompressionMode(javax.imageio.ImageWriteParam.MODE_EXPLICIT);
            if (param.getCompressionTypes() != null && param.getCompressionType() == null) {
                param.setCompressionType(param.getCompressionTypes()[0]);
            }
            param.setCompressionQuality(quality);
        }
        try (javax.imageio.stream.ImageOutputStream out = ImageIO.createImageOutputStream(Files.newOutputStream(file))) {
            writer.setOutput(out);
            writer.write(null, new javax.imageio.IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return file;
    }

    /** {@code image} at half its width and height, resampled with {@code interpolation} (a RenderingHints value). */
    public static BufferedImage halfSize(BufferedImage image, Object interpolation) {
        BufferedImage out = new BufferedImage(image.getWidth() / 2, image.getHeight() / 2, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = out.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, interpolation);
        g.drawImage(image, 0, 0, out.getWidth(), out.getHeight(), null);
        g.dispose();
        return out;
    }

    /** The first {@code fraction} of {@code source}'s bytes: a download that stopped early. */
    public static Path truncated(Path source, Path file, double fraction) {
        try {
            byte[] bytes = Files.readAllBytes(source);
            return Files.write(file, Arrays.copyOf(bytes, (int) (bytes.length * fraction)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file of {@code length} seeded random bytes. */
    public static Path garbage(Path file, int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        try {
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
