package dev.sdembed.store;

/** Whether an image file was indexed or failed (corrupt, unreadable); failed rows keep the reason. */
public enum ImageStatus {
    OK,
    FAILED
}
