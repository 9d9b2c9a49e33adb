package dev.sdembed.cli.samples.internal;

import java.util.Random;

/**
 * The procedural pictures of the sample library, one painter per subject. Each picture is drawn from the image's
 * seed, so another seed gives another picture of the same subject (other positions, sizes and shades).
 */
public final class Pictures {
    private Pictures() {
    }

    /** Paints {@code subject} (a {@code Subject} id of the sample library) on {@code canvas}. */
    public static void paint(String subject, Canvas c, long seed) {
        Random r = new Random(seed);
        switch (subject) {
            case "castle" -> castle(c, r);
            case "fox" -> fox(c, r);
            case "astronaut" -> astronaut(c, r);
            case "fruit" -> fruit(c, r);
            case "lighthouse" -> lighthouse(c, r);
            case "blossoms" -> blossoms(c, r);
            case "city" -> city(c, r);
            case "mountains" -> mountains(c, r);
            default -> throw new IllegalArgumentException("No painter for subject '" + subject + "'");
        }
    }

    private static double between(Random r, double from, double to) {
        return from + (to - from) * r.nextDouble();
    }

    /** {@code color} with each channel moved by up to {@code amount}. */
    private static int jitter(int color, Random r, int amount) {
        int out = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            int v = (color >> shift & 0xff) + r.nextInt(2 * amount + 1) - amount;
            out |= Math.max(0, Math.min(255, v)) << shift;
        }
        return out;
    }

    private static void castle(Canvas c, Random r) {
        int w = c.width();
        int h = c.height();
        c.verticalGradient(0, h, jitter(0x0b1026, r, 8), jitter(0x2a3a6b, r, 12));
        for (int i = 0; i < 70; i++) {
            c.set(r.nextInt(w), r.nextInt(h * 6 / 10), r.nextBoolean() ? 0xffffff : 0xfff4c0);
        }
        double mx = between(r, 0.15, 0.85) * w;
        double my = between(r, 0.12, 0.3) * h;
        c.ellipse(mx, my, w * 0.13, w * 0.13, 0xf4f1d0, 0.12);
        c.circle(mx, my, w * 0.07, 0xf4f1d0);
        c.ellipse(w / 2.0 + between(r, -20, 20), h * 1.05, w * 0.8, h * 0.35, 0x141a2e);
        double left = w * between(r, 0.25, 0.33);
        double right = w * between(r, 0.67, 0.75);
        double top = h * between(r, 0.48, 0.55);
        int stone = 0x0a0d18;
        c.rect(left, top, right, h * 0.8, stone);
        for (double x = left; x < right; x += 10) {
            c.rect(x, top - 6, x + 5, top, stone);
        }
        double towerW = w * 0.09;
        for (double tx : new double[] {left - towerW / 2, right - towerW / 2, (left + right) / 2 - towerW / 2}) {
            double towerTop = top - h * between(r, 0.1, 0.2);
            c.rect(tx, towerTop, tx + towerW, h * 0.8, stone);
            c.triangle(tx - 3, towerTop, tx + towerW + 3, towerTop, tx + towerW / 2, towerTop - h * 0.09, stone);
        }
        for (int i = 0; i < 7; i++) {
            double x = between(r, left + 4, right - 8);
            double y = between(r, top + 6, h * 0.74);
            c.rect(x, y, x + 3, y + 5, 0xffc857);
        }
    }

    private static void fox(Canvas c, Random r) {
        int w = c.width();
        int h = c.height();
        double horizon = h * between(r, 0.5, 0.62);
        c.verticalGradient(0, (int) horizon, jitter(0xb8c7da, r, 10), 0xf3f6fa);
        c.verticalGradient((int) horizon, h, 0xf7f9fc, jitter(0xd5dfeb, r, 6));
        for (int i = 0; i < 9; i++) {
            double x = between(r, 0, w);
            double size = between(r, 12, 26);
            c.triangle(x - size / 2, horizon, x + size / 2, horizon, x, horizon - size * 1.8, 0x2f4a3a);
        }
        double cx = w * between(r, 0.35, 0.65);
        double cy = h * between(r, 0.68, 0.76);
        int fur = jitter(0xd35f1e, r, 12);
        c.ellipse(cx, cy + h * 0.09, w * 0.2, h * 0.03, 0xc9d4e2);
        boolean facingRight = r.nextBoolean();
        double dir = facingRight ? 1 : -1;
        c.ellipse(cx - dir * w * 0.2, cy + 4, w * 0.12, h * 0.045, fur);
        c.circle(cx - dir * w * 0.3, cy + 6, w * 0.035, 0xffffff);
        for (double lx : new double[] {-0.1, -0.04, 0.04, 0.1}) {
            c.rect(cx + lx * w - 2, cy + h * 0.04, cx + lx * w + 2, cy + h * 0.09, 0x3b2416);
        }
        c.ellipse(cx, cy, w * 0.15, h * 0.075, fur);
        double hx = cx + dir * w * 0.15;
        double hy = cy - h * 0.07;
        c.circle(hx, hy, w * 0.06, fur);
        c.triangle(hx - 12, hy - 6, hx - 3, hy - 6, hx - 9, hy - 24, fur);
        c.triangle(hx + 3, hy - 6, hx + 12, hy - 6, hx + 9, hy - 24, fur);
        c.triangle(hx + dir * 10, hy - 4, hx + dir * 10, hy + 8, hx + dir * 26, hy + 4, 0xf2e6d8);
        c.circle(hx + dir * 4, hy - 3, 2, 0x1a1a1a);
        for (int i = 0; i < 90; i++) {
            c.set(r.nextInt(w), r.nextInt(h), 0xffffff);
        }
    }

    private static void astronaut(Canvas c, Random r) {
        int w = c.width();
        int h = c.height();
        c.verticalGradient(0, h, jitter(0x0d0d1a, r, 6), jitter(0x26264d, r, 14));
        for (int i = 0; i < 40; i++) {
            c.set(r.nextInt(w), r.nextInt(h), 0xdde6ff);
        }
        double cx = w / 2.0 + between(r, -10, 10);
        double cy = h * between(r, 0.4, 0.48);
        double radius = w * between(r, 0.27, 0.32);
        c.ellipse(cx, h * 1.0, w * 0.48, h * 0.24, 0xe8e8e8);
        c.rect(cx - w * 0.4, h * 0.86, cx - w * 0.28, h * 0.92, jitter(0xff7a00, r, 20));
        c.circle(cx, cy, radius, 0xf0f0f0);
        c.ellipse(cx, cy + radius * 0.05, radius * 0.78, radius * 0.62, jitter(0x1b2a4a, r, 10));
        c.ellipse(cx - radius * 0.3, cy - radius * 0.2, radius * 0.22, radius * 0.12, 0x6fa8dc, 0.8);
        c.ellipse(cx + radius * 0.25, cy + radius * 0.25, radius * 0.3, radius * 0.08, 0xffb36b, 0.35);
    }

    private static void fruit(Canvas c, Random r) {
        int w = c.width();
        int h = c.height();
        double tableTop = h * between(r, 0.6, 0.68);
        c.verticalGradient(0, (int) tableTop, jitter(0xe9d8b4, r, 10), 0xcfb98f);
        c.verticalGradient((int) tableTop, h, jitter(0x7a4a26, r, 10), 0x4e2e16);
        double bx = w * between(r, 0.4, 0.6);
        double by = tableTop + h * 0.04;
        double bw = w * 0.3;
        int[] fruits = {0xc0392b, 0xe67e22, 0x9acd32, 0xf1c40f, 0xa93226};
        for (int i = 0; i < 6; i++) {
            int color = jitter(fruits[r.nextInt(fruits.length)], r, 10);
            double fx = bx + between(r, -0.7, 0.7) * bw;
            double fy = by - between(r, 0.02, 0.14) * h;
            double fr = w * between(r, 0.06, 0.09);
            c.circle(fx, fy, fr, color);
            c.circle(fx - fr * 0.35, fy - fr * 0.35, fr * 0.25, 0xffffff);
        }
        for (int i = 0; i < 8; i++) {
            c.circle(bx + bw * 0.6 + between(r, -8, 8), by - h * 0.05 + between(r, -8, 8), 5, 0x6c3483);
        }
        c.lowerHalfEllipse(bx, by, bw, h * 0.13, jitter(0xf2efe6, r, 6));
        c.ellipse(bx, by, bw, h * 0.02, 0xd8d2c4);
    }

    private static void lighthouse(Canvas c, Random r) {
        int w = c.width();
        int h = c.height();
        double horizon = h * between(r, 0.58, 0.66);
        c.verticalGradient(0, (int) horizon, jitter(0xff7e5f, r, 15), jitter(0xfeb47b, r, 10));
        double sx = w * between(r, 0.2, 0.5);
        c.circle(sx, horizon, w * 0.1, 0xffd27f);
        c.verticalGradient((int) horizon, h, jitter(0x2c3e70, r, 10), 0x1b2845);
        for (int i = 0; i < 12; i++) {
            double y = horizon + 4 + i * 5;
            double half = w * 0.08 * (1 - i / 14.0);
            c.rect(sx - half, y, sx + half, y + 1, 0xffd27f, 0.6);
        }
        double lx = w * between(r, 0.62, 0.78);
        c.ellipse(lx, horizon + h * 0.06, w * 0.2, h * 0.08, 0x2d2a26);
        double base = horizon + h * 0.02;
        double tower = h * between(r, 0.42, 0.5);
        int stripes = 6;
        for (int i = 0; i < stripes; i++) {
            double y0 = base - tower * i / stripes;
            double y1 = base - tower * (i + 1) / stripes;
            double half0 = w * (0.06 - 0.025 * i / stripes);
            double half1 = w * (0.06 - 0.025 * (i + 1) / stripes);
            c.quad(lx - half0, y0, lx + half0, y0, lx + half1, y1, lx - half1, y1, i % 2 == 0 ? 0xd62828 : 0xf7f7f7);
        }
        double top = base - tower;
        c.rect(lx - w * 0.04, top - 14, lx + w * 0.04, top, 0x333333);
        c.ellipse(lx, top - 7, w * 0.12, 10, 0xfff3b0, 0.3);
        c.rect(lx - w * 0.025, top - 12, lx + w * 0.025, top - 3, 0xfff3b0);
        c.triangle(lx - w * 0.05, top - 14, lx + w * 0.05, top - 14, lx, top - 26, 0x222222);
    }

    private static void blossoms(Canvas c, Random r) {
        int w = c.width();
        int h = c.height();
        c.verticalGradient(0, h, jitter(0x87ceeb, r, 12), 0xe0f4ff);
        c.rect(0, h * 0.82, w, h, jitter(0x9ccc65, r, 10));
        int trees = 2 + r.nextInt(2);
        int[] pinks = {0xf8bbd0, 0xf48fb1, 0xfce4ec, 0xf06292};
        for (int t = 0; t < trees; t++) {
            double tx = w * (t + 0.5) / trees + between(r, -12, 12);
            c.quad(tx - 6, h * 0.85, tx + 6, h * 0.85, tx + 3, h * 0.4, tx - 3, h * 0.4, 0x5d4037);
            double crown = h * between(r, 0.25, 0.35);
            for (int i = 0; i < 70; i++) {
                double angle = r.nextDouble() * Math.PI * 2;
                double dist = Math.sqrt(r.nextDouble()) * w * 0.22;
                c.circle(tx + Math.cos(angle) * dist, crown + Math.sin(angle) * dist * 0.7,
                        between(r, 3, 8), pinks[r.nextInt(pinks.length)]);
            }
        }
        for (int i = 0; i < 60; i++) {
            c.circle(r.nextInt(w), r.nextInt(h), 1.5, 0xf8bbd0);
        }
    }

    private static void city(Canvas c, Random r) {
        int w = c.width();
        int h = c.height();
        c.verticalGradient(0, h, jitter(0x1a0b2e, r, 8), jitter(0x3d1a5b, r, 12));
        double street = h * 0.84;
        double x = -5;
        while (x < w) {
            double bw = between(r, 22, 44);
            double top = h * between(r, 0.1, 0.5);
            c.rect(x, top, x + bw, street, jitter(0x160d26, r, 8));
            for (double wy = top + 5; wy < street - 8; wy += 9) {
                for (double wx = x + 4; wx < x + bw - 5; wx += 7) {
                    if (r.nextInt(3) == 0) {
                        c.rect(wx, wy, wx + 3, wy + 4, r.nextBoolean() ? 0xffd166 : 0x4cc9f0);
                    }
                }
            }
            if (r.nextInt(2) == 0) {
                double ny = between(r, top + 10, street - 30);
                c.rect(x + 3, ny, x + bw - 3, ny + 6, r.nextBoolean() ? 0xff2e88 : 0x00f0ff);
            }
            x += bw + between(r, 1, 6);
        }
        c.verticalGradient((int) street, h, 0x0b0b14, 0x15152a);
        for (int i = 0; i < 14; i++) {
            double rx = r.nextInt(w);
            c.rect(rx, street + 2, rx + 2, h, r.nextBoolean() ? 0xff2e88 : 0x00f0ff, 0.35);
        }
        for (int i = 0; i < 160; i++) {
            double rx = r.nextInt(w + 20) - 10;
            double ry = r.nextInt(h);
            c.line(rx, ry, rx - 3, ry + 9, 0x9aa5c4, 0.45);
        }
    }

    private static void mountains(Canvas c, Random r) {
        int w = c.width();
        int h = c.height();
        double shore = h * between(r, 0.58, 0.66);
        c.verticalGradient(0, (int) shore, jitter(0x4a90d9, r, 14), 0xcfe8ff);
        c.verticalGradient((int) shore, h, jitter(0x2f6f8f, r, 10), 0x1d4e66);
        int peaks = 3 + r.nextInt(2);
        for (int i = 0; i < peaks; i++) {
            double px = w * (i + 0.5) / peaks + between(r, -20, 20);
            double height = h * between(r, 0.3, 0.5);
            double half = w * between(r, 0.22, 0.32);
            int rock = i % 2 == 0 ? 0x5b6b7f : 0x46556a;
            c.triangle(px - half, shore, px + half, shore, px, shore - height, rock);
            c.triangle(px - half * 0.28, shore - height * 0.72, px + half * 0.28, shore - height * 0.72, px,
                    shore - height, 0xf5f7fa);
            c.triangle(px - half, shore, px + half, shore, px, shore + height * 0.6, rock, 0.35);
        }
        c.ellipse(w * between(r, 0.1, 0.9), h * 1.02, w * 0.45, h * 0.12, jitter(0x3e6b35, r, 10));
    }
}
