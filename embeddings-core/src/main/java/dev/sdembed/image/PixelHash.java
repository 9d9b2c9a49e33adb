package dev.sdembed.image;

import dev.sdembed.InvalidInputException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A 64-bit perceptual hash of an image's pixels: the same picture re-encoded (PNG, JPEG, WebP), resized or stripped of
 * its metadata hashes alike (a few bits apart at most), different pictures about 32 bits apart, and identical pixels
 * always to the same value. It is the DCT hash ("pHash", as the Python {@code imagehash} library defines it) of the
 * image's luma ({@code 0.299 R + 0.587 G + 0.114 B}) area-averaged to 32 x 32: the 8 x 8 DCT coefficients of
 * frequencies 1 to 8 in each direction, each bit set when its coefficient is above their median. Frequency 0 (the
 * mean brightness of each row or column) is left out: it moves with brightness and with nothing that makes two
 * pictures different, and leaving it out kept apart same-subject pictures the DC terms had put 6 bits apart while
 * re-encoded, resized and stripped copies stayed within 6 (measured on the sample library).
 *
 * <p>Deterministic everywhere: the cosine tables come from {@link StrictMath} and the rest is IEEE arithmetic, so two
 * machines hash one file alike. A value: equal when the bits are.
 *
 * <p>Compared by Hamming distance ({@link #distance}). Stores find near pairs through its four 16-bit
 * {@linkplain #band bands}: two hashes at most 3 bits apart agree exactly in at least one band, at most 7 bits apart
 * in one band up to one bit (pigeonhole), so a search probes a few buckets per image instead of comparing all pairs.
 *
 * @param bits the 64 bits; bit 63 is the coefficient of frequency (1, 1), then row by row to (8, 8) in bit 0
 */
public record PixelHash(long bits) {
    /** Bands a hash is split into for bucketed search. */
    public static final int BANDS = 4;
    /** Bits per band. */
    public static final int BAND_BITS = Long.SIZE / BANDS;

    private static final int SIDE = 32;
    /** Below this a coefficient is rounding (cells are at most 255, a coefficient sums 1,024 of them). */
    private static final double ROUNDING = 1e-6;
    private static final int FREQUENCIES = 8;
    /** {@code COS[f][i]}: the DCT-II basis of frequency {@code f + 1} at sample {@code i} of {@link #SIDE}. */
    private static final double[][] COS = new double[FREQUENCIES][SIDE];
    /**
     * The luma weights times each byte value: {@code RED[v] == 0.299 * v} exactly, so a pixel's luma is computed from
     * three loads instead of three multiplications, to the same bits.
     */
    private static final double[] RED = new double[256];
    private static final double[] GREEN = new double[256];
    private static final double[] BLUE = new double[256];

    static {
        for (int v = 0; v < 256; v++) {
            RED[v] = 0.299 * v;
            GREEN[v] = 0.587 * v;
            BLUE[v] = 0.114 * v;
        }
        for (int f = 0; f < FREQUENCIES; f++) {
            for (int i = 0; i < SIDE; i++) {
                COS[f][i] = StrictMath.cos((2 * i + 1) * (f + 1) * StrictMath.PI / (2 * SIDE));
            }
        }
    }

    /** The hash of {@code image}'s pixels. */
    public static PixelHash of(RgbImage image) {
        return of(image, true);
    }

    /** With {@code unrolled} false, every pixel takes the general path of {@link #lumaCells}: for the tests. */
    static PixelHash of(RgbImage image, boolean unrolled) {
        Objects.requireNonNull(image, "image");
        double[] cells = lumaCells(image, unrolled);
        // DCT of the 32 x 32 cells at frequencies 1..8, separably: rows first, then columns.
        double[] rows = new double[SIDE * FREQUENCIES];
        for (int y = 0; y < SIDE; y++) {
            for (int v = 0; v < FREQUENCIES; v++) {
                double sum = 0;
                for (int x = 0; x < SIDE; x++) {
                    sum += cells[y * SIDE + x] * COS[v][x];
                }
                rows[y * FREQUENCIES + v] = sum;
            }
        }
        double[] coefficients = new double[FREQUENCIES * FREQUENCIES];
        for (int u = 0; u < FREQUENCIES; u++) {
            for (int v = 0; v < FREQUENCIES; v++) {
                double sum = 0;
                for (int y = 0; y < SIDE; y++) {
                    sum += COS[u][y] * rows[y * FREQUENCIES + v];
                }
                // A flat image's coefficients are 0 up to rounding, whose signs would pick its bits at random.
                coefficients[u * FREQUENCIES + v] = Math.abs(sum) < ROUNDING ? 0 : sum;
            }
        }
        double[] sorted = coefficients.clone();
        java.util.Arrays.sort(sorted);
        double median = (sorted[31] + sorted[32]) / 2;
        long bits = 0;
        for (double c : coefficients) {
            bits = bits << 1 | (c > median ? 1 : 0);
        }
        return new PixelHash(bits);
    }

    /**
     * The luma of {@code image} averaged over a 32 x 32 grid of equal areas (each source pixel weighted by the part of
     * it a cell covers), so a half-size copy averages to nearly the same cells.
     */
    private static double[] lumaCells(RgbImage image, boolean unrolled) {
        int w = image.width();
        int h = image.height();
        byte[] rgb = image.buffer();
        Overlap columns = Overlap.of(w);
        Overlap rows = Overlap.of(h);
        double[] cells = new double[SIDE * SIDE];
        double[] line = new double[SIDE];
        for (int y = 0; y < h; y++) {
            java.util.Arrays.fill(line, 0);
            int p = y * w * 3;
            if (unrolled && columns.atMostTwo) {
                // The same sums in the same order as spread() below, unrolled for the common case: a pixel no wider
                // than a cell overlaps one cell or two neighbours (~0.4 of the hash's time before, at 256 x 256).
                int[] first = columns.firstCell;
                double[] w1 = columns.firstWeight;
                double[] w2 = columns.secondWeight;
                for (int x = 0; x < w; x++, p += 3) {
                    double luma = RED[rgb[p] & 0xff] + GREEN[rgb[p + 1] & 0xff] + BLUE[rgb[p + 2] & 0xff];
                    int c = first[x];
                    line[c] += w1[x] * luma;
                    if (w2[x] != 0) {
                        line[c + 1] += w2[x] * luma;
                    }
                }
            } else {
                for (int x = 0; x < w; x++, p += 3) {
                    double luma = RED[rgb[p] & 0xff] + GREEN[rgb[p + 1] & 0xff] + BLUE[rgb[p + 2] & 0xff];
                    columns.spread(x, luma, line, 0);
                }
            }
            for (int k = rows.start[y]; k < rows.start[y + 1]; k++) {
                int cy = rows.cell[k];
                double wy = rows.weight[k];
                for (int cx = 0; cx < SIDE; cx++) {
                    cells[cy * SIDE + cx] += wy * line[cx];
                }
            }
        }
        double area = (double) w * h / (SIDE * SIDE);
        for (int i = 0; i < cells.length; i++) {
            cells[i] /= area;
        }
        return cells;
    }

    /**
     * For each source pixel along one axis of {@code n} pixels, the grid cells it overlaps and by how much: cell
     * {@code c} spans source coordinates {@code [c n / 32, (c + 1) n / 32)}.
     */
    private static final class Overlap {
        final int[] start;
        final int[] cell;
        final double[] weight;
        /** Whether every source pixel overlaps at most two cells (true when there are at least 32 of them). */
        final boolean atMostTwo;
        /** Per source pixel: its first cell, that overlap's weight, and the next cell's weight (0: none). */
        final int[] firstCell;
        final double[] firstWeight;
        final double[] secondWeight;

        private Overlap(int[] start, int[] cell, double[] weight) {
            this.start = start;
            this.cell = cell;
            this.weight = weight;
            int n = start.length - 1;
            boolean two = true;
            firstCell = new int[n];
            firstWeight = new double[n];
            secondWeight = new double[n];
            for (int s = 0; s < n; s++) {
                int count = start[s + 1] - start[s];
                two &= count >= 1 && count <= 2 && (count == 1 || cell[start[s] + 1] == cell[start[s]] + 1);
                if (count >= 1) {
                    firstCell[s] = cell[start[s]];
                    firstWeight[s] = weight[start[s]];
                    secondWeight[s] = count == 2 ? weight[start[s] + 1] : 0;
                }
            }
            this.atMostTwo = two;
        }

        static Overlap of(int n) {
            int[] start = new int[n + 1];
            int[] cell = new int[n + SIDE];
            double[] weight = new double[n + SIDE];
            int k = 0;
            for (int s = 0; s < n; s++) {
                start[s] = k;
                // In units of 1/n of a cell width: source pixel s covers [s * 32, (s + 1) * 32), cell c [c n, (c+1) n).
                long from = (long) s * SIDE;
                long to = from + SIDE;
                for (int c = (int) (from / n); c < SIDE && (long) c * n < to; c++) {
                    long overlap = Math.min(to, (long) (c + 1) * n) - Math.max(from, (long) c * n);
                    if (overlap > 0) {
                        cell[k] = c;
                        weight[k] = overlap / (double) SIDE;
                        k++;
                    }
                }
            }
            start[n] = k;
            return new Overlap(start, cell, weight);
        }

        void spread(int s, double value, double[] into, int offset) {
            for (int k = start[s]; k < start[s + 1]; k++) {
                into[offset + cell[k]] += weight[k] * value;
            }
        }
    }

    /** The number of bits in which this hash and {@code other} differ, 0 to 64. */
    public int distance(PixelHash other) {
        return Long.bitCount(bits ^ other.bits);
    }

    /** Band {@code i} (0 to 3) of the bits, as an unsigned 16-bit value: band 0 holds bits 63 to 48. */
    public int band(int i) {
        if (i < 0 || i >= BANDS) {
            throw new InvalidInputException("Pixel hash band is " + i + "; expected 0 to " + (BANDS - 1));
        }
        return (int) (bits >>> (Long.SIZE - BAND_BITS * (i + 1))) & 0xFFFF;
    }

    /**
     * The similarity a duplicate group reports for two hashes {@code distance} bits apart: {@code 1 - distance / 64},
     * exact in a double, so the distance reads back as {@code round((1 - similarity) * 64)}.
     */
    public static double similarity(int distance) {
        return 1 - distance / 64.0;
    }

    /** The bits as 16 hexadecimal digits. */
    @Override
    public String toString() {
        return HexFormat.of().toHexDigits(bits);
    }
}
