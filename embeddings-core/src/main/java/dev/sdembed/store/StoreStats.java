package dev.sdembed.store;

import dev.sdembed.InvalidInputException;
import java.util.List;

/**
 * Counts for a whole store, read in one consistent snapshot.
 *
 * @param images        image records, all statuses
 * @param failedImages  of those, records with status FAILED
 * @param textContents  distinct texts
 * @param imageContents distinct image files
 * @param slots         per configured slot, in configuration order
 */
public record StoreStats(long images, long failedImages, long textContents, long imageContents, List<SlotStats> slots) {
    public StoreStats {
        slots = List.copyOf(slots);
    }

    public SlotStats slot(String name) {
        return slots.stream().filter(s -> s.slot().equals(name)).findFirst()
                .orElseThrow(() -> new InvalidInputException("No stats for slot '" + name + "'"));
    }
}
