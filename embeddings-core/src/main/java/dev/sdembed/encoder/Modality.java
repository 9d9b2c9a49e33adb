package dev.sdembed.encoder;

/** What an encoder reads. */
public enum Modality {
    TEXT,
    IMAGE
}
