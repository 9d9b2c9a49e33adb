package dev.sdembed.store;

/**
 * An image record as stored, with the id the store gave it. Ids are stable while the path stays in the store.
 */
public record StoredImage(long id, ImageRecord record) {
    public StoredImage {
        if (record == null) {
            throw new IllegalArgumentException("record is null");
        }
    }

    public String path() {
        return record.path();
    }
}
