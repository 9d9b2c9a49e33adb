package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import dev.sdembed.image.PixelHash;

/**
 * Finds groups of images that show the same picture: their image contents' {@link PixelHash}es are at most
 * {@code maxDistance} bits apart (transitively), whatever their file format, size or metadata. Stores search through
 * the hashes' bands (a bucket lookup per band, and per band value one bit away when {@code maxDistance} is over 3),
 * so the cost grows with the number of images times the bucket sizes, never with its square.
 *
 * @param maxDistance the most bits two pixel hashes may differ in to be linked, 0 to {@value #MAX_DISTANCE}
 * @param filter      which images take part
 */
public record PixelDuplicateRequest(int maxDistance, SearchFilter filter) {
    /**
     * The default: 6 of 64 bits. On the sample library, PNG re-encodes, JPEG at quality 60 to 90 and half-size copies
     * (bilinear, bicubic or nearest-neighbour) of a picture stayed within 6 bits of it, and distinct pictures of one
     * subject were 10 or more apart.
     */
    public static final int DEFAULT_MAX_DISTANCE = 6;
    /** The widest search the bands answer exactly: 7 bits (four bands, each probed up to one bit away). */
    public static final int MAX_DISTANCE = 7;

    public PixelDuplicateRequest {
        if (maxDistance < 0 || maxDistance > MAX_DISTANCE) {
            throw new InvalidInputException("Pixel duplicate maxDistance is " + maxDistance + "; expected 0 to "
                    + MAX_DISTANCE + " bits of 64");
        }
        if (filter == null) {
            filter = SearchFilter.NONE;
        }
    }

    /** The default distance, unfiltered. */
    public static PixelDuplicateRequest defaults() {
        return new PixelDuplicateRequest(DEFAULT_MAX_DISTANCE, SearchFilter.NONE);
    }

    public PixelDuplicateRequest withMaxDistance(int bits) {
        return new PixelDuplicateRequest(bits, filter);
    }

    public PixelDuplicateRequest withFilter(SearchFilter value) {
        return new PixelDuplicateRequest(maxDistance, value);
    }

    /** How far from a band's value a probe reaches: 0 bits for a distance up to 3, 1 bit up to 7 (pigeonhole). */
    public int bandRadius() {
        return maxDistance / PixelHash.BANDS;
    }
}
