package dev.sdembed.server.internal;

import java.awt.image.BufferedImage;

/** EXIF orientation (TIFF tag 274): how to turn the stored pixels so that the picture stands as it was taken. */
final class Orientation {
    private Orientation() {
    }

    /**
     * {@code image} turned for {@code orientation}: 1 as stored, 2 mirrored, 3 turned 180°, 4 flipped, 5 transposed,
     * 6 turned 90° clockwise, 7 transversed, 8 turned 90° counter-clockwise.
     */
    static BufferedImage apply(BufferedImage image, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        boolean swap = orientation >= 5;
        BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = image.getRGB(x, y);
                switch (orientation) {
                    case 2 -> out.setRGB(w - 1 - x, y, rgb);
                    case 3 -> out.setRGB(w - 1 - x, h - 1 - y, rgb);
                    case 4 -> out.setRGB(x, h - 1 - y, rgb);
                    case 5 -> out.setRGB(y, x, rgb);
                    case 6 -> out.setRGB(h - 1 - y, x, rgb);
                    case 7 -> out.setRGB(h - 1 - y, w - 1 - x, rgb);
                    default -> out.setRGB(y, w - 1 - x, rgb);
                }
            }
        }
        return out;
    }
}
