package dev.sdembed.runtime;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.store.DuplicateGroup;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.NearDuplicateRequest;
import dev.sdembed.store.PixelDuplicateRequest;
import dev.sdembed.store.PixelDuplicates;
import dev.sdembed.store.SearchFilter;
import dev.sdembed.store.SlotSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What "duplicates" compares, decided once for every front end (the command line's {@code duplicates}, the server's
 * {@code /api/duplicates}), so both offer the same kinds, default to the same one and describe it alike.
 *
 * <p>The default is {@link By#PIXELS}: what users mean by duplicates is the same picture (a file copied across
 * drives, re-saved as JPEG, resized, stripped of its metadata), which is safe to delete one of; pixel hashes find it
 * with no image model, and different pictures never match. {@link By#FILE} is stricter (the same bytes only);
 * {@link By#IMAGE} (a CLIP image slot) finds similar pictures, variations worth a review, not copies; {@link By#PROMPT}
 * finds images whose prompts read alike, which are usually different pictures.
 */
public final class Duplicates {
    private Duplicates() {
    }

    /** What two images are compared by. */
    public enum By {
        /** Identical files: one image content (SHA-256 of the bytes). */
        FILE,
        /** The same picture: pixel hashes a few bits apart. */
        PIXELS,
        /** Similar pictures: an image slot's embeddings (CLIP). */
        IMAGE,
        /** Similar prompts: a text slot's embeddings of the prompts. */
        PROMPT;

        /** The lower-case name front ends take and print. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind called {@code id} (any case); an error naming the kinds otherwise. */
        public static By of(String id) {
            for (By b : values()) {
                if (b.id().equalsIgnoreCase(id)) {
                    return b;
                }
            }
            throw new InvalidInputException("Duplicates by '" + id + "' is unknown; expected file, pixels, image or"
                    + " prompt");
        }
    }

    /** The kind used when none is asked for: {@link By#PIXELS}, whatever slots are configured. */
    public static final By DEFAULT = By.PIXELS;

    /** The kinds these slots allow, strictest first: file and pixels always, image and prompt with such a slot. */
    public static List<By> available(QuerySlots slots) {
        List<By> kinds = new ArrayList<>(List.of(By.FILE, By.PIXELS));
        if (slots.imageSlot().isPresent()) {
            kinds.add(By.IMAGE);
        }
        if (slots.slot(null, Modality.TEXT).isPresent()) {
            kinds.add(By.PROMPT);
        }
        return kinds;
    }

    /**
     * A duplicate search.
     *
     * @param by          what is compared
     * @param slot        the slot for image or prompt (null: the first of its modality); must be null otherwise
     * @param threshold   for image and prompt, the least similarity that links two images
     * @param neighbours  for image and prompt, the nearest neighbours examined per image
     * @param maxDistance for pixels, the most bits two pixel hashes may differ in
     * @param filter      which images take part
     */
    public record Request(By by, String slot, double threshold, int neighbours, int maxDistance, SearchFilter filter) {
        public Request {
            if (by == null) {
                by = DEFAULT;
            }
            if (filter == null) {
                filter = SearchFilter.NONE;
            }
        }

        /** {@code by} with every default. */
        public static Request of(By by) {
            return new Request(by, null, NearDuplicateRequest.DEFAULT_THRESHOLD, NearDuplicateRequest.DEFAULT_NEIGHBOURS,
                    PixelDuplicateRequest.DEFAULT_MAX_DISTANCE, SearchFilter.NONE);
        }
    }

    /**
     * What a search found.
     *
     * @param by                     what was compared
     * @param slot                   the slot compared (image or prompt), else null
     * @param description            what the groups are, in words, e.g. "the same picture (pixel hashes at most 6 of
     *                               64 bits apart)"
     * @param groups                 largest first
     * @param imagesWithoutPixelHash for pixels, the images that could not be compared for want of a pixel hash
     */
    public record Result(By by, SlotSpec slot, String description, List<DuplicateGroup> groups,
                         long imagesWithoutPixelHash) {
        public Result {
            groups = List.copyOf(groups);
        }
    }

    /** Runs {@code request} on {@code store}; the slot must be one of {@code slots}, of the kind's modality. */
    public static Result find(EmbeddingStore store, QuerySlots slots, Request request) {
        return switch (request.by()) {
            case FILE -> {
                checkFileOrPixels(request);
                yield new Result(By.FILE, null, "identical files (the same bytes)",
                        store.identicalFiles(request.filter()), 0);
            }
            case PIXELS -> {
                checkFileOrPixels(request);
                PixelDuplicates found = store.pixelDuplicates(new PixelDuplicateRequest(request.maxDistance(),
                        request.filter()));
                yield new Result(By.PIXELS, null, "the same picture (pixel hashes at most " + request.maxDistance()
                        + " of 64 bits apart)", found.groups(), found.imagesWithoutPixelHash());
            }
            case IMAGE -> {
                SlotSpec slot = slots.slot(request.slot(), Modality.IMAGE).orElseThrow(() -> new InvalidInputException(
                        "Duplicates by image need an image slot (a CLIP vision model in --config); without one, by"
                                + " pixels finds the same picture and by prompt similar prompts"));
                yield bySlot(store, slot, request, "similar pictures (image embeddings at least %.3f similar, slot %s)");
            }
            case PROMPT -> {
                SlotSpec slot = slots.textSlot(request.slot(), "duplicates by prompt");
                yield bySlot(store, slot, request, "similar prompts (prompt embeddings at least %.3f similar, slot %s;"
                        + " often different pictures)");
            }
        };
    }

    /** {@code format} takes the threshold in effect (a minimum score may raise it) and the slot. */
    private static Result bySlot(EmbeddingStore store, SlotSpec slot, Request request, String format) {
        NearDuplicateRequest near = NearDuplicateRequest.of(slot.name()).withThreshold(request.threshold())
                .withNeighbours(request.neighbours()).withFilter(request.filter());
        List<DuplicateGroup> groups = store.nearDuplicates(near);
        return new Result(slot.modality() == Modality.IMAGE ? By.IMAGE : By.PROMPT, slot,
                String.format(Locale.ROOT, format, near.linkThreshold(), QuerySlots.describe(slot)), groups, 0);
    }

    /** A request by file or pixels names no slot, no minimum score and no distinct: none of them applies. */
    private static void checkFileOrPixels(Request request) {
        if (request.slot() != null) {
            throw new InvalidInputException("A slot is compared only by image or by prompt; duplicates by "
                    + request.by().id() + " compare no slot");
        }
        // File and pixel groups have no similarity to raise and no prompt to collapse by: say so rather than ignore.
        if (request.filter().minScore() != null) {
            throw new InvalidInputException("A minimum score applies to duplicates by image or by prompt, not by "
                    + request.by().id() + (request.by() == By.PIXELS ? " (their closeness is the maximum distance in"
                    + " bits)" : " (identical files)"));
        }
        if (request.filter().distinct() != null) {
            throw new InvalidInputException("Distinct applies to duplicates by image or by prompt, not by "
                    + request.by().id());
        }
    }

    /** The most bits a group of {@code group}'s pixel duplicates differ in, from its lowest link. */
    public static int widestDistance(DuplicateGroup group) {
        return (int) Math.round((1 - group.lowestLink()) * 64);
    }
}
