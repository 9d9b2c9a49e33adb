package dev.sdembed.cli.samples.internal;

/**
 * An RGB pixel canvas with a few filled shapes, drawn by plain arithmetic on pixel centres (no antialiasing, no
 * Java2D), so the same calls give the same pixels on every JVM and platform: the sample library is reproducible to
 * the byte.
 */
public final class Canvas {
    private final int width;
    private final int height;
    private final int[] rgb;

    public Canvas(int width, int height) {
        this.width = width;
        this.height = height;
        this.rgb = new int[width * height];
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The pixel at (x, y) as 0xRRGGBB. */
    public int get(int x, int y) {
        return rgb[y * width + x];
    }

    public void set(int x, int y, int color) {
        if (x >= 0 && y >= 0 && x < width && y < height) {
            rgb[y * width + x] = color & 0xffffff;
        }
    }

    /** Blends {@code color} over the pixel with opacity {@code alpha} in [0, 1]. */
    public void blend(int x, int y, int color, double alpha) {
        if (x >= 0 && y >= 0 && x < width && y < height) {
            rgb[y * width + x] = mix(rgb[y * width + x], color, alpha);
        }
    }

    /** A vertical gradient from {@code top} at row y0 to {@code bottom} at row y1 (exclusive), full width. */
    public void verticalGradient(int y0, int y1, int top, int bottom) {
        for (int y = Math.max(0, y0); y < Math.min(height, y1); y++) {
            int c = mix(top, bottom, y1 - y0 <= 1 ? 0 : (double) (y - y0) / (y1 - y0 - 1));
            for (int x = 0; x < width; x++) {
                rgb[y * width + x] = c;
            }
        }
    }

    public void rect(double x0, double y0, double x1, double y1, int color) {
        rect(x0, y0, x1, y1, color, 1);
    }

    public void rect(double x0, double y0, double x1, double y1, int color, double alpha) {
        for (int y = first(y0); y < last(y1, height); y++) {
            for (int x = first(x0); x < last(x1, width); x++) {
                blend(x, y, color, alpha);
            }
        }
    }

    public void ellipse(double cx, double cy, double rx, double ry, int color) {
        ellipse(cx, cy, rx, ry, color, 1);
    }

    public void ellipse(double cx, double cy, double rx, double ry, int color, double alpha) {
        for (int y = first(cy - ry); y < last(cy + ry, height); y++) {
            for (int x = first(cx - rx); x < last(cx + rx, width); x++) {
                double dx = (x + 0.5 - cx) / rx;
                double dy = (y + 0.5 - cy) / ry;
                if (dx * dx + dy * dy <= 1) {
                    blend(x, y, color, alpha);
                }
            }
        }
    }

    /** The half of an ellipse below its centre line, e.g. a bowl. */
    public void lowerHalfEllipse(double cx, double cy, double rx, double ry, int color) {
        for (int y = first(cy); y < last(cy + ry, height); y++) {
            for (int x = first(cx - rx); x < last(cx + rx, width); x++) {
                double dx = (x + 0.5 - cx) / rx;
                double dy = (y + 0.5 - cy) / ry;
                if (y + 0.5 >= cy && dx * dx + dy * dy <= 1) {
                    set(x, y, color);
                }
            }
        }
    }

    public void circle(double cx, double cy, double r, int color) {
        ellipse(cx, cy, r, r, color, 1);
    }

    public void triangle(double ax, double ay, double bx, double by, double cx, double cy, int color) {
        triangle(ax, ay, bx, by, cx, cy, color, 1);
    }

    public void triangle(double ax, double ay, double bx, double by, double cx, double cy, int color, double alpha) {
        double minX = Math.min(ax, Math.min(bx, cx));
        double maxX = Math.max(ax, Math.max(bx, cx));
        double minY = Math.min(ay, Math.min(by, cy));
        double maxY = Math.max(ay, Math.max(by, cy));
        for (int y = first(minY); y < last(maxY, height); y++) {
            for (int x = first(minX); x < last(maxX, width); x++) {
                double px = x + 0.5;
                double py = y + 0.5;
                double e0 = edge(ax, ay, bx, by, px, py);
                double e1 = edge(bx, by, cx, cy, px, py);
                double e2 = edge(cx, cy, ax, ay, px, py);
                if ((e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0)) {
                    blend(x, y, color, alpha);
                }
            }
        }
    }

    /** A quadrilateral with corners in order (as two triangles). */
    public void quad(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy,
                     int color) {
        triangle(ax, ay, bx, by, cx, cy, color);
        triangle(ax, ay, cx, cy, dx, dy, color);
    }

    /** A straight stroke one pixel wide, stepped along its longer axis. */
    public void line(double x0, double y0, double x1, double y1, int color, double alpha) {
        int steps = (int) Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)));
        for (int i = 0; i <= steps; i++) {
            double t = steps == 0 ? 0 : (double) i / steps;
            blend((int) Math.floor(x0 + (x1 - x0) * t), (int) Math.floor(y0 + (y1 - y0) * t), color, alpha);
        }
    }

    /** Adds {@code delta} to every channel (clamped), tinting red by {@code warm} more: a light retouch. */
    public void retouch(int delta, int warm) {
        for (int i = 0; i < rgb.length; i++) {
            int c = rgb[i];
            rgb[i] = clamp((c >> 16 & 0xff) + delta + warm) << 16 | clamp((c >> 8 & 0xff) + delta) << 8
                    | clamp((c & 0xff) + delta - warm);
        }
    }

    /** {@code a} blended towards {@code b} by {@code t} in [0, 1], per channel, rounded. */
    public static int mix(int a, int b, double t) {
        int r = (int) Math.round((a >> 16 & 0xff) * (1 - t) + (b >> 16 & 0xff) * t);
        int g = (int) Math.round((a >> 8 & 0xff) * (1 - t) + (b >> 8 & 0xff) * t);
        int bl = (int) Math.round((a & 0xff) * (1 - t) + (b & 0xff) * t);
        return clamp(r) << 16 | clamp(g) << 8 | clamp(bl);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static double edge(double ax, double ay, double bx, double by, double px, double py) {
        return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
    }

    private static int first(double from) {
        return Math.max(0, (int) Math.floor(from));
    }

    private static int last(double to, int limit) {
        return Math.min(limit, (int) Math.ceil(to) + 1);
    }
}
