package dev.sdembed.store;

import java.util.List;

/**
 * What {@link EmbeddingStore#pixelDuplicates} found.
 *
 * @param groups                 images showing the same picture, largest group first; a group's
 *                               {@link DuplicateGroup#lowestLink()} is {@code 1 - d / 64} for the widest distance
 *                               {@code d} among the links that joined it ({@link dev.sdembed.image.PixelHash#similarity})
 * @param imagesWithoutPixelHash indexed images (passing the filter) whose content has no pixel hash yet, so they
 *                               could not be compared: indexed before pixel hashes existed, or with them turned off
 */
public record PixelDuplicates(List<DuplicateGroup> groups, long imagesWithoutPixelHash) {
    public PixelDuplicates {
        groups = List.copyOf(groups);
    }
}
