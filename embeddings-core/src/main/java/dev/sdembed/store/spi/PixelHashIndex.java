package dev.sdembed.store.spi;

import dev.sdembed.hash.ContentHash;
import dev.sdembed.image.PixelHash;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Multi-index hashing over pixel hashes held in memory, for stores that search them outside their database: each
 * hash is put in one bucket per {@linkplain PixelHash#band band}; a query probes, per band, its own band value and,
 * for a radius of 1, the 16 values one bit away. Any two hashes at most {@code 4 r + 3} bits apart share a band up to
 * {@code r} bits (pigeonhole over the four bands), so every pair within the distance is found, each with the cost of
 * the buckets it probes rather than of the whole collection. One instance per search; not thread-safe.
 */
public final class PixelHashIndex {
    private final List<ContentHash> contents = new ArrayList<>();
    private final List<PixelHash> hashes = new ArrayList<>();
    /** Per band: band value to the rows holding it. */
    private final List<Map<Integer, List<Integer>>> bands = new ArrayList<>();

    public PixelHashIndex() {
        for (int b = 0; b < PixelHash.BANDS; b++) {
            bands.add(new HashMap<>());
        }
    }

    /** Adds one content's hash. */
    public void add(ContentHash content, PixelHash hash) {
        int row = contents.size();
        contents.add(content);
        hashes.add(hash);
        for (int b = 0; b < PixelHash.BANDS; b++) {
            bands.get(b).computeIfAbsent(hash.band(b), k -> new ArrayList<>(2)).add(row);
        }
    }

    public int size() {
        return contents.size();
    }

    /** A pair of contents whose hashes are {@code distance} bits apart. */
    public record Link(ContentHash a, ContentHash b, int distance) {
    }

    /** Every pair of added contents at most {@code maxDistance} bits apart ({@code maxDistance} up to 7), once each. */
    public List<Link> links(int maxDistance) {
        int radius = maxDistance / PixelHash.BANDS;
        if (radius > 1) {
            throw new IllegalArgumentException("maxDistance " + maxDistance + " needs band radius " + radius
                    + "; at most 7 (radius 1) is supported");
        }
        List<Link> links = new ArrayList<>();
        for (int row = 0; row < contents.size(); row++) {
            PixelHash h = hashes.get(row);
            for (int b = 0; b < PixelHash.BANDS; b++) {
                int value = h.band(b);
                probe(row, b, value, maxDistance, links);
                for (int bit = 0; radius == 1 && bit < PixelHash.BAND_BITS; bit++) {
                    probe(row, b, value ^ (1 << bit), maxDistance, links);
                }
            }
        }
        return links;
    }

    /**
     * Links {@code row} with the rows after it in band {@code band}'s bucket {@code value}. A pair sharing several
     * bands is found in each: it is kept only from the first band where it is within the band radius, so each pair
     * is reported once.
     */
    private void probe(int row, int band, int value, int maxDistance, List<Link> links) {
        List<Integer> bucket = bands.get(band).get(value);
        if (bucket == null) {
            return;
        }
        PixelHash h = hashes.get(row);
        int radius = maxDistance / PixelHash.BANDS;
        for (int other : bucket) {
            if (other <= row) {
                continue;
            }
            PixelHash o = hashes.get(other);
            int distance = h.distance(o);
            if (distance <= maxDistance && firstCloseBand(h, o, radius) == band) {
                links.add(new Link(contents.get(row), contents.get(other), distance));
            }
        }
    }

    /** The first band in which {@code a} and {@code b} are at most {@code radius} bits apart. */
    private static int firstCloseBand(PixelHash a, PixelHash b, int radius) {
        for (int band = 0; band < PixelHash.BANDS; band++) {
            if (Integer.bitCount(a.band(band) ^ b.band(band)) <= radius) {
                return band;
            }
        }
        return -1;
    }
}
